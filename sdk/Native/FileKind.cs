using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>What is at a path, as the kernel sees it: .NET tells files from folders, but not a device or a FIFO from a
/// regular file, and that difference decides whether Runner may read a file to its end or replace it.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    Unknown,
}

/// <summary>Reads a path's <see cref="FileKind"/> through the C library's <c>stat</c> and <c>lstat</c>.</summary>
internal static partial class FileKinds
{
    /// <summary>The kind of what <paramref name="path"/> names, links followed (a link to /dev/zero is a device).</summary>
    public static FileKind Of(string path) => Query(path, followLinks: true);

    /// <summary>The kind of <paramref name="path"/> itself: a link is <see cref="FileKind.SymbolicLink"/>.</summary>
    public static FileKind OfEntry(string path) => Query(path, followLinks: false);

    /// <summary>
    /// <paramref name="path"/> as a full path with every link resolved, those of the folders above it included (a
    /// link to <c>/etc</c>, or a folder below one, is judged as what it reaches); a tail that does not exist yet is kept
    /// as written. A loop of links leaves the path as far as it could be resolved.
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var existing = full;
        var rest = new Stack<string>();
        while (OfEntry(existing) == FileKind.Missing && Path.GetDirectoryName(existing) is { } up)
        {
            rest.Push(Path.GetFileName(existing));
            existing = up;
        }
        string resolved;
        try
        {
            resolved = OfEntry(existing) == FileKind.SymbolicLink ? new FileInfo(existing).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? existing : existing;
            // A link above (…/link/sub) is resolved through the parent, one level at a time.
            if (Path.GetDirectoryName(resolved) is { } parent && parent != resolved) resolved = Path.Combine(RealPath(parent), Path.GetFileName(resolved));
        }
        catch (IOException)
        {
            resolved = existing;
        }
        while (rest.Count > 0) resolved = Path.Combine(resolved, rest.Pop());
        return Path.TrimEndingDirectorySeparator(resolved);
    }

    /// <summary>The size of the file <paramref name="path"/> names, links followed (<see cref="FileInfo.Length"/> gives a link's own size).</summary>
    public static long SizeOf(string path) => new FileInfo(File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path).Length;

    /// <summary>How a kind reads in a message ("a character device").</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    private static FileKind Query(string path, bool followLinks)
    {
        if (path.Length == 0 || path.Contains('\0')) return FileKind.Missing;
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return Portable(path, followLinks);
        // struct stat as glibc lays it out: st_mode is a 32-bit field at offset 24 on x86-64, 16 on arm64.
        Span<byte> buffer = stackalloc byte[256];
        var result = followLinks ? stat(path, ref MemoryMarshal.GetReference(buffer)) : lstat(path, ref MemoryMarshal.GetReference(buffer));
        if (result != 0) return FileKind.Missing;
        var mode = BitConverter.ToUInt32(buffer[(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16)..]);
        return (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
    }

    private static FileKind Portable(string path, bool followLinks)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null) return FileKind.Missing;
        if (!followLinks && info.LinkTarget is not null) return FileKind.SymbolicLink;
        return info is DirectoryInfo ? FileKind.Directory : FileKind.Regular;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int stat(string path, ref byte buffer);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int lstat(string path, ref byte buffer);
}
