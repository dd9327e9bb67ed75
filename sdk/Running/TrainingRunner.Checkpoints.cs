using System.Globalization;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Native;
using TorchSharp;
using Runner.Sdk.Storage;
using static TorchSharp.torch;

namespace Runner.Sdk.Running;

/// <summary>Saving, loading and resuming checkpoints.</summary>
public sealed partial class TrainingRunner
{
    private const string OptimizerTensor = "optimizer";
    private const string RngTensor = "rng/torch";

    private (long Changes, string Toml)? _cfgText;

    /// <summary>The config as TOML, written again only when a config has changed since the last checkpoint.</summary>
    private string ConfigText()
    {
        if (_cfgText is { } cached && cached.Changes == Interlocked.Read(ref ConfigTable.Changes)) return cached.Toml;
        var toml = ConfigWriter.ToToml(_cfg);
        _cfgText = (Interlocked.Read(ref ConfigTable.Changes), toml); // counted after writing, which may itself build tables
        return toml;
    }

    /// <summary>
    /// Writes a checkpoint (atomically): meta, model weights, and optionally the optimizer and scheduler state, plus
    /// the message hub and torch's RNG state, then whatever the hooks add in <c>BeforeSaveCheckpoint</c>.
    /// </summary>
    /// <param name="completedIterations">The iteration count to record when it is not the usual one (an emergency
    /// checkpoint between iterations records <c>Iter</c> itself).</param>
    /// <param name="completedEpochs">Likewise for the epoch (a best checkpoint saved after validation records <c>Epoch</c>).</param>
    /// <param name="syncInBackground">Return once the file is complete under its name, and leave flushing it to disk to
    /// <see cref="FileSync"/> (queue what must wait for that, such as pointing <c>last_checkpoint</c> at it, there too).</param>
    /// <param name="allRanks">With several ranks: every rank calls this at the same point (as the checkpoint hook does),
    /// so rank 0 can store each rank's random-generator state too; the other ranks write nothing. False when rank 0
    /// saves alone (after an error), with its own state only.</param>
    public void SaveCheckpoint(string path, bool saveOptimizer = true, bool saveParamScheduler = true, bool byEpoch = true,
        int? completedIterations = null, int? completedEpochs = null, bool syncInBackground = false, bool allRanks = true)
    {
        var rankRngStates = World.WorldSize > 1 && allRanks ? GatherRngStates() : null;
        if (!IsMainProcess) return;
        // One checkpoint in flight at most: saving faster than the disk flushes waits, rather than falling behind.
        if (syncInBackground) FileSync.WaitForAll();
        using var checkpoint = new Checkpoint();
        checkpoint.Meta["epoch"] = (long)(completedEpochs ?? (byEpoch ? Epoch + 1 : Epoch));
        checkpoint.Meta["iter"] = (long)(completedIterations ?? (byEpoch ? Iter : Iter + 1));
        checkpoint.Meta["cfg"] = ConfigText();
        checkpoint.Meta["seed"] = Seed;
        checkpoint.Meta["experiment_name"] = ExperimentName;
        checkpoint.Meta["time"] = DateTime.Now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        checkpoint.Meta["runner_version"] = RunnerInfo.Version;
        if (_trainLoop is not null) checkpoint.Meta["dataset_meta"] = _trainLoop.Dataloader.Dataset.Metainfo;

        // detach() gives new handles on the same storage: disposing the checkpoint leaves the model's tensors alone.
        // Weights on a GPU are copied to the CPU, so a checkpoint loads on any machine.
        foreach (var (name, tensor) in Model.state_dict()) checkpoint.StateDict[name] = tensor.device_type == DeviceType.CPU ? tensor.detach() : tensor.detach().cpu();
        if (saveOptimizer && OptimWrapper is not null)
            foreach (var (name, wrapper) in OptimWrapper.NamedWrappers()) wrapper.SaveState(checkpoint, OptimizerKey(name));
        if (saveParamScheduler && ParamSchedulers.Count > 0)
            checkpoint.State["param_schedulers"] = ParamSchedulers.Select(s => (object)s.StateDict()).ToList();
        checkpoint.State["message_hub"] = MessageHub.StateDict();
        checkpoint.Tensors[RngTensor] = torch.get_rng_state();
        for (var rank = 1; rank < (rankRngStates?.Length ?? 0); rank++) checkpoint.Tensors[$"{RngTensor}/rank{rank}"] = torch.tensor(rankRngStates![rank]);

        CallHooks.BeforeSaveCheckpoint(checkpoint);
        if (File.Exists(path) && !CheckpointFile.IsRunnerCheckpoint(path))
        {
            throw CheckpointException.WriteFailed(path, new IOException(
                "a file that is not a Runner checkpoint is already there, and Runner never overwrites a file it did not write"));
        }
        if (Directory.Exists(path)) throw CheckpointException.WriteFailed(path, new IOException("a folder of that name is in the way"));
        CheckpointFile.Save(checkpoint, path, syncInBackground ? FileSync : null);
    }

