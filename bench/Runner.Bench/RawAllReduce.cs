using Runner.Sdk.Distributed;
using static TorchSharp.torch;

namespace Runner.Bench;

/// <summary>
/// Case 7's reference (issue 28), run on each rank under mpirun: the all-reduce of a float32 tensor of the given
/// length over Runner's own communicator — the call the gradient buckets make, nothing around it — repeated, with
/// rank 0 printing the median time of one call.
/// </summary>
internal static class RawAllReduce
{
    public static int Run(long elements, int calls = 200)
    {
        using var world = Launcher.Start("mpi", LaunchEnvironment.OfProcess(), null);
        using var buffer = ones(elements);
        var times = new List<double>(calls);
        for (var i = -20; i < calls; i++) // the first 20 warm up the transport
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            world.AllReduce(buffer, ReduceOp.Mean, "the raw all-reduce");
            if (i >= 0) times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        times.Sort();
        if (world.Rank == 0)
            Console.WriteLine(FormattableString.Invariant($"raw all-reduce of {elements * 4} bytes: median {times[times.Count / 2]:0.000} ms, min {times[0]:0.000} ms over {calls} calls"));
        return Launcher.End(0);
    }
}
