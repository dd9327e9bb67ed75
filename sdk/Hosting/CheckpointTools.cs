using Runner.Sdk.Checkpoints;
using Runner.Sdk.Native;
using Runner.Sdk.Storage;

namespace Runner.Sdk.Hosting;

/// <summary>
/// What a host does with checkpoints outside a run: find the one a path names, check it before a job starts, and
/// export its weights for PyTorch.
/// </summary>
public static class CheckpointTools
{
    /// <summary>
    /// Whether <paramref name="workDir"/> holds a checkpoint a run could load (named by its <c>last_checkpoint</c>
    /// file or lying in the work dir).
    /// </summary>
    public static bool HasCheckpoints(string workDir) => new WorkDirCheckpoints(workDir).ResumeCandidates().Count > 0;

    /// <summary>
    /// Checks the checkpoint that <paramref name="given"/> names (a checkpoint file, a <c>last_checkpoint</c> file or a
    /// work dir) before any work starts: it must exist and have a sound structure (a damaged byte in its data is found
    /// when it is loaded). A work dir's checkpoints are tried newest first when loaded, so one is enough there.
    /// </summary>
    /// <param name="given">The path as the user gave it.</param>
    /// <param name="weightsOnly">Whether only the weights will be read (<c>load_from</c>), so a plain safetensors file will do.</param>
    /// <exception cref="CheckpointException">The checkpoint is missing or not a sound checkpoint.</exception>
    public static void Check(string given, bool weightsOnly)
    {
        var candidates = WorkDirCheckpoints.Resolve(given);
        if (candidates.Count > 1) return;
        if (!File.Exists(candidates[0])) throw CheckpointException.NotFound(candidates[0]);
        if (!PyTorchInterop.IsPickle(candidates[0])) CheckpointFile.CheckStructure(candidates[0], weightsOnly);
    }

    /// <summary>
    /// Writes the model weights of the checkpoint <paramref name="given"/> names to <paramref name="target"/>:
    /// as <c>safetensors</c>, or as <c>pt</c> (a <c>torch.save</c> state dict that <c>torch.load(weights_only=True)</c> reads).
    /// </summary>
    /// <returns>How many tensors were written.</returns>
    /// <exception cref="CheckpointException">The checkpoint cannot be read.</exception>
    /// <exception cref="RunnerException">The file cannot be written (its folder missing, a full disk…).</exception>
    public static int ExportWeights(string given, string target, ExportFormat format)
    {
        LibTorchLoader.EnsureDefault(); // tensors are made outside a run: the libtorch a run would take, before any other is found
        var source = WorkDirCheckpoints.Resolve(given)[0];
        UserOutputFile.Check(target, "--out");
        if (FileKinds.RealPath(source) == FileKinds.RealPath(target))
            throw new RunnerException($"--out names the checkpoint being exported ('{target}'); writing its weights over it would lose the checkpoint. Name another file.");
        var folder = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(folder)) throw new RunnerException($"Cannot write '{target}': the folder '{folder}' does not exist.");
        using var checkpoint = CheckpointFile.Load(source);
        if (format == ExportFormat.PyTorch) PyTorchInterop.SavePickle(checkpoint.StateDict, target);
        else PyTorchInterop.SaveSafetensors(checkpoint.StateDict, target);
        return checkpoint.StateDict.Count;
    }

    /// <summary>
    /// Checks a file the user names for Runner to write (<c>--out</c>) before any work starts: a regular file (or none
    /// yet) is replaced atomically, a device or a FIFO (<c>/dev/stdout</c>) is written to in place; a symbolic link,
    /// a folder or a socket is refused.
    /// </summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="option">The option that named it (<c>--out</c>), for the message.</param>
    /// <exception cref="RunnerException">The path cannot be written as described.</exception>
    public static void CheckOutput(string path, string option) => UserOutputFile.Check(path, option);
}
