namespace Runner.Sdk.Storage;

/// <summary>Writes a file so that a crash leaves either the old content or the new, never a mix.</summary>
internal static class AtomicFile
{
    /// <summary>The write buffer of a buffered <see cref="Write"/>, for writers that make many small writes.</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>Writes through a temporary file in the same folder, fsyncs it, renames it over <paramref name="path"/>, and fsyncs the folder.</summary>
    /// <param name="bufferSize">The stream's write buffer; 0 writes straight through, for writers that hand over few,
    /// large spans (a buffer is allocated per file, and a megabyte of garbage per checkpoint makes the collector run).</param>
    /// <param name="syncLater">When given, the file is renamed into place as soon as it is written, and flushed to disk
    /// by this queue, off the caller's thread. A process that dies still leaves the old file or the whole new one; only
    /// a machine that loses power before the flush can leave the new one incomplete, which its checksum then reports.</param>
    public static void Write(string path, Action<Stream> write, int bufferSize = DefaultBufferSize, FileSyncQueue? syncLater = null)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            // Whatever is at the temporary name (one a killed run left; a link someone planted) is removed, not written
            // through: the new file is created where nothing is, or not at all.
            File.Delete(temporary);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize))
            {
                write(stream);
                stream.Flush(flushToDisk: syncLater is null);
            }
            File.Move(temporary, path, overwrite: true);
            if (syncLater is null) SyncFolder(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw FileWriteException.WriteFailed(path, e);
        }
        syncLater?.Sync(path);
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)), bufferSize: 0);

    internal static void SyncFolder(string folder)
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
