using System.Globalization;
using NLog;
using Runner.Sdk.Configuration;
using Runner.Sdk.Hooks;
using Runner.Sdk.Logging;
using Runner.Sdk.Models;
using Runner.Sdk.Native;
using Runner.Sdk.Optim;
using Runner.Sdk.Optim.Schedulers;
using Runner.Sdk.Registries;
using Runner.Sdk.Storage;
using Runner.Sdk.Visualization;
using TorchSharp;

namespace Runner.Sdk.Running;

/// <summary>
/// Trains, validates and tests a model described by a config (MMEngine's <c>Runner</c>). Construction checks the
/// whole config (every type name, key and value, including the parts built later) and builds only the model; the
/// train parts are built by <see cref="Train"/>, the val parts by <see cref="Val"/> (or by training when it
/// validates), the test parts by <see cref="Test"/>.
/// </summary>
public sealed partial class TrainingRunner : IDisposable
{
    private readonly ConfigTable _cfg;
    private readonly ComponentBuilder _builder;
    private readonly RunnerSettings _settings;
    private readonly RunEnvironment _environment;
    private readonly LogFactory _logFactory;
    private bool _hasLoaded;
    private volatile StopRequest? _stopRequest;

    private sealed record StopRequest(string Signal, int ExitCode);

    private TrainingRunner(ConfigTable cfg, RunnerOptions options)
    {
        _cfg = cfg;
        Registries = options.Registries ?? new RegistryRoot();

        // 1. Check everything before anything is created: a mistake anywhere fails here, with its file and line.
        DefaultScope = RunnerSettings.DefaultScopeOf(cfg);
        ConfigValidator.Validate(cfg, Registries, DefaultScope);
        _builder = new ComponentBuilder(Registries, DefaultScope);
        _settings = RunnerSettings.Decode(_builder, cfg);

        // 2. The process's part (MMEngine's setup_env and set_randomness): the libtorch and the device, the run's
        // processes, the seed they share, libtorch's switches and thread counts, the open-file limit.
        var workDir = RunnerSettings.WorkDirOf(cfg, options.ConfigPath);
        _environment = RunEnvironment.Prepare(_settings, options.World, () => SeedOfResumedRun(workDir));
        if (Device.type == DeviceType.CUDA) DeviceSeeder = seed => torch.cuda.manual_seed_all(seed);

        // 3. The model.
        Model = BuildModel();

        // 4. The log processor and the hooks: their own checks run before anything is written.
        MessageHub = new MessageHub();
        LogProcessor = LogProcessorPart.Decode(_builder, _cfg, WithIterDefault)!;
        CallHooks = new HookDispatcher(this);
        RegisterHooks();
        foreach (var hook in options.ExtraHooks) CallHooks.Register(hook);

        // 5. Only now the work_dir, the logger and the run's records: written by rank 0 alone (the others log their
        // warnings and errors to the console, prefixed with their rank), under rank 0's timestamp. A training run
        // holds the work dir's lock before it writes anything there, so a second one is refused before it writes a
        // byte; each run claims a log folder of its own (a run started in the same second gets <timestamp>_1).
        WorkDir = WorkDirGuard.Check(workDir, cfg.LocationOf("work_dir"));
        if (IsMainProcess && options.Mode == Running.Mode.Train)
        {
            WorkDirGuard.Create(WorkDir, cfg.LocationOf("work_dir"));
            _workDirLock = WorkDirLock.Take(WorkDir);
        }
        try
        {
            // An evaluation's records apart from the training runs': test_<timestamp>/, val_<timestamp>/.
            var stamp = (options.Mode is Running.Mode.Val or Running.Mode.Test ? options.Mode.Value.Key() + "_" : "") + DateTime.Now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
            Timestamp = SharedText(IsMainProcess ? WorkDirGuard.ClaimLogDir(WorkDir, stamp, cfg.LocationOf("work_dir")) : "", "the run's timestamp");
            var stem = options.ConfigPath is null ? null : Path.GetFileNameWithoutExtension(options.ConfigPath);
            ExperimentName = _settings.ExperimentName is { } name ? $"{name}_{Timestamp}" : stem is null ? Timestamp : $"{stem}_{Timestamp}";
            LogDir = Path.Combine(WorkDir, Timestamp);
            var level = LogLevel.FromString(_settings.LogLevel);
            if (IsMainProcess)
            {
                _logFactory = RunnerLogging.Create(Path.Combine(LogDir, Timestamp + ".log"), level, options.Console, verbose: options.Verbose || level <= LogLevel.Debug);
            }
            else
            {
                _logFactory = RunnerLogging.CreateForRank(World.Rank, options.Console);
            }
            Logger = _logFactory.GetLogger(RunnerLogging.LoggerName);
            try
            {
                Visualizer = IsMainProcess ? BuildVisualizer() : new Visualizer(LogDir, Timestamp, []) { WritesFiles = false };
                LogBanner(options.ConfigPath);
                LogEnvironment();
                WarnAboutUnsupportedOptions();
                RunnerLogging.InfoToFile(Logger, CallHooks.DescribeOrder());
                if (IsMainProcess) DumpConfig();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logFactory.Dispose();
                throw WorkDirGuard.WriteFailed(WorkDir, e);
            }
        }
        catch
        {
            _workDirLock?.Dispose(); // a runner that was never made holds no work dir
            throw;
        }
    }

