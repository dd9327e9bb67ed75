namespace Runner.Sdk.Distributed;

/// <summary>
/// A failure of the processes of a run to work together: a rank that died or hangs (named, when it can be told), a
/// launcher the environment contradicts, an MPI library that is missing or refuses.
/// </summary>
public sealed class DistributedException : RunnerException
{
    public DistributedException(string message) : base(message) { }

    public DistributedException(string message, Exception? inner) : base(message, inner) { }
}
