using Runner.Sdk.Storage;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// The checkpoints of one work dir: the <c>last_checkpoint</c> pointer, the order in which auto-resume tries them,
/// and every file operation on them. Names that come from a file (the pointer, a checkpoint's message hub) are
/// untrusted: they are confined to the work dir and the checkpoint folder, and only Runner checkpoints there are
/// ever deleted or moved.
/// </summary>
internal sealed class WorkDirCheckpoints
{
    /// <summary>The file in the work dir that names the newest complete checkpoint.</summary>
    public const string PointerFileName = "last_checkpoint";

    // A pointer holds one relative path; anything longer was not written by Runner.
    private const int MaxPointerBytes = 4096;

    /// <param name="workDir">The run's work dir.</param>
    /// <param name="saveDir">Where the checkpoint hook writes (its <c>out_dir</c> form); default: the work dir.</param>
    public WorkDirCheckpoints(string workDir, string? saveDir = null)
    {
        WorkDir = Path.GetFullPath(workDir);
        SaveDir = Path.GetFullPath(saveDir ?? workDir);
    }

    public string WorkDir { get; }

    public string SaveDir { get; }

    public string PointerPath => Path.Combine(WorkDir, PointerFileName);

    /// <summary>Points <c>last_checkpoint</c> at <paramref name="checkpoint"/>, by a path relative to the work dir, so
    /// that a copied or moved work dir resumes from its own files.</summary>
    public void PointAt(string checkpoint)
    {
        // An empty folder in the pointer's place (made by hand, or by a tool) is moved out of the way; anything else is left.
        if (Directory.Exists(PointerPath) && !Directory.EnumerateFileSystemEntries(PointerPath).Any()) Directory.Delete(PointerPath);
        if (File.Exists(PointerPath) && new FileInfo(PointerPath).Length > MaxPointerBytes)
            throw CheckpointException.WriteFailed(PointerPath, new IOException("the file there was not written by Runner; it is left as it is"));
        AtomicFile.WriteAllText(PointerPath, Path.GetRelativePath(WorkDir, Path.GetFullPath(checkpoint)));
    }

    /// <summary>
    /// The checkpoint <c>last_checkpoint</c> names, when it names one inside the work dir or the checkpoint folder;
    /// otherwise null, with <paramref name="problem"/> saying why (null too when there is no pointer).
    /// </summary>
    public string? ReadPointer(out string? problem) => ReadPointer(PointerPath, [WorkDir, SaveDir], out problem);

    private static string? ReadPointer(string pointer, IReadOnlyList<string> allowed, out string? problem)
    {
        problem = null;
        if (Directory.Exists(pointer))
        {
            problem = $"{pointer} is a folder, not the pointer file Runner writes.";
            return null;
        }
        if (!File.Exists(pointer)) return null;
        string text;
        try
        {
            if (new FileInfo(pointer).Length is 0 or > MaxPointerBytes)
            {
                problem = $"{pointer} is empty or too long to be the pointer Runner writes.";
                return null;
            }
            text = File.ReadAllText(pointer).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{pointer} cannot be read: {e.Message}";
            return null;
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(pointer))!;
        if (text.Length == 0 || text.Contains('\n') || text.Contains('\0'))
        {
            problem = $"{pointer} does not hold one checkpoint path.";
            return null;
        }
        var target = Path.GetFullPath(Path.Combine(folder, text));
        if (allowed.Any(dir => IsDirectlyIn(target, dir))) return target;
        // Written by an older Runner as an absolute path: a copied work dir has the same file of its own.
        var local = Path.Combine(folder, Path.GetFileName(target));
        if (Path.IsPathRooted(text) && File.Exists(local))
        {
            problem = $"{pointer} names {text}, outside this work dir; using this work dir's {Path.GetFileName(target)} instead.";
            return local;
        }
        problem = $"{pointer} names {text}, which is outside this work dir and its checkpoint folder: it is ignored.";
        return null;
    }

    /// <summary>
    /// The checkpoints auto-resume tries, best first: the one <c>last_checkpoint</c> names, then every checkpoint
    /// in the checkpoint folder and the work dir, newest first (best-metric and published copies aside).
    /// </summary>
    public IReadOnlyList<string> ResumeCandidates(Action<string>? warn = null)
    {
        var pointed = ReadPointer(out var problem);
        if (problem is not null) warn?.Invoke(problem);
        var candidates = pointed is null ? new List<string>() : [pointed];
        candidates.AddRange(Folders.SelectMany(CheckpointsIn)
            .Where(f => !Path.GetFileName(f).StartsWith("best_", StringComparison.Ordinal) && f != pointed)
            .OrderByDescending(File.GetLastWriteTimeUtc));
        return candidates;
    }

    /// <summary>The checkpoint folder and the work dir (once, when they are the same).</summary>
    private IEnumerable<string> Folders => new[] { SaveDir, WorkDir }.Distinct(StringComparer.Ordinal);

