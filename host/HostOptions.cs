using System.CommandLine;

namespace Runner.Host;

/// <summary>The options every runner-host command accepts (declared on the root, recursive).</summary>
internal sealed class HostOptions
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "The job's TOML config file.",
        HelpName = "FILE",
    };

    public Option<string?> WorkDir { get; } = new("--work-dir")
    {
        Description = "Where checkpoints, logs and the config dump go (overrides work_dir in the config).",
        HelpName = "DIR",
    };

    public Option<string?> Resume { get; } = new("--resume")
    {
        Description = "Resume training: from CKPT, or without a value from work_dir/last_checkpoint.",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "CKPT",
    };

    public Option<string?> Checkpoint { get; } = new("--checkpoint")
    {
        Description = "Load model weights from CKPT before running (load_from); for val and test, the model to evaluate.",
        HelpName = "CKPT",
    };

    public Option<string[]> CfgOptions { get; } = new("--cfg-options")
    {
        Description = "Override config keys, key.path=VALUE (repeatable): a TOML value (lr=0.1, milestones=[1,2], name=\"x\"), or as MMEngine takes them, a bare string (work_dir=/tmp/x), a comma list (milestones=5,8), a list index in the key (param_scheduler.1.milestones=5,8).",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
        HelpName = "KEY=VALUE",
    };

    public Option<string[]> Plugins { get; } = new("--plugins")
    {
        Description = "Another folder of plugins to load (repeatable); the built-in plugins are always loaded.",
        HelpName = "DIR",
    };

    public Option<bool> SkipBrokenPlugins { get; } = new("--skip-broken-plugins")
    {
        Description = "Load the plugins that work and list the ones that failed, instead of stopping at the first failure.",
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Also print the environment, the full config and the hook order at the start (they are always in the run's log file).",
    };

    public Option<bool> Watch { get; } = new("--watch")
    {
        Description = "While training, reload a hook plugin whose DLL was rebuilt or replaced, at the next iteration (development).",
    };

    public Option<bool> Amp { get; } = new("--amp")
    {
        Description = "Train in reduced precision: optim_wrapper.type = \"AmpOptimWrapper\" (bfloat16 by default; MMEngine's train.py --amp).",
    };

    public Option<bool> AutoScaleLr { get; } = new("--auto-scale-lr")
    {
        Description = "Scale the learning rate by the real batch size over auto_scale_lr.base_batch_size (MMEngine's train.py --auto-scale-lr).",
    };

    public Option<int?> FastDevRun { get; } = new("--fast-dev-run")
    {
        Description = "Check a config end to end: N batches (default 1) of one epoch of training, validation and testing, " +
            "in a new temporary work_dir unless --work-dir is given (Lightning's fast_dev_run).",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "N",
        CustomParser = WholeNumberArgument.ParseOptional,
    };

    public Option<string?> Launcher { get; } = new("--launcher")
    {
        Description = "How the run's processes were started (overrides launcher in the config): none, or mpi under " +
            "mpirun -np N, or slurm under srun (docs/distributed.md). pytorch (torchrun) is refused with the equivalent commands.",
        HelpName = "none|mpi|slurm|pytorch",
    };

    public Option<string?> Device { get; } = new("--device")
    {
        Description = "Where to train (overrides device in the config): cpu (default), cuda, cuda:N, or auto (CUDA when there is one). " +
            "CUDA needs a CUDA libtorch: --libtorch, or a Python PyTorch install that python3 finds (docs/gpu.md).",
        HelpName = "cpu|cuda|cuda:N|auto",
    };

    public Option<string?> LibTorch { get; } = new("--libtorch")
    {
        Description = "The folder of the libtorch to run on (overrides env_cfg.libtorch and RUNNER_LIBTORCH): a PyTorch install's torch/lib, " +
            "an unpacked libtorch archive's lib, or a libtorch NuGet package's native folder.",
        HelpName = "DIR",
    };

    /// <summary>For val and test only (added to those commands).</summary>
    public Option<string?> Out { get; } = new("--out")
    {
        Description = "Also write every prediction to FILE, one JSON object per sample (MMEngine's test.py --out / DumpResults).",
        HelpName = "FILE",
    };

    public Option<string?> PredictOut { get; } = new("--out")
    {
        Description = "The file to write the predictions to, one JSON object per sample.",
        HelpName = "FILE",
        Required = true,
    };

    /// <summary>A command that trains: the bare <c>runner-host</c> (train, then test) and <c>train</c>.</summary>
    public IReadOnlyList<Option> Training => [Config, WorkDir, Resume, Checkpoint, CfgOptions, Plugins, SkipBrokenPlugins, Watch, Verbose, Amp, AutoScaleLr, FastDevRun, Launcher, Device, LibTorch];

    /// <summary><c>val</c>, <c>test</c> and <c>predict</c>: a checkpoint's weights evaluated (no resuming, no training flags).</summary>
    public IReadOnlyList<Option> Evaluation => [Config, WorkDir, Checkpoint, CfgOptions, Plugins, SkipBrokenPlugins, Verbose, FastDevRun, Launcher, Device, LibTorch];

    /// <summary>A command that builds components from a config without running it (<c>config validate</c>, <c>summary</c>).</summary>
    public IReadOnlyList<Option> Building => [Config, CfgOptions, Plugins, SkipBrokenPlugins, Device, LibTorch];

    /// <summary>Adds <paramref name="options"/> to <paramref name="command"/>: each command's help lists only what it takes.</summary>
    public static void AddTo(Command command, IEnumerable<Option> options)
    {
        foreach (var option in options) command.Options.Add(option);
    }
}
