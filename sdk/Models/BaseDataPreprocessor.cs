using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Sdk.Models;

/// <summary>
/// Prepares a collated batch for the model (MMEngine's <c>BaseDataPreprocessor</c>): moves every field to the
/// model's device and casts floating-point fields to the model's dtype. Subclasses add normalisation.
/// </summary>
[Register]
[ComponentKind("data preprocessor", 1)]
public class BaseDataPreprocessor
{
    /// <summary>Where the model lives; set by the runner.</summary>
    [NotConfigurable]
    public Device Device { get; set; } = CPU;

    /// <summary>The dtype floating-point inputs are cast to; null keeps them as they are.</summary>
    public ScalarType? FloatDtype { get; set; }

    /// <summary>Returns the batch ready for <see cref="BaseModel.Forward"/>. The result may share tensors with <paramref name="batch"/>.</summary>
    public virtual DataBatch Process(DataBatch batch, bool training) =>
        Device.type == DeviceType.CPU && FloatDtype is null && AllOnCpu(batch)
            ? batch // already where and what the model wants: nothing to do (the common case on the CPU)
            : batch.Select((_, tensor) => Cast(tensor));

    private static bool AllOnCpu(DataBatch batch)
    {
        foreach (var (_, tensor) in batch) // runs every iteration: no LINQ
            if (tensor.device_type != DeviceType.CPU) return false;
        return true;
    }

    /// <summary><paramref name="tensor"/> on the preprocessor's device (floating-point inputs in its dtype, when one is set).</summary>
    protected Tensor Cast(Tensor tensor)
    {
        // A batch the loader pinned goes to the GPU without blocking (the copy overlaps the work already queued there).
        var moved = tensor.device_type == Device.type && tensor.device_index == Device.index ? tensor
            : tensor.to(Device, non_blocking: Device.type == DeviceType.CUDA && tensor.is_pinned());
        return FloatDtype is { } dtype && moved.is_floating_point() && moved.dtype != dtype ? moved.to_type(dtype) : moved;
    }
}
