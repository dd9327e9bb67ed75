using Runner.Sdk.Native;
using System.Runtime.InteropServices;
using System.Text;

namespace Runner.Sdk.Running;

/// <summary>
/// One training run per work dir at a time: an exclusive <c>flock</c> on <c>work_dir/.runner.lock</c>, which holds
/// the owner's process id. The kernel releases the lock when its process ends, however it ends, so a killed run
/// never leaves a stale lock behind.
/// </summary>
/// <remarks>
/// The lock is taken with the C library's <c>open</c> and <c>flock</c> rather than <see cref="FileStream"/>'s
/// <see cref="FileShare.None"/>: .NET takes a shared lock for every other open of the file, so a second run could
/// not even read the owner's process id to name it.
/// </remarks>
internal sealed class WorkDirLock : IDisposable
{
    public const string FileName = ".runner.lock";

    private readonly int _descriptor;
    private readonly FileStream? _portable;

    private WorkDirLock(int descriptor, FileStream? portable)
    {
        _descriptor = descriptor;
        _portable = portable;
    }

    /// <summary>Takes the lock of <paramref name="workDir"/>, or fails naming the process that holds it.</summary>
    public static WorkDirLock Take(string workDir)
    {
        var path = Path.Combine(workDir, FileName);
        if (!OperatingSystem.IsLinux()) return TakePortable(path);

        // O_NOFOLLOW: a link planted in the lock file's place is refused, never written through.
        var descriptor = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, Convert.ToInt32("644", 8));
        if (descriptor < 0 && Marshal.GetLastPInvokeError() == Libc.ELOOP)
            throw new RunnerException($"The work dir's lock file '{path}' is a symbolic link; Runner does not write through links in a work dir. Remove it, or pass another --work-dir.");
        if (descriptor < 0) throw new RunnerException($"Cannot create the work dir's lock file '{path}': {Marshal.GetLastPInvokeErrorMessage()}");
        if (Libc.Flock(descriptor, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            var holder = ReadHolder(descriptor);
            Libc.Close(descriptor);
            throw Busy(workDir, holder);
        }
        var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        Libc.Ftruncate(descriptor, 0);
        Libc.Pwrite(descriptor, pid, pid.Length, 0);
        return new WorkDirLock(descriptor, null);
    }

    private static string? ReadHolder(int descriptor)
    {
        var buffer = new byte[32];
        var read = Libc.Pread(descriptor, buffer, buffer.Length, 0);
        return read > 0 ? Encoding.ASCII.GetString(buffer, 0, (int)read).Trim() : null;
    }

    private static WorkDirLock TakePortable(string path)
    {
        try
        {
            return new WorkDirLock(-1, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw Busy(Path.GetDirectoryName(path)!, null);
        }
    }

    private static RunnerException Busy(string workDir, string? holder) =>
        new($"work_dir '{workDir}' is in use by another training run{(string.IsNullOrEmpty(holder) ? "" : $" (process {holder})")}: " +
            "two runs in one work dir would overwrite each other's checkpoints. Wait for it to end, or pass another --work-dir.");

    public void Dispose()
    {
        _portable?.Dispose();
        if (_descriptor >= 0) Libc.Close(_descriptor); // closing releases the flock
    }
}
