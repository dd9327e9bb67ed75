namespace Runner.Sdk.Hosting;

using Runner.Sdk.Checkpoints;
using Runner.Sdk.Native;

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
        using var checkpoint = CheckpointFile.Load(WorkDirCheckpoints.Resolve(given)[0]);
        var folder = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(folder)) throw new RunnerException($"Cannot write '{target}': the folder '{folder}' does not exist.");
        try
        {
            if (format == ExportFormat.PyTorch) PyTorchInterop.SavePickle(checkpoint.StateDict, target);
            else PyTorchInterop.SaveSafetensors(checkpoint.StateDict, target);
        }
        catch (CheckpointException e) when (e.InnerException is { } cause)
        {
            // The writer's message speaks of a run's checkpoints; an export has none to keep.
            throw new RunnerException($"Could not write '{target}': {cause.Message}", cause);
        }
        return checkpoint.StateDict.Count;
    }
}
