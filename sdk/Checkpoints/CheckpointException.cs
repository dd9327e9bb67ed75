namespace Runner.Sdk.Checkpoints;

/// <summary>A checkpoint that is missing, truncated, corrupt, or does not fit the model: names the file and what was wrong.</summary>
public sealed class CheckpointException : RunnerException
{
    private CheckpointException(string message, Exception? inner = null) : base(message, inner) { }

    internal static CheckpointException NotFound(string path) => new($"Checkpoint '{path}' does not exist.");

    internal static CheckpointException NotFound(string path, string why) => new($"No checkpoint found at '{path}': {why}");

    internal static CheckpointException Corrupt(string path, string problem) =>
        new($"Checkpoint '{path}' is corrupt or truncated: {problem}");

    internal static CheckpointException Unreadable(string path, Exception cause) =>
        new($"Checkpoint '{path}' cannot be read: {cause.Message}", cause);

    internal static CheckpointException WriteFailed(string path, Exception cause) =>
        new($"Could not write checkpoint '{path}': {cause.Message} (earlier checkpoints and last_checkpoint are unchanged).", cause);

    internal static CheckpointException Mismatch(string path, string problem) =>
        new($"Checkpoint '{path}' does not fit: {problem}");
}