    /// <summary>
    /// The seed of the checkpoint a configured resume will continue (<c>resume</c>: a path, or true for the work dir's
    /// newest), from its header; null without a resume, or when no candidate holds a readable one. Rank 0 reads it.
    /// </summary>
    private long? SeedOfResumedRun(string workDir)
    {
        try
        {
            var candidates = ResumeCandidates(new Checkpoints.WorkDirCheckpoints(workDir), warn: null).Candidates;
            return candidates?.Select(Checkpoints.CheckpointFile.SeedOf).FirstOrDefault(seed => seed is not null);
        }
        catch (Checkpoints.CheckpointException)
        {
            return null; // the resume itself reports it
        }
    }

    /// <summary>Builds a runner from MMEngine's constructor arguments (objects or tables), checked like a config.</summary>
    public static TrainingRunner Create(RunnerArguments arguments, RunnerOptions? options = null) => FromConfig(arguments.ToConfig(), options);

    /// <summary>Builds a runner from a loaded config (see <see cref="ConfigLoader"/>).</summary>
    public static TrainingRunner FromConfig(ConfigTable cfg, RunnerOptions? options = null) => new(cfg, options ?? new RunnerOptions());

    /// <summary>The registries components are built from.</summary>
    public RegistryRoot Registries { get; }

    /// <summary>The scope plain <c>type</c> names are looked up in first.</summary>
    public string DefaultScope { get; }

    /// <summary>The resolved config (after _base_ and overrides).</summary>
    public ConfigTable Cfg => _cfg;

    /// <summary>Where the model, its batches and its optimizer state live (<c>device</c>: see <see cref="DeviceChoice"/>).</summary>
    public torch.Device Device => _environment.Device;

    /// <summary>How the run's processes were started: <c>none</c>, <c>mpi</c> or <c>slurm</c> (see <see cref="Distributed.Launcher"/>).</summary>
    public string Launcher => _settings.Launcher;

    /// <summary>The run's processes (one, for <c>launcher = "none"</c>).</summary>
    public Distributed.ICommunicator World => _environment.World;

    /// <summary>Whether this is rank 0, the process that writes the logs, the records and the checkpoints.</summary>
    public bool IsMainProcess => World.Rank == 0;

    /// <summary>Rank 0's <paramref name="value"/>, on every rank.</summary>
    private string SharedText(string value, string purpose) => _environment.SharedText(value, purpose);

    /// <summary>The seeding settings (<c>randomness</c>).</summary>
    public RandomnessSettings Randomness => _settings.Randomness;

    /// <summary>The environment settings (<c>env_cfg</c>).</summary>
    public EnvSettings Env => _settings.Env;

    /// <summary>The seed in use (from <c>randomness.seed</c>, or drawn).</summary>
    public long Seed => _environment.Seed;

