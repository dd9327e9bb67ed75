namespace Runner.Sdk.Running;

/// <summary>Training stopped on request (SIGINT, SIGTERM) after saving a checkpoint to resume from.</summary>
public sealed class TrainingInterruptedException : RunnerException
{
    /// <summary>Training stopped on <paramref name="signal"/> after saving <paramref name="checkpoint"/>; the process should exit with <paramref name="exitCode"/>.</summary>
    public TrainingInterruptedException(string signal, string checkpoint, int exitCode)
        : base($"Training stopped on {signal}; resume with --resume (checkpoint {checkpoint}).")
    {
        Signal = signal;
        Checkpoint = checkpoint;
        ExitCode = exitCode;
    }

    /// <summary>The signal that stopped training (<c>SIGINT</c>, <c>SIGTERM</c>).</summary>
    public string Signal { get; }

    /// <summary>The checkpoint saved before stopping, to resume from.</summary>
    public string Checkpoint { get; }

    /// <summary>128 + the signal number: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode { get; }
}