    /// <summary>Every rank's torch generator state, in rank order (they differ with <c>diff_rank_seed</c>, and whenever
    /// the ranks' data made them draw different amounts).</summary>
    private byte[][] GatherRngStates()
    {
        using var state = torch.get_rng_state();
        return World.AllGather(state.data<byte>().ToArray(), "the gathering of the ranks' random-generator states");
    }

    /// <summary>
    /// Loads weights only (MMEngine's <c>load_checkpoint</c>): from a Runner checkpoint or any safetensors file; each
    /// <paramref name="reviseKeys"/> (regex, replacement) pair is applied to the names (default: strip <c>module.</c>);
    /// mismatched names are an error with <paramref name="strict"/>, a warning without. Epoch and iteration stay 0.
    /// The file's tensors are read into CPU memory, then moved to <paramref name="mapLocation"/> (MMEngine's
    /// <c>map_location</c>) before they are copied into the model, wherever its parameters live.
    /// </summary>
    public void LoadCheckpoint(string path, bool strict = false, IReadOnlyList<(string Pattern, string Replacement)>? reviseKeys = null,
        string mapLocation = "cpu")
    {
        var device = new Device(mapLocation);
        if (device.type == DeviceType.CUDA && !cuda.is_available())
            throw ConfigException.At(_settings.LocationIn("load_from", "map_location"), "load_from.map_location",
                $"\"{mapLocation}\" names a CUDA device, but none is available.", "use map_location = \"cpu\".");
        using var checkpoint = PyTorchInterop.IsPickle(path) ? PyTorchInterop.LoadPickle(path) : CheckpointFile.Load(path, weightsOnly: true);
        if (checkpoint.IntegrityWarning is { } warning) Logger.Warn(warning);
        if (device.type != DeviceType.CPU)
            foreach (var name in checkpoint.StateDict.Keys.ToList())
            {
                var moved = checkpoint.StateDict[name].to(device);
                checkpoint.StateDict[name].Dispose();
                checkpoint.StateDict[name] = moved;
            }
        CallHooks.AfterLoadCheckpoint(checkpoint);
        foreach (var (pattern, replacement) in reviseKeys ?? [("^module\\.", "")])
        {
            // The names come from the file: a pattern that backtracks badly on a crafted name must not hang the run.
            var regex = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            var renamed = new Dictionary<string, TorchSharp.torch.Tensor>(StringComparer.Ordinal);
            try
            {
                Revise(regex, pattern, replacement, checkpoint, renamed, path);
                if (renamed.Keys.FirstOrDefault(checkpoint.StateDict.ContainsKey) is { } taken)
                    throw CheckpointException.Mismatch(path, $"revise_keys pattern '{pattern}' renames a name to '{taken}', which the file already has.");
            }
            catch
            {
                foreach (var tensor in renamed.Values) tensor.Dispose();
                throw;
            }
            foreach (var (revised, tensor) in renamed) checkpoint.StateDict[revised] = tensor;
        }
        LoadWeights(checkpoint, path, strict);
        _hasLoaded = true;
        Logger.Info($"Load checkpoint from {path}");
    }