    /// <summary>The seed of this process's torch generators: <see cref="Seed"/>, plus the rank with <c>diff_rank_seed</c>.</summary>
    internal long TorchSeed => _environment.TorchSeed;

    /// <summary>
    /// Seeds the device's generators (on CUDA, every GPU's); null on the CPU, whose generator's state is saved in
    /// checkpoints instead. Tests put a recorder here.
    /// </summary>
    internal Action<long>? DeviceSeeder { get; set; }

    /// <summary>Before training iteration <paramref name="iter"/>: the device's generators get that iteration's seed
    /// (<see cref="IterationSeed"/>), so GPU random ops resume exactly without their state in the checkpoint.</summary>
    internal void SeedDeviceForIteration(int iter) => DeviceSeeder?.Invoke(IterationSeed.Of(TorchSeed, iter));

    /// <summary>The model, built at construction.</summary>
    public BaseModel Model { get; }

    /// <summary>When the run started (<c>yyyyMMdd_HHmmss</c>), the name of its log folder.</summary>
    public string Timestamp { get; }

    /// <summary>The run's name.</summary>
    public string ExperimentName { get; }

    /// <summary>The folder for logs, records and checkpoints.</summary>
    public string WorkDir { get; }

    /// <summary><c>work_dir/&lt;timestamp&gt;</c>: the log file and the visualizer's records.</summary>
    public string LogDir { get; }

    /// <summary>The run's logger (console and <c>LogDir</c>'s log file, rank 0 only).</summary>
    public Logger Logger { get; }

    /// <summary>Scalars and runtime information shared by the loops and hooks.</summary>
    public MessageHub MessageHub { get; }

    /// <summary>Makes log lines and logged values from <see cref="MessageHub"/>.</summary>
    public LogProcessor LogProcessor { get; }

    /// <summary>Writes scalars and the config to the vis backends.</summary>
    public Visualizer Visualizer { get; }

    /// <summary>Calls the hooks at each point (what loops use).</summary>
    public HookDispatcher CallHooks { get; }

    /// <summary>The hooks, in the order they run.</summary>
    public IReadOnlyList<Hook> Hooks => CallHooks.Hooks;

    /// <summary>The optimizer wrapper, once <see cref="Train"/> has built it.</summary>
    public OptimWrapper? OptimWrapper { get; private set; }

    /// <summary>
    /// Flushes checkpoints to disk off the training thread, then moves <c>last_checkpoint</c> on (see
    /// <see cref="FileSyncQueue"/>); <see cref="Train"/> waits for it before it returns.
    /// </summary>
    internal FileSyncQueue FileSync { get; } = new();

    /// <summary>The parameter schedulers, once <see cref="Train"/> has built them.</summary>
    public IReadOnlyList<ParamScheduler> ParamSchedulers { get; private set; } = [];

    /// <summary>Whether <see cref="Train"/> is running (validation inside training sees true).</summary>
    public bool IsTraining { get; private set; }

    /// <summary>Epochs completed; 0 when no train loop was built (reading it never builds one, unlike MMEngine).</summary>
    public int Epoch => _trainLoop?.Epoch ?? 0;

    /// <summary>Iterations completed; 0 when no train loop was built.</summary>
    public int Iter => _trainLoop?.Iter ?? 0;

    /// <summary>The train loop's epochs, or 0 before it is built.</summary>
    public int MaxEpochs => _trainLoop?.MaxEpochs ?? 0;

    /// <summary>The train loop's iterations, or 0 before it is built.</summary>
    public int MaxIters => _trainLoop?.MaxIters ?? 0;

    /// <summary>Whether the train loop has been built.</summary>
    public bool TrainLoopBuilt => _trainLoop is not null;

    /// <summary>The number of batches of a loop's dataloader; 0 while that loop is not built.</summary>
    public int DataloaderLength(Mode mode) => mode switch
    {
        Mode.Train => _trainLoop?.Dataloader.Count ?? 0,
        Mode.Val => _valLoop?.Dataloader.Count ?? 0,
        Mode.Test => _testLoop?.Dataloader.Count ?? 0,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a Mode value"),
    };

