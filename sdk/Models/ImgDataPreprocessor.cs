using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Sdk.Models;

/// <summary>MMEngine's <c>ImgDataPreprocessor</c>: normalises <c>inputs</c> [N, C, …] per channel, <c>(x - mean) / std</c>
/// (integer inputs, such as a vision pipeline's uint8 images, in float32 or the preprocessor's dtype).</summary>
[Register]
public sealed class ImgDataPreprocessor : BaseDataPreprocessor
{
    private readonly double[] _mean;
    private readonly double[] _std;

    /// <param name="mean">Per-channel mean.</param>
    /// <param name="std">Per-channel standard deviation.</param>
    public ImgDataPreprocessor(double[] mean, double[] std)
    {
        if (mean.Length != std.Length) throw new ArgumentException($"mean has {mean.Length} value{(mean.Length == 1 ? "" : "s")} but std has {std.Length}.");
        if (std.Any(s => s <= 0)) throw new ArgumentException("every std value must be positive.");
        _mean = mean;
        _std = std;
    }

    /// <inheritdoc/>
    public override DataBatch Process(DataBatch batch, bool training) => batch.Select((key, tensor) =>
    {
        var moved = Cast(tensor);
        if (key != DataBatch.InputsKey) return moved;
        if (!moved.is_floating_point())
        {
            // Images read as bytes (a vision pipeline's uint8 [C, H, W]) are normalised in float32, as MMEngine's .float().
            var asFloat = moved.to_type(FloatDtype ?? ScalarType.Float32);
            if (!ReferenceEquals(moved, tensor)) moved.Dispose();
            moved = asFloat;
        }
        var shape = new long[moved.dim()];
        Array.Fill(shape, 1L);
        shape[1] = _mean.Length;
        using var mean = torch.tensor(_mean, dtype: moved.dtype, device: moved.device).view(shape);
        using var std = torch.tensor(_std, dtype: moved.dtype, device: moved.device).view(shape);
        return (moved - mean) / std;
    });
}
