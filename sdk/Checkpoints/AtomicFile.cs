namespace Runner.Sdk.Checkpoints;

/// <summary>Writes a file so that a crash leaves either the old content or the new, never a mix.</summary>
public static class AtomicFile
{
    /// <summary>The write buffer of a buffered <see cref="Write"/>, for writers that make many small writes.</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>Writes through a temporary file in the same folder, fsyncs it, renames it over <paramref name="path"/>, and fsyncs the folder.</summary>
    /// <param name="bufferSize">The stream's write buffer; 0 writes straight through, for writers that hand over few,
    /// large spans (a buffer is allocated per file, and a megabyte of garbage per checkpoint makes the collector run).</param>
    public static void Write(string path, Action<Stream> write, int bufferSize = DefaultBufferSize)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            SyncFolder(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw CheckpointException.WriteFailed(path, e);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)), bufferSize: 0);

    private static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        // Opening a directory read-only and flushing it fsyncs the directory entry of the rename.
        try
        {
            using var handle = File.OpenHandle(folder, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Some file systems refuse to open directories; the rename itself is still atomic.
        }
    }
}
