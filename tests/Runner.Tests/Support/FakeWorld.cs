using Runner.Sdk.Distributed;
using static TorchSharp.torch;

namespace Runner.Tests.Support;

/// <summary>
/// One rank of a pretend world, for unit tests of the code that only reads rank and size (samplers) or that must
/// call the right collectives (the data-parallel gradients): each collective is recorded, and answers as if every
/// other rank held the same values as this one (so a mean leaves a tensor as it was).
/// </summary>
public sealed class FakeWorld(int rank, int worldSize) : ICommunicator
{
    public List<string> Calls { get; } = [];

    public int Rank => rank;

    public int WorldSize => worldSize;

    public int LocalRank => rank;

    public int LocalSize => worldSize;

    public string Backend => "fake";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the data-parallel code may call from its all-reduce thread (then calls are recorded under a lock).</summary>
    public bool AcceptsCallsFromAnyThread { get; init; }

    /// <summary>What each float32 all-reduce was given, copied at the call: the values the ranks would have averaged.</summary>
    public List<float[]> AllReducedValues { get; } = [];

    /// <summary>Where each float32 tensor given to <see cref="AllReduce"/> holds its data (to tell in-place calls).</summary>
    public List<nint> AllReducedData { get; } = [];

    public void AllReduce(Tensor tensor, ReduceOp op, string purpose)
    {
        lock (Calls)
        {
            Calls.Add($"AllReduce {op} {tensor.numel()}: {purpose}");
            if (tensor.dtype == ScalarType.Float32)
            {
                AllReducedData.Add(DataOf(tensor));
                AllReducedValues.Add(tensor.data<float>().ToArray());
            }
        }
        if (op == ReduceOp.Sum) tensor.mul_(worldSize);
    }

    public void Broadcast(Tensor tensor, int root, string purpose) => Calls.Add($"Broadcast {tensor.numel()}: {purpose}");

    public byte[] Broadcast(byte[] payload, int root, string purpose)
    {
        Calls.Add($"Broadcast bytes: {purpose}");
        return payload;
    }

    public byte[][] AllGather(byte[] payload, string purpose)
    {
        Calls.Add($"AllGather: {purpose}");
        return Enumerable.Repeat(payload, worldSize).ToArray();
    }

    public void Barrier(string purpose) => Calls.Add($"Barrier: {purpose}");

    public void Abort(int exitCode) => throw new InvalidOperationException("a fake world cannot abort");

    public void Dispose() { }

    /// <summary>The address of a float32 tensor's first element.</summary>
    public static nint DataOf(Tensor tensor) => TensorAddress.Of(tensor);
}