    /// <summary>
    /// Whether the config's train loop counts iterations (<c>train_cfg.by_epoch = false</c>, or
    /// <c>type = "IterBasedTrainLoop"</c>). The log processor, the checkpoint hook and the logger's metric step
    /// follow it unless they set <c>by_epoch</c> (or <c>log_metric_by_epoch</c>) themselves.
    /// </summary>
    public bool TrainsByIteration => TrainLoopPart.CountsIterations(_cfg);

    private ConfigTable WithIterDefault(ConfigTable table) => TrainLoopPart.WithIterDefault(_cfg, table);

    private BaseModel BuildModel()
    {
        var model = ModelPart.Decode(_builder, _cfg)!;
        model.DataPreprocessor.Device = Device;
        if (Device.type != DeviceType.CPU) model.to(Device);
        return model;
    }

    /// <summary>Where the run's figures and records go (<c>log_dir/vis_data</c>), given to vis backends and metrics.</summary>
    private VisContext VisContext => _visContext ??= new VisContext(Path.Combine(LogDir, "vis_data")) { MetricStep = TrainsByIteration ? "iteration" : "epoch" };

    private VisContext? _visContext;

    /// <summary>Tells the metrics' figures which evaluation they draw (their titles name the split and the step).</summary>
    internal void DescribeEvaluation(string split)
    {
        VisContext.Split = split;
        VisContext.Step = TrainsByIteration ? Iter : Epoch;
    }

    /// <summary>The visualizer with the backends of <c>visualizer.vis_backends</c> (default: one LocalVisBackend), writing to log_dir/vis_data.</summary>
    private Visualizer BuildVisualizer()
    {
        var backends = VisualizerPart.Decode(BuilderWith(VisContext), _cfg, VisContext);
        var visualizer = new Visualizer(LogDir, Timestamp, backends);
        visualizer.AddConfig(ConfigWriter.ToToml(_cfg));
        return visualizer;
    }

    /// <summary>
    /// The console's few lines at the start (the log file has the whole environment, config and hook order): what
    /// runs, on what, and where its records go.
    /// </summary>
    private void LogBanner(string? configPath)
    {
        var libtorch = LibTorchLoader.Loaded is { } lib ? $"libtorch {lib.Version ?? "(version unknown)"}{(LibTorchLoader.LoadedIsBuildOwn ? "" : $" from {lib.Path}")}" : "libtorch (the build's package)";
        Logger.Info($"Runner {RunnerInfo.Version} · {(configPath is null ? "config" : Path.GetFileName(configPath))} · device {Device} · {libtorch} · " +
            $"{(World.WorldSize == 1 ? "1 process" : $"{World.WorldSize} ranks")} · seed {Seed}");
        var parameters = Model.parameters().ToList();
        var trainable = parameters.Where(p => p.requires_grad).Sum(p => p.numel());
        Logger.Info(string.Create(CultureInfo.InvariantCulture, $"model {Model.GetType().Name} · {parameters.Sum(p => p.numel()):N0} parameters ({trainable:N0} trainable) · {ModelComplexity.WeightBytes(Model) / 1e6:0.0} MB (runner-host summary counts its operations)"));
        Logger.Info($"work_dir {WorkDir} · log {Path.Combine(LogDir, Timestamp + ".log")} (environment, full config and hook order are there)");
    }