    /// <summary>Takes every name <paramref name="regex"/> changes out of the checkpoint into <paramref name="renamed"/>,
    /// under its new name; a pattern that takes too long, or two names renamed alike, is an error naming the file.</summary>
    private static void Revise(System.Text.RegularExpressions.Regex regex, string pattern, string replacement, Checkpoints.Checkpoint checkpoint,
        Dictionary<string, TorchSharp.torch.Tensor> renamed, string path)
    {
        foreach (var name in checkpoint.StateDict.Keys.ToList())
        {
            string revised;
            try
            {
                revised = regex.Replace(name, replacement);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                throw CheckpointException.Mismatch(path, $"revise_keys pattern '{pattern}' took over a second on the name '{(name.Length > 80 ? name[..80] + "…" : name)}': write one that does not backtrack.");
            }
            if (revised == name) continue;
            checkpoint.StateDict.Remove(name, out var tensor);
            if (!renamed.TryAdd(revised, tensor!))
            {
                tensor!.Dispose();
                throw CheckpointException.Mismatch(path, $"revise_keys pattern '{pattern}' renames two names to '{revised}'; the second would replace the first.");
            }
        }
    }

    /// <summary>
    /// Resumes training (MMEngine's <c>resume</c>): weights, epoch and iteration, message hub, optimizer, schedulers,
    /// and — beyond MMEngine — torch's RNG state; a checkpoint taken in the middle of an epoch continues at the next
    /// batch of that epoch without loading the batches already trained.
    /// </summary>
    public void Resume(string path)
    {
        BuildTrainParts(); // as MMEngine's runner.resume(): what the checkpoint's state goes into must exist
        using var checkpoint = LoadResumable(path);
        ApplyResume(checkpoint, path);
    }

