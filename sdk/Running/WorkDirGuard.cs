using Runner.Sdk.Configuration;

namespace Runner.Sdk.Running;

/// <summary>
/// What a work dir may be: a folder of the user's choosing, but never a system folder (where a run would scatter
/// logs and checkpoints among the system's files), and never a file. Failures to create or write it are one line
/// naming the folder and the cause.
/// </summary>
internal static class WorkDirGuard
{
    // System folders and everything below them.
    private static readonly string[] SystemTrees = ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/dev", "/proc", "/sys", "/run"];

    // Folders that hold other people's files at their top level; a subfolder of them is a fine work dir.
    private static readonly string[] SharedRoots = ["/", "/home", "/tmp", "/var", "/var/tmp", "/opt", "/srv", "/mnt", "/media", "/root"];

    /// <summary>The work dir as a full path, once it is known to be acceptable.</summary>
    public static string Check(string workDir, SourceLocation? location)
    {
        if (workDir.Contains('\uFFFD'))
        {
            throw ConfigException.At(location, "work_dir", $"'{workDir}' holds bytes that are not UTF-8 (shown as \uFFFD): .NET would write to a folder of another name.",
                "name a work dir whose name is UTF-8.");
        }
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workDir));
        if (full.Length == 0) full = "/";
        if (File.Exists(full))
            throw ConfigException.At(location, "work_dir", $"'{full}' is a file, not a folder.", "name a new or empty folder, e.g. work_dirs/my_job.");
        // The folder the run would really write into: a link (the work dir, or a folder above it) is followed here,
        // so a link to /etc is judged as /etc.
        var real = Native.FileKinds.RealPath(full);
        if (IsSystemFolder(full) || IsSystemFolder(real))
        {
            var through = IsSystemFolder(full) ? "" : $" (through a link, it is '{real}')";
            throw ConfigException.At(location, "work_dir", $"'{full}'{through} is a system or shared folder; a run would write its logs and checkpoints among files it did not make.",
                "name a folder of the job's own, e.g. work_dirs/my_job.");
        }
        return full;
    }

    private static bool IsSystemFolder(string full)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;
        var home = Path.TrimEndingDirectorySeparator(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        if (SharedRoots.Contains(full, StringComparer.Ordinal) || (home.Length > 0 && full == home)) return true;
        return SystemTrees.Any(tree => full == tree || full.StartsWith(tree + "/", StringComparison.Ordinal));
    }

    /// <summary>Creates <paramref name="folder"/> (in the work dir), or says in one line why it cannot be.</summary>
    public static void Create(string folder, SourceLocation? location)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ConfigException.At(location, "work_dir", $"cannot create '{folder}': {e.Message}", "check the folder's permissions and free space, or name another work_dir.");
        }
    }

    /// <summary>
    /// Creates the run's log folder, <c>work_dir/&lt;stamp&gt;</c>, as a new folder of its own, and returns its name:
    /// <paramref name="stamp"/>, or <c>stamp_1</c>, <c>stamp_2</c>… when something already stands at that name (another
    /// run of the same second, a planted link), so a run never writes into a folder, or through a link, it did not make.
    /// </summary>
    public static string ClaimLogDir(string workDir, string stamp, SourceLocation? location)
    {
        Create(workDir, location);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var name = attempt == 0 ? stamp : $"{stamp}_{attempt}";
            var folder = Path.Combine(workDir, name);
            if (Native.FileKinds.OfEntry(folder) != Native.FileKind.Missing || Native.FileKinds.OfEntry(folder + ".toml") != Native.FileKind.Missing) continue;
            Create(folder, location);
            if (Native.FileKinds.OfEntry(folder) == Native.FileKind.Directory) return name;
        }
        throw ConfigException.At(location, "work_dir", $"'{workDir}' already holds 100 run folders named {stamp}…; no new one could be made.", "name another work_dir.");
    }

    public static RunnerException WriteFailed(string workDir, Exception cause) =>
        new($"Cannot write in work_dir '{workDir}': {cause.Message}", cause);
}
