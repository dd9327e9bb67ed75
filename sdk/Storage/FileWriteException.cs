namespace Runner.Sdk.Storage;

/// <summary>
/// A file Runner writes (a log, a scalar record, a picture, a checkpoint) could not be written or flushed to disk:
/// names the file and the cause (a full disk, a missing permission). The file that was there before is unchanged.
/// </summary>
public sealed class FileWriteException : RunnerException
{
    internal FileWriteException(string path, string message, Exception cause) : base(message, cause) => FilePath = path;

    /// <summary>The file that could not be written.</summary>
    public string FilePath { get; }

    internal static FileWriteException WriteFailed(string path, Exception cause) =>
        new(path, $"Could not write '{path}': {cause.Message} (the file there before is unchanged).", cause);

    internal static FileWriteException FlushFailed(string path, Exception cause) =>
        new(path, $"Could not flush '{path}' to disk: {cause.Message}", cause);
}