    /// <summary>Loads a checkpoint to resume from and checks its counters, before anything of it is applied.</summary>
    private Checkpoint LoadResumable(string path)
    {
        var checkpoint = CheckpointFile.Load(path);
        try
        {
            Counter(checkpoint, "epoch", path);
            Counter(checkpoint, "iter", path);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
        return checkpoint;
    }

    private static int Counter(Checkpoint checkpoint, string key, string path) =>
        checkpoint.Meta.TryGetValue(key, out var value) && value is long n && n is >= 0 and <= int.MaxValue
            ? (int)n
            : throw CheckpointException.Corrupt(path, $"its meta.{key} is {(value is null ? "missing" : PlainData.ToJson(value))}, not a count of completed {key}s.");

    private void ApplyResume(Checkpoint checkpoint, string path)
    {
        var loop = BuildTrainParts();
        if (checkpoint.IntegrityWarning is { } warning) Logger.Warn(warning);
        CallHooks.AfterLoadCheckpoint(checkpoint);
        LoadWeights(checkpoint, path);

        var epoch = Counter(checkpoint, "epoch", path);
        var iter = Counter(checkpoint, "iter", path);
        loop.Epoch = epoch;
        loop.Iter = iter;
        loop.SkipBatches = Math.Max(0, iter - epoch * loop.Dataloader.Count);
        if (iter >= loop.MaxIters)
        {
            Logger.Warn(TrainsByIteration
                ? $"The checkpoint is at iteration {iter}, and this config ends at max_iters = {loop.MaxIters}: nothing is left to train. Raise train_cfg.max_iters to train on."
                : $"The checkpoint is at epoch {epoch}, and this config ends at max_epochs = {loop.MaxEpochs}: nothing is left to train. Raise train_cfg.max_epochs to train on.");
        }

        CheckpointSection(path, "meta", () => WarnAboutChanges(checkpoint, loop));
        // Each section is read as untrusted data: a value of the wrong shape is reported as a fault of the file.
        if (checkpoint.State.TryGetValue("message_hub", out var hub))
            CheckpointSection(path, "message_hub", () => MessageHub.LoadStateDict((IReadOnlyDictionary<string, object>)hub));
        foreach (var (name, wrapper) in OptimWrapper!.NamedWrappers())
            CheckpointSection(path, OptimizerKey(name), () => wrapper.LoadState(checkpoint, OptimizerKey(name)));
        if (checkpoint.State.TryGetValue("param_schedulers", out var schedulers))
        {
            CheckpointSection(path, "param_schedulers", () =>
            {
                var states = (List<object>)schedulers;
                if (states.Count != ParamSchedulers.Count)
                {
                    throw CheckpointException.Mismatch(path,
                        $"it holds {states.Count} parameter scheduler(s) but the config builds {ParamSchedulers.Count}.");
                }
                for (var i = 0; i < states.Count; i++) ParamSchedulers[i].LoadStateDict((IReadOnlyDictionary<string, object>)states[i]);
            });
        }
        // Each rank continues its own generator; a checkpoint without this rank's state (saved by one process, or
        // by rank 0 alone after an error) gives it rank 0's.
        var rngKey = World.Rank > 0 && checkpoint.Tensors.ContainsKey($"{RngTensor}/rank{World.Rank}") ? $"{RngTensor}/rank{World.Rank}" : RngTensor;
        if (World.Rank > 0 && rngKey == RngTensor && Randomness.DiffRankSeed)
            Logger.Warn($"{path} holds no random-generator state for rank {World.Rank}: it continues with rank 0's, so random ops on this rank (dropout…) differ from an uninterrupted run.");
        if (checkpoint.Tensors.TryGetValue(rngKey, out var rng))
        {
            // Checked first: libtorch aborts the process on a generator state it finds invalid.
            if (RandomState.Problem(rng) is { } problem) throw CheckpointException.Corrupt(path, $"its rng section ({rngKey}) {problem}.");
            CheckpointSection(path, "rng", () => torch.set_rng_state(rng));
        }
        _hasLoaded = true;
        _resumed = true;
        Logger.Info($"resumed epoch: {epoch}, iter: {iter}");
    }

    /// <summary>
    /// Applies one section of a checkpoint; the faults of a section that does not hold what Runner writes there (a
    /// crafted or foreign file whose checksum was made to match) become one message naming the file and the section.
    /// </summary>
    private static void CheckpointSection(string path, string section, Action apply)
    {
        try
        {
            apply();
        }
        catch (Exception e) when (e is not (RunnerException or OperationCanceledException))
        {
            // Whatever the reader of a section met (a cast, a short stream, a count that is no count, libtorch's own
            // refusal): the file is at fault. Its bytes may be anything, so the message is cut and made printable.
            var why = NativeErrorText.Printable(NativeErrorText.WithoutNativeFrames(e.Message));
            throw CheckpointException.Corrupt(path, $"its {section} section does not hold what Runner writes there ({why}).");
        }
    }

    /// <summary>Says what differs between the checkpoint's run and this one: the seed, the dataset's metainfo, the schedule.</summary>
    private void WarnAboutChanges(Checkpoint checkpoint, Loops.BaseTrainLoop loop)
    {
        if (checkpoint.Meta.TryGetValue("seed", out var savedSeed) && savedSeed is long seed)
        {
            if (seed != Seed)
            {
                // Only when this checkpoint is not the one whose seed the run took at its start (an older one, after the
                // newest proved damaged; or one in the checkpoint hook's out_dir that auto-resume found).
                Logger.Warn($"The seed in the checkpoint ({seed}) differs from this run's ({Seed}): the data order from here on follows " +
                    $"{Seed}; set randomness.seed = {seed} to continue exactly as the checkpoint's run would have.");
            }
            else if (Randomness.Seed is { } configured && configured != seed)
            {
                Logger.Warn($"randomness.seed is {configured}, but the checkpoint's run used {seed}: the resumed run continues with {seed}, " +
                    "as an uninterrupted run would have (MMEngine does the same).");
            }
        }
        if (checkpoint.Meta.TryGetValue("dataset_meta", out var saved)
            && PlainData.ToJson(saved) != PlainData.ToJson(PlainData.FromJson(PlainData.ToJson(loop.Dataloader.Dataset.Metainfo))))
            Logger.Warn("The dataset metainfo in the checkpoint differs from the current training dataset's.");
        if (checkpoint.Meta.TryGetValue("cfg", out var cfg) && cfg is string toml)
        {
            static string Schedule(ConfigTable table) => ConfigWriter.Value(table["param_scheduler"]);
            try
            {
                if (Schedule(ConfigLoader.Parse(toml, "checkpoint cfg")) != Schedule(_cfg))
                    Logger.Warn("The parameter schedule differs from the checkpoint's run: the config's schedule takes effect from here on (the counters are restored).");
            }
            catch (ConfigException)
            {
                // A checkpoint from an older format: nothing to compare.
            }
        }
    }

    /// <summary><c>optimizer</c>, or <c>optimizer/{name}</c> for each wrapper of an OptimWrapperDict.</summary>
    private static string OptimizerKey(string wrapperName) => wrapperName.Length == 0 ? OptimizerTensor : $"{OptimizerTensor}/{wrapperName}";

    private void LoadWeights(Checkpoint checkpoint, string path, bool strict = false) =>
        ModelWeights.Load(Model, checkpoint, path, strict, Logger.Warn);
}
