namespace Runner.Sdk.Hooks;

using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>
/// Saves checkpoints during training (MMEngine's <c>CheckpointHook</c>): <c>epoch_N.ckpt</c> or <c>iter_N.ckpt</c>
/// every <c>interval</c> epochs or iterations from <c>save_begin</c>, and at the end with <c>save_last</c>; keeps
/// the newest <c>max_keep_ckpts</c>; points <c>work_dir/last_checkpoint</c> at the newest complete one.
/// </summary>
[Register]
public sealed class CheckpointHook : Hook
{
    private readonly List<string> _kept = [];
    private string? _saveDir;

    /// <param name="interval">Save every this many epochs (or iterations); -1 saves only the last.</param>
    /// <param name="byEpoch">Count epochs (true) or iterations.</param>
    /// <param name="saveOptimizer">Include the optimizer state (needed to resume).</param>
    /// <param name="saveParamScheduler">Include the scheduler state (needed to resume).</param>
    /// <param name="outDir">Folder for checkpoints; default: work_dir. When set, checkpoints go to <c>out_dir/&lt;work_dir name&gt;</c>.</param>
    /// <param name="maxKeepCkpts">Keep only the newest this many periodic checkpoints; -1 keeps all.</param>
    /// <param name="saveLast">Also save after the last epoch or iteration.</param>
    /// <param name="saveBegin">The first epoch (or iteration) that may be saved.</param>
    /// <param name="filenameTmpl">File name with <c>{}</c> for the number; default <c>epoch_{}.ckpt</c> / <c>iter_{}.ckpt</c>.</param>
    public CheckpointHook(int interval = -1, bool byEpoch = true, bool saveOptimizer = true, bool saveParamScheduler = true,
        string? outDir = null, int maxKeepCkpts = -1, bool saveLast = true, int saveBegin = 0, string? filenameTmpl = null)
    {
        if (interval == 0 || interval < -1) throw new ArgumentException($"interval must be a positive integer or -1, got {interval}.");
        if (saveBegin < 0) throw new ArgumentException($"save_begin must not be negative, got {saveBegin}.");
        if (maxKeepCkpts == 0 || maxKeepCkpts < -1) throw new ArgumentException($"max_keep_ckpts must be a positive integer or -1, got {maxKeepCkpts}.");
        if (filenameTmpl is not null && !filenameTmpl.Contains("{}", StringComparison.Ordinal))
            throw new ArgumentException($"filename_tmpl must contain {{}} for the epoch or iteration number, got \"{filenameTmpl}\".");
        Interval = interval;
        ByEpoch = byEpoch;
        SaveOptimizer = saveOptimizer;
        SaveParamScheduler = saveParamScheduler;
        OutDir = outDir;
        MaxKeepCkpts = maxKeepCkpts;
        SaveLast = saveLast;
        SaveBegin = saveBegin;
        FilenameTmpl = filenameTmpl ?? (byEpoch ? "epoch_{}" + CheckpointFile.Extension : "iter_{}" + CheckpointFile.Extension);
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

    protected override Priority DefaultPriority => Priority.VeryLow;

    public override void BeforeTrain(Runner runner)
    {
        _saveDir = OutDir is null ? runner.WorkDir : Path.Combine(Path.GetFullPath(OutDir), Path.GetFileName(runner.WorkDir));
        Directory.CreateDirectory(_saveDir);
        runner.Logger.Info($"Checkpoints will be saved to {_saveDir}.");
        if (runner.MessageHub.GetInfo<List<object>>("keep_ckpts") is { } kept) _kept.AddRange(kept.Cast<string>());
    }

    public override void AfterTrainEpoch(Runner runner)
    {
        if (!ByEpoch) return;
        if ((runner.Epoch + 1 >= SaveBegin && EveryNEpochs(runner, Interval, SaveBegin)) || (SaveLast && IsLastTrainEpoch(runner)))
        {
            runner.Logger.Info($"Saving checkpoint at {runner.Epoch + 1} epochs");
            Save(runner, runner.Epoch + 1);
        }
    }

    public override void AfterTrainIter(Runner runner, int batchIdx, DataBatch? dataBatch, IReadOnlyDictionary<string, double>? outputs)
    {
        if (ByEpoch) return;
        if ((runner.Iter + 1 >= SaveBegin && EveryNTrainIters(runner, Interval, SaveBegin)) || (SaveLast && IsLastTrainIter(runner)))
        {
            runner.Logger.Info($"Saving checkpoint at {runner.Iter + 1} iterations");
            Save(runner, runner.Iter + 1);
        }
    }

    private void Save(Runner runner, int step)
    {
        var fileName = FilenameTmpl.Replace("{}", step.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var path = Path.Combine(_saveDir!, fileName);
        if (MaxKeepCkpts > 0 && !_kept.Contains(path)) _kept.Add(path);
        runner.MessageHub.UpdateInfo("last_ckpt", path);
        runner.MessageHub.UpdateInfo("keep_ckpts", _kept.Cast<object>().ToList());
        runner.SaveCheckpoint(path, SaveOptimizer, SaveParamScheduler, ByEpoch);
        // last_checkpoint is written only once the checkpoint is complete on disk.
        AtomicFile.WriteAllText(Path.Combine(runner.WorkDir, "last_checkpoint"), path);
        while (MaxKeepCkpts > 0 && _kept.Count > MaxKeepCkpts)
        {
            var oldest = _kept[0];
            _kept.RemoveAt(0);
            if (File.Exists(oldest)) File.Delete(oldest);
        }
        runner.MessageHub.UpdateInfo("keep_ckpts", _kept.Cast<object>().ToList());
    }
}
