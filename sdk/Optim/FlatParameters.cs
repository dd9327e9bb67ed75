using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// A model's trainable parameters laid out in one contiguous tensor (<c>optim_wrapper.flat_buffers</c>): each parameter
/// becomes a view of <see cref="Values"/>, and its gradient a view of <see cref="Gradients"/>, so backward accumulates
/// into one buffer and the optimizer steps one parameter — a handful of kernels per step instead of a few per
/// parameter, what PyTorch's foreach/fused optimizers do and TorchSharp 0.107 lacks.
/// </summary>
internal sealed class FlatParameters
{
    private FlatParameters(Parameter values, Tensor gradients)
    {
        Values = values;
        Gradients = gradients;
    }

    /// <summary>The parameter the optimizer steps: every trainable parameter's values, end to end.</summary>
    public Parameter Values { get; }

    /// <summary>Its gradient, of which each model parameter's gradient is a view (zeroed in place, never replaced).</summary>
    public Tensor Gradients { get; }

    /// <summary>Lays out <paramref name="parameters"/> (trainable, one dtype, one device) in one buffer, keeping their values.</summary>
    /// <exception cref="ArgumentException">The parameters are of several dtypes or devices, or there are none.</exception>
    public static FlatParameters Pack(IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count == 0) throw new ArgumentException("the model has no trainable parameters to lay out in flat buffers.", "flatBuffers");
        var (dtype, device) = (parameters[0].dtype, parameters[0].device);
        if (parameters.Any(p => p.dtype != dtype || p.device.type != device.type || p.device.index != device.index))
            throw new ArgumentException("flat_buffers needs every trainable parameter in one dtype and on one device; this model mixes them.", "flatBuffers");
        var total = parameters.Sum(p => p.numel());
        // The flat Parameter is made first: wrapping a tensor in a Parameter takes over its handle.
        var values = new Parameter(zeros(total, dtype: dtype, device: device), requires_grad: true);
        var gradients = zeros(total, dtype: dtype, device: device);
        long offset = 0;
        using (no_grad())
        {
            foreach (var parameter in parameters)
            {
                var count = parameter.numel();
                using var slot = values.narrow(0, offset, count).view(parameter.shape);
                slot.copy_(parameter);
                parameter.set_(slot);
                parameter.grad = gradients.narrow(0, offset, count).view(parameter.shape);
                offset += count;
            }
        }
        values.grad = gradients;
        return new FlatParameters(values, gradients);
    }
}
