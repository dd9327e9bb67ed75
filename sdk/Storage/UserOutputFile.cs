using Runner.Sdk.Native;

namespace Runner.Sdk.Storage;

/// <summary>
/// A file the user names for Runner to write (<c>--out</c>): a regular file, or none yet, is written atomically
/// (through a temporary file renamed over it); a character device or a FIFO (<c>/dev/stdout</c>, a pipe) is written to
/// in place and never replaced; a symbolic link, a folder or a socket is refused, so that nothing but the file named
/// is ever touched.
/// </summary>
internal static class UserOutputFile
{
    /// <summary>Refuses, in one line naming <paramref name="option"/>, a path that cannot be written as described; before any work starts.</summary>
    public static void Check(string path, string option) => KindOf(path, option);

    /// <summary>What stands at <paramref name="path"/> (missing, or a regular file, a device or a FIFO), or the refusal of anything else.</summary>
    private static FileKind KindOf(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new RunnerException($"{option} is empty: name the file to write.");
        var full = Path.GetFullPath(path);
        switch (FileKinds.OfEntry(full))
        {
            case var writable and (FileKind.Missing or FileKind.Regular or FileKind.CharacterDevice or FileKind.Fifo):
                return writable; // a missing file's folder: a writer that makes folders makes it; one that does not says so
            case FileKind.SymbolicLink:
                throw new RunnerException($"{option}: '{path}' is a symbolic link (to '{new FileInfo(full).LinkTarget}'); Runner does not write through a link it is handed: name the file itself.");
            case var other:
                throw new RunnerException($"{option}: '{path}' is {FileKinds.Describe(other)}, not a file Runner can write.");
        }
    }

    /// <summary>Writes <paramref name="path"/> as described; a failure is a <see cref="RunnerException"/> naming the file and the cause.</summary>
    public static void Write(string path, Action<Stream> write, string option)
    {
        var kind = KindOf(path, option);
        var full = Path.GetFullPath(path);
        if (kind is FileKind.Missing or FileKind.Regular)
        {
            try
            {
                AtomicFile.Write(full, write);
            }
            catch (FileWriteException e) when (e.InnerException is { } cause)
            {
                throw new RunnerException($"{option}: could not write '{path}': {cause.Message}", cause);
            }
            return;
        }
        try
        {
            // A device or a pipe: written in place (opening a FIFO waits for its reader, as any writer of it does).
            // Made in memory first: the writers may seek (a zip, a header written last), which a pipe cannot.
            using var buffer = new MemoryStream();
            write(buffer);
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            buffer.Position = 0;
            buffer.CopyTo(stream);
            stream.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunnerException($"{option}: could not write to '{path}' ({FileKinds.Describe(kind)}): {e.Message}", e);
        }
    }
}
