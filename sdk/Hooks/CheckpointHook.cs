using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Saves checkpoints during training (MMEngine's <c>CheckpointHook</c>): <c>epoch_N.ckpt</c> or <c>iter_N.ckpt</c>
/// every <c>interval</c> epochs or iterations from <c>save_begin</c>, and at the end with <c>save_last</c>; keeps
/// the newest <c>max_keep_ckpts</c>; points <c>work_dir/last_checkpoint</c> at the newest complete one.
/// </summary>
[Register]
internal sealed class CheckpointHook : Hook
{
    private readonly List<string> _kept = [];
    private string? _saveDir;
    private WorkDirCheckpoints? _files;

    /// <param name="interval">Save every this many epochs (or iterations); -1 saves only the last.</param>
    /// <param name="byEpoch">Count epochs (true) or iterations.</param>
    /// <param name="saveOptimizer">Include the optimizer state (needed to resume).</param>
    /// <param name="saveParamScheduler">Include the scheduler state (needed to resume).</param>
    /// <param name="outDir">Folder for checkpoints; default: work_dir. When set, checkpoints go to <c>out_dir/&lt;work_dir name&gt;</c>.</param>
    /// <param name="maxKeepCkpts">Keep only the newest this many periodic checkpoints; -1 keeps all.</param>
    /// <param name="saveLast">Also save after the last epoch or iteration.</param>
    /// <param name="saveBegin">The first epoch (or iteration) that may be saved.</param>
    /// <param name="filenameTmpl">File name with <c>{}</c> for the number; default <c>epoch_{}.ckpt</c> / <c>iter_{}.ckpt</c>.</param>
    /// <param name="saveBest">A metric name, a list of them, or "auto" (the first metric): keep the best checkpoint for each, as
    /// <c>best_&lt;metric&gt;_epoch_N.ckpt</c>. Unlike MMEngine's, these keep the optimizer and scheduler state, so they can be resumed.</param>
    /// <param name="rule">"greater" or "less" (one for all, or one per metric); default: inferred from the metric name.</param>
    /// <param name="greaterKeys">Names (or parts of names) for which greater is better.</param>
    /// <param name="lessKeys">Names (or parts of names) for which less is better.</param>
    /// <param name="publishedKeys">After training, publish the last (or else the best) checkpoint with only these sections
    /// (for example <c>["meta", "state_dict"]</c>) as <c>&lt;name&gt;-&lt;first 8 hex digits of its SHA-256&gt;.ckpt</c>.
    /// Sections: meta, state_dict, optimizer, param_schedulers, message_hub, rng, and what hooks add (ema…).</param>
    public CheckpointHook(int interval = -1, bool byEpoch = true, bool saveOptimizer = true, bool saveParamScheduler = true,
        string? outDir = null, int maxKeepCkpts = -1, bool saveLast = true, int saveBegin = 0, string? filenameTmpl = null,
        string[]? saveBest = null, string[]? rule = null, string[]? greaterKeys = null, string[]? lessKeys = null,
        string[]? publishedKeys = null)
    {
        if (interval == 0 || interval < -1) throw new ArgumentException($"interval must be a positive integer or -1, got {interval}.");
        if (saveBegin < 0) throw new ArgumentException($"save_begin must not be negative, got {saveBegin}.");
        if (maxKeepCkpts == 0 || maxKeepCkpts < -1) throw new ArgumentException($"max_keep_ckpts must be a positive integer or -1, got {maxKeepCkpts}.");
        if (filenameTmpl is not null && !filenameTmpl.Contains("{}", StringComparison.Ordinal))
            throw new ArgumentException($"filename_tmpl must contain {{}} for the epoch or iteration number, got \"{filenameTmpl}\".");
        if (filenameTmpl is not null && (filenameTmpl.IndexOfAny(['/', '\\', '\0']) >= 0 || filenameTmpl.StartsWith('.') || Path.IsPathRooted(filenameTmpl)
                || !filenameTmpl.EndsWith(CheckpointFile.Extension, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"filename_tmpl must be a file name ending in {CheckpointFile.Extension} (no folders, not starting with '.'), " +
                $"got \"{filenameTmpl}\"; checkpoints are written in work_dir, or in out_dir when it is set.");
        }
        Interval = interval;
        ByEpoch = byEpoch;
        SaveOptimizer = saveOptimizer;
        SaveParamScheduler = saveParamScheduler;
        OutDir = outDir;
        MaxKeepCkpts = maxKeepCkpts;
        SaveLast = saveLast;
        SaveBegin = saveBegin;
        FilenameTmpl = filenameTmpl ?? (byEpoch ? "epoch_{}" + CheckpointFile.Extension : "iter_{}" + CheckpointFile.Extension);
        SaveBest = saveBest ?? [];
        if (SaveBest.Contains("auto") && SaveBest.Count > 1)
            throw new ArgumentException("save_best = \"auto\" stands alone (it means the first metric); name the metrics instead, e.g. save_best = [\"accuracy/top1\", \"loss\"].");
        if (SaveBest.Distinct().Count() != SaveBest.Count) throw new ArgumentException("save_best names a metric twice.");
        var rules = rule ?? [];
        if (rules.Length > 1 && rules.Length != SaveBest.Count)
            throw new ArgumentException($"Number of \"rule\" must be 1 or the same as number of \"save_best\" ({SaveBest.Count}), got {rules.Length}.");
        if (rules.FirstOrDefault(r => r is not ("greater" or "less")) is { } bad) throw new ArgumentException($"rule must be greater, less or unset, got \"{bad}\".");
        _rules = rules;
        PublishedKeys = publishedKeys;
        if (PublishedKeys is { Count: 0 }) throw new ArgumentException("published_keys must name at least one section, for example [\"meta\", \"state_dict\"].");
        _greaterKeys = greaterKeys ?? MetricRule.DefaultGreaterKeys;
        _lessKeys = lessKeys ?? MetricRule.DefaultLessKeys;
    }

    private readonly IReadOnlyList<string> _rules;
    private readonly IReadOnlyList<string> _greaterKeys;
    private readonly IReadOnlyList<string> _lessKeys;

    /// <summary>The metrics whose best checkpoint is kept (empty: none).</summary>
    public IReadOnlyList<string> SaveBest { get; }

    /// <summary>"greater" or "less" for a metric: the configured rule, else <see cref="MetricRule.Infer"/> with this hook's key lists.</summary>
    public string RuleFor(string metric, int index)
    {
        if (_rules.Count > 0) return _rules[_rules.Count == 1 ? 0 : index];
        return MetricRule.Infer(metric, _greaterKeys, _lessKeys, nameof(CheckpointHook));
    }

    /// <summary>Keeps the best checkpoint of each <c>save_best</c> metric (during training only).</summary>
    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        if (SaveBest.Count == 0 || !runner.IsTraining || _saveDir is null) return;
        if (metrics is null || metrics.Count == 0)
        {
            runner.Logger.Warn("CheckpointHook: the validation reported no metrics, so no best checkpoint was considered.");
            return;
        }
        for (var i = 0; i < SaveBest.Count; i++)
        {
            var key = SaveBest[i] == "auto" ? metrics.Keys.First() : SaveBest[i];
            if (!metrics.TryGetValue(key, out var value))
            {
                runner.Logger.Warn($"CheckpointHook: save_best names '{key}', which the validation did not report (it reported: {string.Join(", ", metrics.Keys)}).");
                continue;
            }
            var greater = RuleFor(key, i) == "greater";
            // Best scores live in the message hub, so they survive a resume (where JSON may have turned 100.0 into 100).
            var best = runner.MessageHub.RuntimeInfo.TryGetValue($"best_score_{key}", out var stored) && stored is not null
                ? Convert.ToDouble(stored, System.Globalization.CultureInfo.InvariantCulture)
                : greater ? double.NegativeInfinity : double.PositiveInfinity;
            if (greater ? value <= best : value >= best) continue;
            var previous = _files!.Confine(runner.MessageHub.GetInfo<string>($"best_ckpt_{key}"));
            var step = ByEpoch ? runner.Epoch : runner.Iter;
            var fileName = $"best_{key.Replace('/', '_')}_" + FilenameTmpl.Replace("{}", step.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var path = Path.Combine(_saveDir, fileName);
            runner.MessageHub.UpdateInfo($"best_score_{key}", value);
            runner.MessageHub.UpdateInfo($"best_ckpt_{key}", WorkDirCheckpoints.NameOf(path));
            runner.SaveCheckpoint(path, SaveOptimizer, SaveParamScheduler, completedIterations: runner.Iter, completedEpochs: runner.Epoch, syncInBackground: true);
            // The previous best goes once the new one is flushed to disk (by rank 0, which writes the files).
            if (previous is not null && previous != path && runner.IsMainProcess)
                runner.FileSync.Then(() => _files.DeleteOwn(previous, runner.Logger.Warn));
            runner.Logger.Info($"The best checkpoint with {value:0.####} {key} at {step} {(ByEpoch ? "epoch" : "iter")} is saved to {fileName}.");
        }
    }

    public int Interval { get; }

    public bool ByEpoch { get; }

    public bool SaveOptimizer { get; }

    public bool SaveParamScheduler { get; }

    public string? OutDir { get; }

    public int MaxKeepCkpts { get; }

    public bool SaveLast { get; }

    public int SaveBegin { get; }

    public string FilenameTmpl { get; }

    /// <summary>The sections a published checkpoint keeps; null publishes nothing.</summary>
    public IReadOnlyList<string>? PublishedKeys { get; }

    protected override Priority DefaultPriority => Priority.VeryLow;

    /// <summary>The folder checkpoints are written to: work_dir, or <c>out_dir/&lt;work_dir name&gt;</c>.</summary>
    public string SaveDirFor(TrainingRunner runner) =>
        OutDir is null ? runner.WorkDir : Path.Combine(Path.GetFullPath(OutDir), Path.GetFileName(runner.WorkDir));

    public override void BeforeTrain(TrainingRunner runner)
    {
        _saveDir = SaveDirFor(runner);
        _files = new WorkDirCheckpoints(runner.WorkDir, _saveDir);
        if (runner.IsMainProcess) Directory.CreateDirectory(_saveDir);
        runner.Logger.Info($"Checkpoints will be saved to {_saveDir}.");
        // The kept checkpoints come from a resumed checkpoint, which is untrusted: only names of checkpoints in the
        // checkpoint folder are taken, so deleting the oldest can never reach another file.
        _kept.Clear();
        if (runner.MessageHub.GetInfo<List<object>>("keep_ckpts") is { } kept)
        {
            foreach (var name in kept)
            {
                if (_files.Confine(name as string) is { } confined) _kept.Add(confined);
                else runner.Logger.Warn($"CheckpointHook: ignoring kept checkpoint '{name}' from the resumed checkpoint: it is not a checkpoint in {_saveDir}.");
            }
        }
    }

    public override void AfterTrainEpoch(TrainingRunner runner)
    {
        if (!ByEpoch) return;
        if ((runner.Epoch + 1 >= SaveBegin && EveryNEpochs(runner, Interval, SaveBegin)) || (SaveLast && IsLastTrainEpoch(runner)))
        {
            runner.Logger.Info($"Saving checkpoint at {runner.Epoch + 1} epochs");
            Save(runner, runner.Epoch + 1);
        }
    }

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        if (ByEpoch) return;
        if ((runner.Iter + 1 >= SaveBegin && EveryNTrainIters(runner, Interval, SaveBegin)) || (SaveLast && IsLastTrainIter(runner)))
        {
            runner.Logger.Info($"Saving checkpoint at {runner.Iter + 1} iterations");
            Save(runner, runner.Iter + 1);
        }
    }

    private void Save(TrainingRunner runner, int step)
    {
        var fileName = FilenameTmpl.Replace("{}", step.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var path = Path.Combine(_saveDir!, fileName);
        // The list saved in the checkpoint is what is kept once it is written (MMEngine stores [9, 10, 11] in
        // epoch_11 with max_keep_ckpts = 3), not the one about to be deleted.
        if (MaxKeepCkpts > 0 && !_kept.Contains(path)) _kept.Add(path);
        var removed = new List<string>();
        while (MaxKeepCkpts > 0 && _kept.Count > MaxKeepCkpts)
        {
            removed.Add(_kept[0]);
            _kept.RemoveAt(0);
        }
        runner.MessageHub.UpdateInfo("last_ckpt", WorkDirCheckpoints.NameOf(path));
        runner.MessageHub.UpdateInfo("keep_ckpts", KeptNames());
        runner.SaveCheckpoint(path, SaveOptimizer, SaveParamScheduler, ByEpoch, syncInBackground: true);
        // last_checkpoint moves on, and older checkpoints go, only once the new one is flushed to disk; training goes
        // on meanwhile. Rank 0 writes and removes the files; the other ranks only gave their part above.
        if (!runner.IsMainProcess) return;
        var files = _files!;
        runner.FileSync.Then(() =>
        {
            files.PointAt(path);
            foreach (var oldest in removed) files.DeleteOwn(oldest, runner.Logger.Warn);
        });
    }

    /// <summary>
    /// Counts a checkpoint saved when training stopped (<c>interrupted_iter_N.ckpt</c>) among the kept ones, before it
    /// is written (so its message hub records it): once the resumed run has saved <c>max_keep_ckpts</c> newer ones, it
    /// goes like any other. One in another folder than the checkpoints' (an <c>out_dir</c>) is left alone.
    /// </summary>
    internal void TrackInterrupted(TrainingRunner runner, string path)
    {
        if (MaxKeepCkpts <= 0 || _files?.Confine(WorkDirCheckpoints.NameOf(path)) != Path.GetFullPath(path) || _kept.Contains(path)) return;
        _kept.Add(path);
        runner.MessageHub.UpdateInfo("keep_ckpts", KeptNames());
    }

    private List<object> KeptNames() => _kept.Select(p => (object)WorkDirCheckpoints.NameOf(p)).ToList();

    /// <summary>Publishes the last checkpoint (with <c>save_last</c>) or else the first <c>save_best</c> one.</summary>
    public override void AfterTrain(TrainingRunner runner)
    {
        if (PublishedKeys is null || !runner.IsMainProcess) return;
        var source = SaveLast ? _files?.Confine(runner.MessageHub.GetInfo<string>("last_ckpt")) : null;
        if (source is null && SaveBest.Count > 0)
        {
            source = runner.MessageHub.RuntimeInfo.Where(kv => kv.Key.StartsWith("best_ckpt_", StringComparison.Ordinal))
                .Select(kv => _files?.Confine(kv.Value as string)).FirstOrDefault(p => p is not null);
        }
        if (source is null || !File.Exists(source))
        {
            runner.Logger.Warn("CheckpointHook: published_keys is set, but there is no last or best checkpoint to publish.");
            return;
        }
        var published = PublishedCheckpoint.Write(source, PublishedKeys, out var removed);
        if (removed.Count > 0) runner.Logger.Info($"Sections {string.Join(", ", removed)} are left out of the published checkpoint (not in published_keys).");
        if (!PublishedKeys.Contains("state_dict")) runner.Logger.Warn("CheckpointHook: published_keys leaves out state_dict, so the published checkpoint holds no weights.");
        runner.Logger.Info($"The checkpoint ({source}) is published to {published}.");
    }
}