    private void LogEnvironment()
    {
        RunnerLogging.InfoToFile(Logger, string.Join(Environment.NewLine, (string[])[
            "",
            "------------------------------------------------------------",
            "System environment:",
            $"    OS: {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            $"    .NET: {Environment.Version}",
            $"    CPU cores: {Environment.ProcessorCount}",
            $"    TorchSharp: {typeof(torch).Assembly.GetName().Version}",
            $"    torch threads: {torch.get_num_threads()}",
            $"    OpenMP wait: {OpenMpWaitPolicy.Describe()}",
            $"    CUDA available: {torch.cuda.is_available()}{(torch.cuda.is_available() ? $" ({torch.cuda.device_count()} GPU(s))" : "")}",
            $"    libtorch: {(LibTorchLoader.Loaded is { } lib ? $"{lib.Path} ({lib.Version ?? "version unknown"}{(lib.HasCuda ? ", CUDA" : ", CPU only")}{(LibTorchLoader.LoadedIsBuildOwn ? ", the build's own" : "")})" : "the build's package (TorchBackend=cuda)")}",
            $"    Runner: {RunnerInfo.Version}",
            "",
            "Runtime environment:",
            $"    seed: {Seed}{(Randomness.DiffRankSeed && World.WorldSize > 1 ? " (+ rank for torch: diff_rank_seed)" : "")}",
            $"    deterministic: {Randomness.Deterministic}",
            $"    Distributed launcher: {Launcher}",
            $"    Distributed training: {(World.WorldSize > 1 ? "True" : "False")}",
            $"    World size: {World.WorldSize} ({World.LocalSize} on this machine)",
            $"    Backend: {World.Backend}",
            $"    device: {Device}",
            $"    GPU number: {(Device.type == DeviceType.CUDA ? 1 : 0)}",
            .. DescribeGpu(),
            "------------------------------------------------------------",
            ""]));
        RunnerLogging.InfoToFile(Logger, "Config:" + Environment.NewLine + ConfigWriter.ToToml(_cfg));
    }

    /// <summary>The environment log's lines on the GPU trained on (none on the CPU).</summary>
    private IEnumerable<string> DescribeGpu()
    {
        if (Device.type != DeviceType.CUDA) return [];
        var ordinal = Device.index < 0 ? 0 : Device.index;
        var (info, problem) = CudaDeviceInfo.Read(ordinal);
        return info is null
            ? [$"    GPU {ordinal}: unknown ({problem})"]
            : info.Describe().Select((line, i) => i == 0 ? $"    GPU {ordinal}: {line}" : $"    {line}");
    }

    private void WarnAboutUnsupportedOptions()
    {
        if (_environment.InteropThreadsKept)
            Logger.Warn($"env_cfg.num_interop_threads has no effect: libtorch already runs {torch.get_num_interop_threads()} inter-op threads in this process, and takes the number only once.");
        if (_settings.Compile)
            Logger.Warn("compile = true: TorchSharp has no torch.compile; the model runs eagerly.");
        foreach (var note in LibTorchLoader.Notes) Logger.Warn(note);
        if (Env.CudnnBenchmark && Device.type != DeviceType.CUDA)
            Logger.Warn($"env_cfg.cudnn_benchmark has no effect on {Device}: cuDNN runs on CUDA devices only.");
        if (Env.MpCfg is not null)
            Logger.Warn("env_cfg.mp_cfg has no effect: data loader workers are threads here, and there is no OpenCV.");
        if (Env.DistCfg is { Backend: not "mpi" } dist)
            Logger.Warn($"env_cfg.dist_cfg.backend = \"{dist.Backend}\" is not available: the ranks talk through Open MPI (CPU tensors); its timeout is used.");
        if (Env.DistCfg is not null && World.WorldSize == 1)
            Logger.Info("env_cfg.dist_cfg: this run has one process, so nothing is distributed.");
        if (_environment.FileLimitNote is { } fileLimit) Logger.Info(fileLimit);
    }

    private void DumpConfig()
    {
        // A new file, or none: whatever stands at this name (a planted link) is not written through.
        using var file = new FileStream(Path.Combine(WorkDir, Timestamp + ".toml"), FileMode.CreateNew, FileAccess.Write);
        file.Write(System.Text.Encoding.UTF8.GetBytes(ConfigWriter.ToToml(_cfg)));
    }

    /// <summary>
    /// Ends the run's records. Never throws: it runs while an error may be on its way to the user, and a second
    /// error here (a full disk, say) must not hide the first; it is logged instead.
    /// </summary>
    public void Dispose()
    {
        WaitForCheckpointFlushes();
        try
        {
            Visualizer.Close();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RunnerException)
        {
            Logger.Error($"The visualizer's records could not be completed: {e.Message}");
        }
        _workDirLock?.Dispose();
        _logFactory.Flush();
        _logFactory.Dispose();
    }
}
