namespace Runner.Sdk.Distributed;

/// <summary>
/// A failure of the processes of a run to work together: a rank that died or hangs (named, when it can be told), a
/// launcher the environment contradicts, an MPI library that is missing or refuses.
/// </summary>
public sealed class DistributedException : RunnerException
{
    /// <summary>A failure of the run's processes to work together (a rank gone, a timeout, collectives out of order).</summary>
    public DistributedException(string message) : base(message) { }

    /// <summary>A failure of the run's processes to work together, caused by <paramref name="inner"/>.</summary>
    public DistributedException(string message, Exception? inner) : base(message, inner) { }
}
