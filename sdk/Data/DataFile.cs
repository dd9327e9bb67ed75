using Runner.Sdk.Native;

namespace Runner.Sdk.Data;

/// <summary>
/// Reads a data file a config names (an image, an annotation list, a record file) as what it really is: links are
/// followed to their target, whose size bounds the read; a device (<c>/dev/zero</c>), a FIFO or a socket is refused,
/// since reading one never ends or waits forever. For dataset plugins: every read of a path from a config goes
/// through here.
/// </summary>
/// <example>
/// <code>
/// var bytes = DataFile.ReadAllBytes(path, maxBytes: 64L &lt;&lt; 20);   // an image: 64 MB at most
/// var records = DataFile.SizeOf(batchFile) / RecordBytes;          // a link's target's size, not the link's
/// </code>
/// </example>
public static class DataFile
{
    /// <summary>
    /// <paramref name="path"/> as a full path with every link resolved, those of the folders above it included: for a
    /// dataset that walks folders and must enter each real folder once (a link back up the tree would loop).
    /// </summary>
    /// <example><code>if (!entered.Add(DataFile.RealPath(folder))) continue;   // this folder was reached before, by another link</code></example>
    public static string RealPath(string path) => FileKinds.RealPath(path);

    /// <summary>The size in bytes of the regular file <paramref name="path"/> names, links followed.</summary>
    /// <param name="path">The file, as the config names it.</param>
    /// <returns>The target's size.</returns>
    /// <exception cref="InvalidDataException">The path is missing, or names a folder, a device, a FIFO or a socket.</exception>
    public static long SizeOf(string path)
    {
        var kind = FileKinds.Of(path);
        if (kind != FileKind.Regular)
        {
            throw new InvalidDataException(kind == FileKind.Missing
                ? $"'{path}' does not exist{(FileKinds.OfEntry(path) == FileKind.SymbolicLink ? " (it is a link to nothing)" : "")}."
                : $"'{path}' is {FileKinds.Describe(kind)}, not a data file{(FileKinds.OfEntry(path) == FileKind.SymbolicLink ? " (through a link)" : "")}.");
        }
        return FileKinds.SizeOf(path);
    }

    /// <summary>The bytes of the regular file <paramref name="path"/> names, links followed, refusing one larger than <paramref name="maxBytes"/>.</summary>
    /// <param name="path">The file, as the config names it.</param>
    /// <param name="maxBytes">The most the file may hold.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="InvalidDataException">The path is not a regular file, is larger than <paramref name="maxBytes"/>, or cannot be read.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        var size = SizeOf(path);
        if (size > maxBytes) throw new InvalidDataException($"'{path}' has {size:N0} bytes, more than the {maxBytes:N0} such a file may hold.");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read '{path}': {e.Message}", e);
        }
    }
}
