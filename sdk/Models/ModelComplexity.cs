using Runner.Sdk.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Models;

/// <summary>One row of a <see cref="ModelComplexity"/>: a module, its parameters and the multiply-accumulates of its forward.</summary>
/// <param name="Name">The module's name in the model (<c>layer1.0.conv1</c>); "" for the whole model.</param>
/// <param name="Type">The module's type name.</param>
/// <param name="Trainable">Parameters that train (requires_grad).</param>
/// <param name="Frozen">Parameters that do not.</param>
/// <param name="Macs">Multiply-accumulates of one forward of the input measured (0 when none of its layers is counted).</param>
public sealed record ModuleComplexity(string Name, string Type, long Trainable, long Frozen, long Macs);

/// <summary>
/// A model's size and cost (MMEngine's <c>get_model_complexity_info</c>, Lightning's <c>ModelSummary</c>): parameters
/// per module, trainable and frozen, the weights' size in bytes, and multiply-accumulates (MACs) counted from the
/// layers' shapes during one forward: convolutions and linear layers (a MAC per weight use), batch norms (two per
/// element with affine weights, one without), activations and pooling (one per element). Layers of other kinds that
/// hold parameters are named in <see cref="Uncounted"/>, not guessed.
/// </summary>
/// <example>
/// <code>
/// var complexity = ModelComplexity.Measure(model, new DataBatch { ["inputs"] = torch.zeros(1, 3, 224, 224) });
/// Console.WriteLine($"{complexity.Parameters:N0} parameters, {complexity.Macs / 1e9:0.00} GMACs");
/// </code>
/// </example>
public sealed class ModelComplexity
{
    private ModelComplexity(IReadOnlyList<ModuleComplexity> modules, long bytes, IReadOnlyList<string> uncounted)
    {
        Modules = modules;
        Bytes = bytes;
        Uncounted = uncounted;
    }

    /// <summary>Every module, the whole model first ("" as its name), in the model's order.</summary>
    public IReadOnlyList<ModuleComplexity> Modules { get; }

    /// <summary>The whole model's parameters.</summary>
    public long Parameters => Modules[0].Trainable + Modules[0].Frozen;

    /// <summary>The whole model's multiply-accumulates for the input measured.</summary>
    public long Macs => Modules[0].Macs;

    /// <summary>The bytes of the model's parameters and buffers (its weights' size in memory and in a checkpoint).</summary>
    public long Bytes { get; }

    /// <summary>The types of layers with parameters whose operations are not counted.</summary>
    public IReadOnlyList<string> Uncounted { get; }

    /// <summary>Measures <paramref name="model"/> with one forward of <paramref name="batch"/> (through its data preprocessor, without gradients).</summary>
    /// <param name="model">The model, on the device of the batch.</param>
    /// <param name="batch">A batch of the model's input (<c>inputs</c>): a real one, or zeros of its shape.</param>
    /// <returns>The model's complexity.</returns>
    public static ModelComplexity Measure(BaseModel model, DataBatch batch)
    {
        // The model itself first, named "", then every module below it depth first (each after its parent, as a tree reads).
        var named = new List<(string name, nn.Module module)>();
        void Walk(string name, nn.Module module)
        {
            named.Add((name, module));
            foreach (var (child, submodule) in module.named_children()) Walk(name.Length == 0 ? child : $"{name}.{child}", submodule);
        }
        Walk("", model);
        var macs = new Dictionary<string, long>(StringComparer.Ordinal);
        var uncounted = new SortedSet<string>(StringComparer.Ordinal);
        var hooks = new List<Action>();
        foreach (var (name, module) in named)
        {
            if (module.children().Any() || module is not nn.Module<Tensor, Tensor> layer) continue;
            if (!Counts(module))
            {
                if (module.parameters().Any()) uncounted.Add(module.GetType().Name);
                continue;
            }
            var remover = layer.register_forward_hook((m, input, output) =>
            {
                macs[name] = macs.GetValueOrDefault(name) + MacsOf(m, input, output);
                return output;
            });
            hooks.Add(remover.remove);
        }
        try
        {
            var wasTraining = model.training;
            model.eval();
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var processed = model.DataPreprocessor.Process(batch, training: false);
                model.Forward(processed, ForwardMode.Tensor);
            }
            if (wasTraining) model.train();
        }
        finally
        {
            foreach (var remove in hooks) remove();
        }

        var rows = new List<ModuleComplexity>();
        foreach (var (name, module) in named)
        {
            var prefix = name.Length == 0 ? "" : name + ".";
            var parameters = module.parameters().ToList();
            rows.Add(new ModuleComplexity(name, module.GetType().Name,
                parameters.Where(p => p.requires_grad).Sum(p => p.numel()),
                parameters.Where(p => !p.requires_grad).Sum(p => p.numel()),
                macs.Where(kv => name.Length == 0 || kv.Key == name || kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value)));
        }
        return new ModelComplexity(rows, WeightBytes(model), uncounted.ToList());
    }

    /// <summary>The bytes of a model's parameters and buffers: its weights' size in memory and in a checkpoint.</summary>
    internal static long WeightBytes(nn.Module model) =>
        model.parameters().Sum(p => p.numel() * p.element_size()) + model.buffers().Sum(b => b.numel() * b.element_size());

    private static bool Counts(nn.Module module) => module is Conv1d or Conv2d or Conv3d or Linear or BatchNorm1d or BatchNorm2d or BatchNorm3d
        or ReLU or ReLU6 or LeakyReLU or GELU or SiLU or Sigmoid or Tanh or ELU or Hardswish
        or MaxPool1d or MaxPool2d or MaxPool3d or AvgPool1d or AvgPool2d or AvgPool3d or AdaptiveAvgPool1d or AdaptiveAvgPool2d or AdaptiveAvgPool3d
        or Dropout or Identity or Flatten;

    private static long MacsOf(nn.Module module, Tensor input, Tensor output) => module switch
    {
        Convolution convolution => output.numel() * (convolution.in_channels / convolution.groups) * KernelElements(convolution), // Conv1d/2d/3d: Counts lets no other through
        Linear linear => output.numel() * linear.in_features,
        BatchNorm1d or BatchNorm2d or BatchNorm3d => output.numel() * (module.parameters().Any() ? 2 : 1),
        MaxPool1d or MaxPool2d or MaxPool3d or AvgPool1d or AvgPool2d or AvgPool3d or AdaptiveAvgPool1d or AdaptiveAvgPool2d or AdaptiveAvgPool3d => input.numel(),
        Dropout or Identity or Flatten => 0,
        _ => output.numel(), // activations: one operation per element
    };

    private static long KernelElements(Convolution convolution) => convolution.weight!.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
}
