using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>The process's limit of open files (RLIMIT_NOFILE), for <c>env_cfg.resource_limit</c>.</summary>
internal static partial class FileLimit
{
    private const int RlimitNofileLinux = 7;
    private const int RlimitNofileMac = 8;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    /// <summary>MMEngine's rule: soft limit = min(max(<paramref name="wanted"/>, current soft limit), hard limit). Returns the new soft limit, or null where unsupported.</summary>
    public static ulong? Raise(ulong wanted)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        var resource = OperatingSystem.IsLinux() ? RlimitNofileLinux : RlimitNofileMac;
        if (getrlimit(resource, out var limit) != 0) return null;
        var target = Math.Min(Math.Max(wanted, limit.Current), limit.Maximum);
        if (target != limit.Current)
        {
            var raised = new RLimit { Current = target, Maximum = limit.Maximum };
            if (setrlimit(resource, in raised) != 0) return null;
        }
        return target;
    }
}
