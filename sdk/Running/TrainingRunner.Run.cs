using Runner.Sdk.Configuration;
using Runner.Sdk.Models;
using Runner.Sdk.Running.Loops;
using TorchSharp;

namespace Runner.Sdk.Running;

/// <summary>The three entry points: train, validate, test.</summary>
public sealed partial class TrainingRunner
{
    /// <summary>
    /// Trains (MMEngine's <c>train()</c>): builds the train loop, the optimizer wrapper, the schedulers and, when
    /// configured, the val loop; loads or resumes a checkpoint; runs the loop. Never builds the test parts.
    /// </summary>
    public void Train()
    {
        var loop = BuildTrainParts();
        if (ValLoop is { Dtype: not null })
        {
            throw ConfigException.At(_cfg.LocationOf("val_cfg"), "val_cfg.dtype",
                "validation inside training cannot run in reduced precision: converting the model would detach it from the optimizer.",
                "remove val_cfg.dtype (test_cfg.dtype, and runner-host val, can use it).");
        }

        IsTraining = true;
        try
        {
            // Rank 0 owns the work dir; the other ranks only read the checkpoint they resume from.
            if (IsMainProcess) _workDirLock ??= WorkDirLock.Take(WorkDir); // held since construction when the host said it would train
            CallHooks.BeforeRun();
            if (IsMainProcess && CheckpointFiles().RemoveStaleTemporaries() is { Count: > 0 } stale)
                Logger.Info($"Removed {stale.Count} temporary file(s) of checkpoint writes that a killed run left behind: {string.Join(", ", stale)}.");
            LoadOrResume();
            if (!_resumed && IsMainProcess) KeepEarlierCheckpoints();
            StartDataParallel(loop);
            var optimWrapper = OptimWrapper!;
            optimWrapper.InitializeCountStatus(Iter, MaxIters);
            if (optimWrapper.AccumulativeCounts > 1 && Iter % optimWrapper.AccumulativeCounts != 0)
            {
                Logger.Warn($"Resumed iteration number {Iter} is not divisible by accumulative_counts ({optimWrapper.AccumulativeCounts}): " +
                    "the first update after the resume accumulates fewer gradients.");
            }
            try
            {
                loop.Run();
                FileSync.WaitForAll(); // the last checkpoint on disk, and last_checkpoint naming it, before the run ends
            }
            catch (NonfiniteLossException e)
            {
                // The weights are still good (nothing was stepped), so they are saved to resume from once the cause is fixed.
                // Every rank sees the same averaged loss, so all of them stop here together.
                var saved = SaveEmergencyCheckpoint("a non-finite loss") ?? "none";
                throw new RunnerException($"Training stopped at epoch {Epoch}, iteration {Iter}: {e.Message} Last good checkpoint: {saved}.", e);
            }
            catch (Exception e) when (e is not TrainingInterruptedException)
            {
                // A crash mid-run: keep what was trained (unless the weights went non-finite), then report the error.
                // Rank 0 alone, without asking the others (they may be the reason it failed).
                SaveEmergencyCheckpoint($"{e.GetType().Name}: {e.Message}", allRanks: false);
                throw;
            }
            LogCommunicationShare(loop);
            CallHooks.AfterRun();
        }
        finally
        {
            IsTraining = false;
            StopDataParallel();
            _workDirLock?.Dispose();
            _workDirLock = null;
            _logFactory.Flush();
        }
    }

    /// <summary>The train loop, the optimizer wrapper (its learning rate scaled) and the schedulers, built once: by
    /// <see cref="Train"/>, or by a <see cref="Resume"/> before it.</summary>
    private BaseTrainLoop BuildTrainParts()
    {
        var loop = TrainLoop ?? throw ConfigException.At(_cfg.Location, "train_cfg",
            "training needs train_dataloader, train_cfg and optim_wrapper, and the config has none of them.");
        if (OptimWrapper is not null) return loop;
        OptimWrapper = BuildOptimWrapper();
        ScaleLr(loop);
        ParamSchedulers = BuildParamSchedulers(loop);
        if (OptimWrapper.AccumulativeCounts > 1 && Model.modules().Any(m => m is TorchSharp.Modules.BatchNorm))
        {
            Logger.Warn($"Gradient accumulation (accumulative_counts = {OptimWrapper.AccumulativeCounts}) may slightly decrease performance " +
                "because the model has BatchNorm layers: their statistics see one batch at a time, not the accumulated batch.");
        }
        return loop;
    }

