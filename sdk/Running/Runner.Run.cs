namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;
using global::Runner.Sdk.Running.Loops;

/// <summary>The three entry points: train, validate, test.</summary>
public sealed partial class Runner
{
    /// <summary>
    /// Trains (MMEngine's <c>train()</c>): builds the train loop, the optimizer wrapper, the schedulers and, when
    /// configured, the val loop; loads or resumes a checkpoint; runs the loop. Never builds the test parts.
    /// </summary>
    public void Train()
    {
        var loop = TrainLoop ?? throw ConfigException.At(_cfg.Location, "train_cfg",
            "training needs train_dataloader, train_cfg and optim_wrapper, and the config has none of them.");
        OptimWrapper = BuildOptimWrapper();
        ScaleLr(loop);
        ParamSchedulers = BuildParamSchedulers(loop);
        _ = ValLoop;

        IsTraining = true;
        try
        {
            CallHooks.BeforeRun();
            LoadOrResume();
            OptimWrapper.InitializeCountStatus(Iter, MaxIters);
            if (OptimWrapper.AccumulativeCounts > 1 && Iter % OptimWrapper.AccumulativeCounts != 0)
            {
                Logger.Warn($"Resumed iteration number {Iter} is not divisible by accumulative_counts ({OptimWrapper.AccumulativeCounts}): " +
                    "the first update after the resume accumulates fewer gradients.");
            }
            loop.Run();
            CallHooks.AfterRun();
        }
        finally
        {
            IsTraining = false;
            _logFactory.Flush();
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
        loop.Run();
        CallHooks.AfterRun();
        _logFactory.Flush();
        return loop.LastMetrics!;
    }

    /// <summary>MMEngine's <c>load_or_resume</c>: resume (from a path, or from work_dir/last_checkpoint), else load weights from <c>load_from</c>.</summary>
    private void LoadOrResume()
    {
        if (_hasLoaded) return;
        var loadFrom = _cfg["load_from"] as string;
        var resume = _cfg["resume"];
        string? resumeFrom = null;
        if (resume is string path) resumeFrom = path;
        else if (resume is true)
        {
            resumeFrom = loadFrom ?? FindLatestCheckpoint();
            Logger.Info(resumeFrom is null ? "Auto resume: no checkpoint found, training from scratch." : $"Auto resumed from the latest checkpoint {resumeFrom}.");
        }

        if (resumeFrom is not null && TrainLoopBuilt) Resume(resumeFrom);
        else if (resumeFrom is not null) LoadCheckpoint(resumeFrom);
        else if (loadFrom is not null) LoadCheckpoint(loadFrom);
        _hasLoaded = true;
    }

    /// <summary>The checkpoint <c>work_dir/last_checkpoint</c> points at, or null.</summary>
    public string? FindLatestCheckpoint()
    {
        var pointer = Path.Combine(WorkDir, "last_checkpoint");
        if (!File.Exists(pointer))
        {
            Logger.Info("Did not find last_checkpoint to be resumed.");
            return null;
        }
        return File.ReadAllText(pointer).Trim();
    }
}
