using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>Where a CPU tensor's first element lies in memory (TorchSharp 0.107 exposes only its storage's start).</summary>
internal static class TensorAddress
{
    /// <summary>The address of the first element of a float32, float64 or int64 tensor: its storage's start plus its offset in it.</summary>
    /// <exception cref="ArgumentException">The tensor is of another dtype.</exception>
    public static nint Of(Tensor tensor) => tensor.dtype switch
    {
        ScalarType.Float32 => tensor.storage<float>().data_ptr() + (nint)(tensor.storage_offset() * 4),
        ScalarType.Float64 => tensor.storage<double>().data_ptr() + (nint)(tensor.storage_offset() * 8),
        ScalarType.Int64 => tensor.storage<long>().data_ptr() + (nint)(tensor.storage_offset() * 8),
        _ => throw new ArgumentException($"only float32, float64 and int64 tensors are addressed here, not {tensor.dtype}."),
    };
}