    private static IEnumerable<string> CheckpointsIn(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*" + CheckpointFile.Extension).Where(f => !Path.GetFileName(f).StartsWith('.'))
            : [];

    /// <summary>
    /// What a user names as a checkpoint, as checkpoint files to try in order: a file is itself; a
    /// <c>last_checkpoint</c> pointer is the file it names (in its own folder); a folder (a work dir) is its
    /// checkpoints, newest first.
    /// </summary>
    public static IReadOnlyList<string> Resolve(string given, Action<string>? warn = null)
    {
        if (Directory.Exists(given))
        {
            var candidates = new WorkDirCheckpoints(given).ResumeCandidates(warn);
            return candidates.Count > 0 ? candidates : throw CheckpointException.NotFound(given, "it is a folder that holds no checkpoint (*.ckpt).");
        }
        if (Path.GetFileName(given) == PointerFileName && File.Exists(given))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(given))!;
            var target = ReadPointer(given, [folder], out var problem);
            if (problem is not null) warn?.Invoke(problem);
            return target is not null ? [target] : throw CheckpointException.NotFound(given, problem ?? "it names no checkpoint.");
        }
        return [given];
    }

    /// <summary>
    /// A checkpoint path read from a checkpoint (the message hub's kept and best checkpoints) as a path in the
    /// checkpoint folder, or null when it names anything else. Runner stores file names; older versions stored
    /// absolute paths, which are accepted when they point into this checkpoint folder.
    /// </summary>
    public string? Confine(string? fromCheckpoint)
    {
        if (string.IsNullOrWhiteSpace(fromCheckpoint) || fromCheckpoint.Contains('\0')) return null;
        var target = Path.GetFullPath(Path.Combine(SaveDir, fromCheckpoint));
        return IsDirectlyIn(target, SaveDir) && target.EndsWith(CheckpointFile.Extension, StringComparison.Ordinal) ? target : null;
    }

    /// <summary>The name under which a checkpoint in the checkpoint folder is recorded in the message hub.</summary>
    public static string NameOf(string checkpoint) => Path.GetFileName(checkpoint);

    /// <summary>
    /// Deletes <paramref name="checkpoint"/> if it is a Runner checkpoint directly in the checkpoint folder; anything
    /// else is left alone, and <paramref name="warn"/> says so.
    /// </summary>
    public void DeleteOwn(string checkpoint, Action<string>? warn = null)
    {
        var target = Confine(checkpoint);
        if (target is null)
        {
            warn?.Invoke($"Not deleting '{checkpoint}': it is not a checkpoint in {SaveDir}.");
            return;
        }
        if (!File.Exists(target)) return;
        if (!CheckpointFile.IsRunnerCheckpoint(target))
        {
            warn?.Invoke($"Not deleting '{target}': it is not a Runner checkpoint.");
            return;
        }
        File.Delete(target);
    }

    /// <summary>
    /// Renames a damaged checkpoint in the checkpoint folder or the work dir to <c>NAME.damaged</c> (or
    /// <c>NAME.damaged.N</c>), so a new checkpoint of its name can be written without destroying it; returns the new
    /// path, or null when it is elsewhere or gone.
    /// </summary>
    public string? SetAsideDamaged(string checkpoint)
    {
        var full = Path.GetFullPath(checkpoint);
        if (!File.Exists(full) || !(IsDirectlyIn(full, SaveDir) || IsDirectlyIn(full, WorkDir))) return null;
        var target = full + ".damaged";
        for (var n = 1; File.Exists(target) || Directory.Exists(target); n++) target = $"{full}.damaged.{n}";
        try
        {
            File.Move(full, target);
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the temporary files of checkpoint writes that a killed process left behind
    /// (<c>.NAME.PID.tmp</c>, of processes no longer alive); returns their names.
    /// </summary>
    public IReadOnlyList<string> RemoveStaleTemporaries()
    {
        var removed = new List<string>();
        foreach (var folder in Folders.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp"))
            {
                var parts = Path.GetFileName(file).Split('.');
                // "", name parts…, pid, "tmp"
                if (parts.Length < 4 || !int.TryParse(parts[^2], out var pid) || pid == Environment.ProcessId || IsAlive(pid)) continue;
                try
                {
                    File.Delete(file);
                    removed.Add(Path.GetFileName(file));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left for the next run; it harms nothing but disk space.
                }
            }
        }
        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Before a run that starts training afresh in a work dir that already holds checkpoints: moves them (Runner
    /// checkpoints only) and <c>last_checkpoint</c> into <paramref name="folderName"/> in the work dir, so the new run
    /// cannot overwrite them. Returns the folder and how many were moved, or null when there was nothing to move.
    /// </summary>
    public (string Folder, int Count)? MoveEarlierCheckpointsAside(string folderName)
    {
        var earlier = Folders.SelectMany(CheckpointsIn)
            .Where(CheckpointFile.IsRunnerCheckpoint).ToList();
        if (earlier.Count == 0) return null;
        var aside = Path.Combine(WorkDir, folderName);
        Directory.CreateDirectory(aside);
        foreach (var file in earlier) File.Move(file, Path.Combine(aside, Path.GetFileName(file)), overwrite: false);
        if (File.Exists(PointerPath) && new FileInfo(PointerPath).Length <= MaxPointerBytes)
            File.Move(PointerPath, Path.Combine(aside, PointerFileName), overwrite: false);
        return (aside, earlier.Count);
    }

    /// <summary>Whether <paramref name="path"/> (full) is a file directly inside <paramref name="folder"/> (full).</summary>
    private static bool IsDirectlyIn(string path, string folder) =>
        string.Equals(Path.GetDirectoryName(path), Path.TrimEndingDirectorySeparator(folder), StringComparison.Ordinal);
}
