namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;

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
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workDir));
        if (full.Length == 0) full = "/";
        if (File.Exists(full))
            throw ConfigException.At(location, "work_dir", $"'{full}' is a file, not a folder.", "name a new or empty folder, e.g. work_dirs/my_job.");
        if (IsSystemFolder(full))
        {
            throw ConfigException.At(location, "work_dir", $"'{full}' is a system or shared folder; a run would write its logs and checkpoints among files it did not make.",
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

    public static RunnerException WriteFailed(string workDir, Exception cause) =>
        new($"Cannot write in work_dir '{workDir}': {cause.Message}", cause);
}
