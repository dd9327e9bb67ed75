namespace Runner.Host;

using System.CommandLine;

/// <summary>The options every runner-host command accepts (declared on the root, recursive).</summary>
internal sealed class HostOptions
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "The job's TOML config file.",
        HelpName = "FILE",
        Recursive = true,
    };

    public Option<string?> WorkDir { get; } = new("--work-dir")
    {
        Description = "Where checkpoints, logs and the config dump go (overrides work_dir in the config).",
        HelpName = "DIR",
        Recursive = true,
    };

    public Option<string?> Resume { get; } = new("--resume")
    {
        Description = "Resume training: from CKPT, or without a value from work_dir/last_checkpoint.",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "CKPT",
        Recursive = true,
    };

    public Option<string?> Checkpoint { get; } = new("--checkpoint")
    {
        Description = "Load model weights from CKPT before running (load_from); for val and test, the model to evaluate.",
        HelpName = "CKPT",
        Recursive = true,
    };

    public Option<string[]> CfgOptions { get; } = new("--cfg-options")
    {
        Description = "Override config keys, key.path=VALUE with a TOML value (lr=0.1, milestones=[1,2], name=\"x\"); repeatable.",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
        HelpName = "KEY=VALUE",
        Recursive = true,
    };

    public Option<string[]> Plugins { get; } = new("--plugins")
    {
        Description = "Another folder of plugins to load (repeatable); the built-in plugins are always loaded.",
        HelpName = "DIR",
        Recursive = true,
    };

    public Option<bool> SkipBrokenPlugins { get; } = new("--skip-broken-plugins")
    {
        Description = "Load the plugins that work and list the ones that failed, instead of stopping at the first failure.",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Also print the environment, the full config and the hook order at the start (they are always in the run's log file).",
        Recursive = true,
    };

    public Option<bool> Watch { get; } = new("--watch")
    {
        Description = "While training, reload a hook plugin whose DLL was rebuilt or replaced, at the next iteration (development).",
        Recursive = true,
    };

    public Option<bool> Amp { get; } = new("--amp")
    {
        Description = "Train in reduced precision: optim_wrapper.type = \"AmpOptimWrapper\" (bfloat16 by default; MMEngine's train.py --amp).",
        Recursive = true,
    };

    public Option<bool> AutoScaleLr { get; } = new("--auto-scale-lr")
    {
        Description = "Scale the learning rate by the real batch size over auto_scale_lr.base_batch_size (MMEngine's train.py --auto-scale-lr).",
        Recursive = true,
    };

    public Option<int?> FastDevRun { get; } = new("--fast-dev-run")
    {
        Description = "Check a config end to end: N batches (default 1) of one epoch of training, validation and testing, " +
            "in a new temporary work_dir unless --work-dir is given (Lightning's fast_dev_run).",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "N",
        Recursive = true,
    };

    public Option<string?> Launcher { get; } = new("--launcher")
    {
        Description = "How the run's processes were started (overrides launcher in the config): none, or mpi under " +
            "mpirun -np N, or slurm under srun (docs/distributed.md). pytorch (torchrun) is refused with the equivalent commands.",
        HelpName = "none|mpi|slurm|pytorch",
        Recursive = true,
    };

    public Option<string?> Device { get; } = new("--device")
    {
        Description = "Where to train (overrides device in the config): cpu (default), cuda, cuda:N, or auto (CUDA when there is one). " +
            "CUDA needs a CUDA libtorch: --libtorch, or a Python PyTorch install that python3 finds (docs/gpu.md).",
        HelpName = "cpu|cuda|cuda:N|auto",
        Recursive = true,
    };

    public Option<string?> LibTorch { get; } = new("--libtorch")
    {
        Description = "The folder of the libtorch to run on (overrides env_cfg.libtorch and RUNNER_LIBTORCH): a PyTorch install's torch/lib, " +
            "an unpacked libtorch archive's lib, or a libtorch NuGet package's native folder.",
        HelpName = "DIR",
        Recursive = true,
    };

    /// <summary>For val and test only (added to those commands).</summary>
    public Option<string?> Out { get; } = new("--out")
    {
        Description = "Also write every prediction to FILE, one JSON object per sample (MMEngine's test.py --out / DumpResults).",
        HelpName = "FILE",
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Amp);
        root.Options.Add(AutoScaleLr);
        root.Options.Add(FastDevRun);
        root.Options.Add(Config);
        root.Options.Add(WorkDir);
        root.Options.Add(Resume);
        root.Options.Add(Checkpoint);
        root.Options.Add(CfgOptions);
        root.Options.Add(Plugins);
        root.Options.Add(SkipBrokenPlugins);
        root.Options.Add(Watch);
        root.Options.Add(Verbose);
        root.Options.Add(Launcher);
        root.Options.Add(Device);
        root.Options.Add(LibTorch);
    }
}