    private WorkDirLock? _workDirLock;
    private bool _resumed;

    /// <summary>The work dir's checkpoints, in the checkpoint hook's folder (work_dir, or its out_dir).</summary>
    private Checkpoints.WorkDirCheckpoints CheckpointFiles() =>
        new(WorkDir, Hooks.OfType<Hooks.CheckpointHook>().FirstOrDefault()?.SaveDirFor(this));

    /// <summary>
    /// A run that trains afresh in a work dir holding checkpoints of an earlier run moves them aside first, so that
    /// its own <c>epoch_N.ckpt</c> cannot overwrite them (MMEngine overwrites them silently).
    /// </summary>
    private void KeepEarlierCheckpoints()
    {
        try
        {
            if (CheckpointFiles().MoveEarlierCheckpointsAside($"earlier_checkpoints_{Timestamp}") is { } moved)
            {
                Logger.Warn($"work_dir held {moved.Count} checkpoint(s) of an earlier run; this run starts afresh, so they were moved to " +
                    $"{moved.Folder} rather than overwritten. To continue that run instead, pass --resume (or set resume = true).");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunnerException($"work_dir '{WorkDir}' holds checkpoints of an earlier run, and they could not be moved aside: {e.Message} " +
                "Pass --resume to continue that run, or another --work-dir.", e);
        }
    }

    /// <summary>
    /// Asks training to stop after the current iteration, save a checkpoint and throw
    /// <see cref="TrainingInterruptedException"/> (the host calls this on SIGINT and SIGTERM). Safe from any thread.
    /// </summary>
    public void RequestStop(string signal, int exitCode) => _stopRequest = new StopRequest(signal, exitCode);

    /// <summary>Whether a stop was requested and not yet honoured.</summary>
    public bool StopRequested => _stopRequest is not null;

    /// <summary>
    /// Called by the train loops between iterations: honours a pending <see cref="RequestStop"/>. With several ranks
    /// they agree first (a signal reaches them at slightly different times), so all stop after the same iteration.
    /// </summary>
    public void StopIfRequested()
    {
        if (World.WorldSize > 1)
        {
            using var flag = torch.tensor(_stopRequest is null ? 0L : 1L);
            World.AllReduce(flag, Distributed.ReduceOp.Max, "the agreement on stopping");
            if (flag.item<long>() == 0) return;
            _stopRequest ??= new StopRequest("a stop requested on another rank", 143);
        }
        if (_stopRequest is not { } request) return;
        var path = SaveEmergencyCheckpoint(request.Signal)
            ?? throw new TrainingInterruptedException(request.Signal, "(none: the weights are not finite)", request.ExitCode);
        throw new TrainingInterruptedException(request.Signal, path, request.ExitCode);
    }

    /// <summary>
    /// Saves <c>interrupted_iter_N.ckpt</c> (resumable: it continues at the next batch) and points
    /// <c>last_checkpoint</c> at it — unless a weight is not finite, which no checkpoint should preserve.
    /// Returns its path, or null when nothing was saved.
    /// </summary>
    /// <param name="allRanks">Whether every rank is here too (an agreed stop), so rank 0 can take their random-generator states.</param>
    private string? SaveEmergencyCheckpoint(string reason, bool allRanks = true)
    {
        try
        {
            WaitForCheckpointFlushes(); // earlier checkpoints first, so last_checkpoint ends up naming this one
            if (Model.parameters().Any(p => !TorchSharp.torch.isfinite(p).all().item<bool>()))
            {
                Logger.Error($"Training stopped ({reason}); the weights are not finite, so no checkpoint was saved.");
                return null;
            }
            var path = Path.Combine(WorkDir, $"interrupted_iter_{Iter}{Checkpoints.CheckpointFile.Extension}");
            if (!allRanks && !IsMainProcess) return path;
            Hooks.OfType<Hooks.CheckpointHook>().FirstOrDefault()?.TrackInterrupted(this, path); // max_keep_ckpts retires it in its turn
            SaveCheckpoint(path, saveOptimizer: true, saveParamScheduler: true, byEpoch: false, completedIterations: Iter, allRanks: allRanks);
            if (!IsMainProcess) return path;
            new Checkpoints.WorkDirCheckpoints(WorkDir).PointAt(path);
            Logger.Error($"Training stopped ({reason}); saved {path} to resume from.");
            return path;
        }
        catch (Exception e) when (e is RunnerException or IOException)
        {
            Logger.Error($"Training stopped ({reason}); the emergency checkpoint could not be saved: {e.Message}");
            return null;
        }
    }

    /// <summary>Waits for the checkpoints being flushed to disk; a failed flush is logged, for a caller that is
    /// already ending (stopping, or disposing) and has no one left to throw to.</summary>
    private void WaitForCheckpointFlushes()
    {
        try
        {
            FileSync.WaitForAll();
        }
        catch (RunnerException e)
        {
            Logger.Error(e.Message);
        }
    }

    /// <summary>Validates (MMEngine's <c>val()</c>) and returns the metrics. Never builds the train parts.</summary>
    public IReadOnlyDictionary<string, double> Val()
    {
        return Evaluate(ValLoop ?? throw ConfigException.At(_cfg.Location, "val_cfg",
            "validation needs val_dataloader, val_cfg and val_evaluator, and the config has none of them."));
    }

    /// <summary>Tests (MMEngine's <c>test()</c>) and returns the metrics. Never builds the train parts.</summary>
    public IReadOnlyDictionary<string, double> Test()
    {
        return Evaluate(TestLoop ?? throw ConfigException.At(_cfg.Location, "test_cfg",
            "testing needs test_dataloader, test_cfg and test_evaluator, and the config has none of them."));
    }

    private IReadOnlyDictionary<string, double> Evaluate(EvaluationLoop loop)
    {
        CallHooks.BeforeRun();
        LoadOrResume();
        if (World.WorldSize > 1) Distributed.DataParallel.BroadcastState(World, Model);
        loop.Run();
        CallHooks.AfterRun();
        _logFactory.Flush();
        return loop.LastMetrics!;
    }

    /// <summary>
    /// MMEngine's <c>load_or_resume</c>: resume (from a path, or from work_dir's newest valid checkpoint), else load
    /// weights from <c>load_from</c>. A path may name a checkpoint, a <c>last_checkpoint</c> pointer, or a work dir.
    /// </summary>
    private void LoadOrResume()
    {
        if (_hasLoaded) return;
        var (resumeFrom, loadFrom) = ResumeCandidates(CheckpointFiles(), Logger.Warn);
        if (resumeFrom is not null && _settings.ResumesAutomatically && loadFrom is null)
            Logger.Info(resumeFrom.Count == 0 ? "Auto resume: no checkpoint found, training from scratch." : $"Auto resume: trying {resumeFrom[0]} first.");

        if (resumeFrom is { Count: > 0 } && TrainLoopBuilt) ResumeNewestValid(resumeFrom);
        else if (resumeFrom is { Count: > 0 }) LoadCheckpoint(resumeFrom[0]);
        else if (loadFrom is not null)
        {
            var options = _settings.LoadFrom!;
            LoadCheckpoint(Checkpoints.WorkDirCheckpoints.Resolve(options.Path, Logger.Warn)[0], options.Strict, options.ReviseKeys, options.MapLocation);
        }
        _hasLoaded = true;
    }

    /// <summary>
    /// What the config resumes from (<c>resume</c>: a path; or true, with <c>load_from</c> naming the checkpoint, else
    /// the work dir's checkpoints, newest first) — null when it does not resume — and the path <c>load_from</c> names.
    /// </summary>
    private (IReadOnlyList<string>? Candidates, string? LoadFrom) ResumeCandidates(Checkpoints.WorkDirCheckpoints workDir, Action<string>? warn)
    {
        var loadFrom = _settings.LoadFrom?.Path;
        var candidates = _settings.ResumeFrom is { } path ? Checkpoints.WorkDirCheckpoints.Resolve(path, warn)
            : !_settings.ResumesAutomatically ? null
            : loadFrom is not null ? Checkpoints.WorkDirCheckpoints.Resolve(loadFrom, warn)
            : workDir.ResumeCandidates(warn);
        return (candidates, loadFrom);
    }

    /// <summary>
    /// Resumes from the first of <paramref name="candidates"/> that is a valid checkpoint file, saying which were
    /// skipped and why (a missing, truncated or corrupt newest checkpoint falls back to an older one). Once a file
    /// is valid, its contents must fit the run: a mismatch is an error, not a reason to try another.
    /// </summary>
    private void ResumeNewestValid(IReadOnlyList<string> candidates)
    {
        if (World.WorldSize > 1)
        {
            // Rank 0 chooses (setting damaged files aside); every rank then reads that one file, so all resume alike.
            var chosen = IsMainProcess ? ChooseAndResume(candidates) ?? "" : "";
            chosen = SharedText(chosen, "the choice of the checkpoint to resume from");
            if (IsMainProcess || chosen.Length == 0) return;
            try
            {
                using var checkpoint = LoadResumable(chosen);
                ApplyResume(checkpoint, chosen);
            }
            catch (Checkpoints.CheckpointException e)
            {
                throw new Distributed.DistributedException($"rank {World.Rank}: cannot resume from {chosen}, which rank 0 resumed from: {e.Message} " +
                    "Every rank reads the checkpoint: give the machines a shared work_dir, or copy it to each machine first.", e);
            }
            return;
        }
        ChooseAndResume(candidates);
    }

    /// <summary>Resumes from the newest valid candidate; returns it, or null when none was valid.</summary>
    private string? ChooseAndResume(IReadOnlyList<string> candidates)
    {
        foreach (var candidate in candidates)
        {
            Checkpoints.Checkpoint checkpoint;
            try
            {
                checkpoint = LoadResumable(candidate);
            }
            catch (Checkpoints.CheckpointException e) when (candidates.Count > 1)
            {
                Logger.Warn($"{e.Message} Trying an older checkpoint.");
                // Kept, under another name: the run will write a checkpoint of that name again, and Runner never
                // overwrites a file it cannot tell is its own.
                if (CheckpointFiles().SetAsideDamaged(candidate) is { } aside) Logger.Warn($"Renamed it to {Path.GetFileName(aside)}.");
                continue;
            }
            using (checkpoint) ApplyResume(checkpoint, candidate);
            return candidate;
        }
        Logger.Warn("No valid checkpoint found in work_dir: training from scratch.");
        return null;
    }

    /// <summary>What the gradient all-reduces cost this rank: time, and share of the train steps' time (is the network the bottleneck?).</summary>
    private void LogCommunicationShare(BaseTrainLoop loop)
    {
        var parallels = OptimWrapper!.NamedWrappers().Select(w => w.Wrapper.DataParallel).OfType<Distributed.DataParallel>().ToList();
        if (parallels.Count == 0 || loop.TrainStepTime <= TimeSpan.Zero) return;
        var communication = TimeSpan.FromTicks(parallels.Sum(p => p.GradientTime.Ticks));
        var calls = parallels.Sum(p => p.GradientReductions);
        var steps = Math.Max(1, parallels.Max(p => p.Averagings));
        double PerStep(Func<Distributed.DataParallel, TimeSpan> part) => parallels.Sum(p => part(p).TotalMilliseconds) / steps;
        Logger.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Data parallel: {calls} gradient all-reduces; the steps waited {communication.TotalSeconds:0.000} s for them, " +
            $"{100 * communication / loop.TrainStepTime:0.0} % of the train steps' {loop.TrainStepTime.TotalSeconds:0.000} s; per step ({steps}): " +
            $"waiting for the other ranks {PerStep(p => p.WaitTime):0.00} ms, copying gradients {PerStep(p => p.CopyTime):0.00} ms, transfer {PerStep(p => p.TransferTime):0.00} ms, " +
            $"of which during backward {PerStep(p => p.OverlappedTime):0.00} ms."));
        var late = parallels.SelectMany(p => p.ParametersAfterBackwardOnly).ToList();
        if (late.Count > 0)
            Logger.Info($"Data parallel: the gradient{(late.Count == 1 ? "" : "s")} of {string.Join(", ", late.Take(5))}{(late.Count > 5 ? $" and {late.Count - 5} more" : "")} still changed after {(late.Count == 1 ? "its layer's" : "their layers'")} backward on the first step " +
                "(weights used outside the layer that owns them?), so they are averaged after backward.");
    }

    /// <summary>Ends data parallel after training: the all-reduce thread stops and the layers' signals go.</summary>
    private void StopDataParallel()
    {
        if (OptimWrapper is null) return;
        foreach (var (_, wrapper) in OptimWrapper.NamedWrappers())
        {
            wrapper.DataParallel?.Dispose();
            wrapper.DataParallel = null;
        }
    }

    /// <summary>
    /// With several ranks: every rank takes rank 0's weights and buffers (after loading or resuming, so all start
    /// alike whatever each built or read), and each optimizer wrapper averages its gradients over the ranks.
    /// </summary>
    /// <summary>The config sections that make a run what it is: every rank of one run must have them alike.</summary>
    private static readonly string[] RunShapingKeys =
        ["model", "model_wrapper_cfg", "train_dataloader", "train_cfg", "optim_wrapper", "param_scheduler", "randomness", "auto_scale_lr"];

    /// <summary>
    /// The ranks must train one job: the same model, data, optimizer, schedule and seed. Ranks started with different
    /// configs (<c>mpirun -np 1 … : -np 1 … --cfg-options model.hidden=128</c>) would broadcast weights of other shapes
    /// (a crash inside MPI) or silently train something no single config describes; each rank's digest of those
    /// sections, and of its model's parameter shapes, is compared before anything else is exchanged.
    /// </summary>
    private void CheckRanksRunOneJob()
    {
        static string Digest(string text) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        var parts = RunShapingKeys.Select(key => (Key: key, Digest: Digest(ConfigWriter.Value(_cfg[key]))))
            .Append((Key: "the model's parameter shapes", Digest: Digest(string.Join(";", Model.named_parameters().Select(p => $"{p.name}:{string.Join("x", p.parameter.shape)}")))))
            .Append((Key: "the seed", Digest: Digest(Seed.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .ToList();
        var mine = string.Join("\n", parts.Select(p => $"{p.Key}={p.Digest}"));
        var all = World.AllGather(System.Text.Encoding.UTF8.GetBytes(mine), "the comparison of the ranks' configs");
        var differing = new SortedSet<string>(StringComparer.Ordinal);
        var ranks = new SortedSet<int>();
        var first = System.Text.Encoding.UTF8.GetString(all[0]).Split('\n');
        for (var rank = 1; rank < all.Length; rank++)
        {
            var theirs = System.Text.Encoding.UTF8.GetString(all[rank]).Split('\n');
            for (var i = 0; i < parts.Count; i++)
            {
                if (i < theirs.Length && theirs[i] == first[i]) continue;
                differing.Add(parts[i].Key);
                ranks.Add(rank);
            }
        }
        if (differing.Count == 0) return;
        throw new Distributed.DistributedException($"rank {World.Rank}: the ranks were started with different jobs: {string.Join(", ", differing)} differ between rank 0 " +
            $"and rank{(ranks.Count > 1 ? "s" : "")} {string.Join(", ", ranks)}. Every rank of a run trains the same config: start them with one command line (mpirun -np N runner-host …).");
    }

    private void StartDataParallel(BaseTrainLoop loop)
    {
        if (World.WorldSize == 1) return;
        CheckRanksRunOneJob();
        // Every rank must step as often as the others, or the one with a batch more waits for ever (a sampler with
        // round_up = false, or a dataset of another size on one machine).
        using (var counts = torch.tensor(new long[] { loop.Dataloader.Count, -loop.Dataloader.Count }))
        {
            World.AllReduce(counts, Distributed.ReduceOp.Max, "the comparison of the ranks' batch counts");
            var (most, fewest) = (counts[0].item<long>(), -counts[1].item<long>());
            if (most != fewest)
            {
                throw new Distributed.DistributedException($"rank {World.Rank}: the ranks' train dataloaders yield between {fewest} and {most} batches per epoch " +
                    $"(this rank: {loop.Dataloader.Count}), so some ranks would wait for the others' extra steps for ever. " +
                    "Keep the sampler's round_up = true (the default), which evens the shares, and give every rank the same dataset.");
            }
        }
        Distributed.DataParallel.BroadcastState(World, Model);
        var settings = _settings.ModelWrapper;
        foreach (var (_, wrapper) in OptimWrapper!.NamedWrappers()) wrapper.DataParallel = new Distributed.DataParallel(World, Model, wrapper.ParametersToAverage(), settings);
        if (settings.FindUnusedParameters && OptimWrapper.NamedWrappers().Any(w => w.Wrapper.FlatBuffers))
            Logger.Warn("model_wrapper_cfg.find_unused_parameters has no effect with optim_wrapper.flat_buffers: every parameter's gradient is a view of the flat one, so an unused parameter has a zero gradient, which the ranks average like any other.");
        var parallels = OptimWrapper.NamedWrappers().Select(w => w.Wrapper.DataParallel!).ToList();
        var buckets = parallels.Sum(p => p.BucketCount);
        var overlaps = parallels.Any(p => p.Overlaps);
        Logger.Info($"Data parallel over {World.WorldSize} ranks ({World.Backend}): weights broadcast from rank 0; gradients averaged in buckets of at most {settings.BucketCapMb} MB " +
            (overlaps ? $"({buckets} to begin with), each all-reduced during backward as soon as its layers' gradients are complete (the first step learns their order)."
                : $"({buckets}), after backward{(settings.FindUnusedParameters ? " (find_unused_parameters)" : "")}."));
    }
}
