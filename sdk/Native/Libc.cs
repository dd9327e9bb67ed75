using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// The C library's calls Runner makes that .NET has no API for (Linux): a lock file opened without following links
/// and locked with <c>flock</c>, and <c>_exit</c>. Declared once, here, with <c>LibraryImport</c> (source-generated
/// marshalling); <see cref="FileKinds"/>, <see cref="FileLimit"/> and <see cref="NativeEnvironment"/> declare their own
/// the same way.
/// </summary>
internal static partial class Libc
{
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NOFOLLOW = 0x20000;
    public const int ELOOP = 40;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint Pread(int fd, byte[] buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint Pwrite(int fd, byte[] buffer, nint count, long offset);

    /// <summary>Ends the process at once, without the C library's exit handlers.</summary>
    [LibraryImport("libc", EntryPoint = "_exit")]
    public static partial void Exit(int status);
}
