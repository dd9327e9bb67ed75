using TorchSharp;

namespace Runner.Sdk.Running;

/// <summary>
/// Checks a CPU generator state (what <c>torch.get_rng_state()</c> returns) before it is handed to libtorch, which
/// aborts the whole process — no exception — on a state its Mersenne Twister finds invalid.
/// </summary>
/// <remarks>
/// The state is libtorch's <c>CPUGeneratorImplState</c>: a legacy <c>THGeneratorState</c> (initial seed u64, then
/// <c>left</c> and <c>seeded</c> as int32, <c>next</c> as u64, the 624 words of the twister, the cached normal sample),
/// then the float normal sample and its flag. libtorch accepts it when <c>seeded</c> is set, <c>1 ≤ left ≤ 624</c>
/// and <c>next ≤ 624</c> (<c>at::mt19937::is_valid</c>); the size must be the one this libtorch writes.
/// </remarks>
internal static class RandomState
{
    private const int StateWords = 624;
    private const int LeftOffset = 8;
    private const int SeededOffset = 12;
    private const int NextOffset = 16;

    private static readonly Lazy<long> ExpectedBytes = new(() =>
    {
        using var state = torch.get_rng_state();
        return state.NumberOfElements;
    });

    /// <summary>What is wrong with <paramref name="state"/> as a generator state, or null when libtorch will take it.</summary>
    public static string? Problem(torch.Tensor state)
    {
        if (state.dtype != torch.ScalarType.Byte || state.dim() != 1)
            return $"is a {state.dtype} tensor of shape [{string.Join(", ", state.shape)}], not the bytes of a generator state";
        if (state.NumberOfElements != ExpectedBytes.Value)
            return $"holds {state.NumberOfElements} bytes; a generator state of this libtorch has {ExpectedBytes.Value}";
        var bytes = state.data<byte>().ToArray();
        var left = BitConverter.ToInt32(bytes, LeftOffset);
        var seeded = BitConverter.ToInt32(bytes, SeededOffset);
        var next = (uint)BitConverter.ToUInt64(bytes, NextOffset);
        if (seeded == 0 || left is < 1 or > StateWords || next > StateWords)
            return $"is not a valid generator state (seeded {seeded}, left {left}, next {next})";
        return null;
    }
}
