using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>The world of one process (<c>launcher = "none"</c>): every collective is the identity.</summary>
internal sealed class SingleProcessCommunicator : ICommunicator
{
    public static readonly SingleProcessCommunicator Instance = new();

    public int Rank => 0;

    public int WorldSize => 1;

    public int LocalRank => 0;

    public int LocalSize => 1;

    public string Backend => "none";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    public void AllReduce(Tensor tensor, ReduceOp op, string purpose) { }

    public void Broadcast(Tensor tensor, int root, string purpose) { }

    public byte[] Broadcast(byte[] payload, int root, string purpose) => payload;

    public byte[][] AllGather(byte[] payload, string purpose) => [payload];

    public void Barrier(string purpose) { }

    public void Abort(int exitCode) => Environment.Exit(exitCode);

    public void Dispose() { }
}
