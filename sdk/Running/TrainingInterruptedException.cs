namespace Runner.Sdk.Running;

/// <summary>Training stopped on request (SIGINT, SIGTERM) after saving a checkpoint to resume from.</summary>
public sealed class TrainingInterruptedException : RunnerException
{
    public TrainingInterruptedException(string signal, string checkpoint, int exitCode)
        : base($"Training stopped on {signal}; resume with --resume (checkpoint {checkpoint}).")
    {
        Signal = signal;
        Checkpoint = checkpoint;
        ExitCode = exitCode;
    }

    public string Signal { get; }

    public string Checkpoint { get; }

    /// <summary>128 + the signal number: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode { get; }
}
