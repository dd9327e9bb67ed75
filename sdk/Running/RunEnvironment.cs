using Runner.Sdk.Configuration;
using Runner.Sdk.Distributed;
using Runner.Sdk.Native;
using TorchSharp;

namespace Runner.Sdk.Running;

/// <summary>
/// The process-wide set-up of a run, done before anything of the run is built (MMEngine's <c>setup_env</c> and
/// <c>set_randomness</c>): the libtorch and the device (before the first tensor), the run's processes (one, or the
/// ranks the launcher started), the seed every rank shares, libtorch's global switches (deterministic algorithms,
/// cuDNN), its thread counts, and the open-file limit. The runner makes one at construction, and then only builds
/// and runs.
/// </summary>
internal sealed class RunEnvironment
{
    /// <summary>Stands for "no seed" where ranks share a seed that may be absent (seeds are never negative).</summary>
    private const long NoSeed = -1;

    private RunEnvironment(torch.Device device, ICommunicator world)
    {
        Device = device;
        World = world;
    }

    /// <summary>Where the model, its batches and its optimizer state live.</summary>
    public torch.Device Device { get; }

    /// <summary>The run's processes.</summary>
    public ICommunicator World { get; }

    /// <summary>The seed the ranks share: the resumed run's, else <c>randomness.seed</c>, else one rank 0 drew.</summary>
    public long Seed { get; private set; }

    /// <summary>The seed of this process's torch generators: <see cref="Seed"/>, plus the rank with <c>diff_rank_seed</c>.</summary>
    public long TorchSeed { get; private set; }

    /// <summary>Whether <c>env_cfg.num_interop_threads</c> could not be applied (libtorch takes it once per process).</summary>
    public bool InteropThreadsKept { get; private set; }

    /// <summary>What <c>env_cfg.resource_limit</c> made of the open-file limit, for the log; null without it.</summary>
    public string? FileLimitNote { get; private set; }

    /// <summary>
    /// Prepares the process for a run with <paramref name="settings"/>. <paramref name="world"/> is the ranks' when the
    /// caller joined them already (tests); <paramref name="seedOfResumedRun"/> reads, on rank 0, the seed of the
    /// checkpoint a configured resume continues (null without one).
    /// </summary>
    public static RunEnvironment Prepare(RunnerSettings settings, ICommunicator? world, Func<long?> seedOfResumedRun)
    {
        TorchNativeLibrary.EnsureLoadable();
        var env = settings.Env;
        var libtorchSetAt = settings.LocationIn("env_cfg", "libtorch");
        LibTorchLoader.Ensure(env.Libtorch ?? LibTorchLoader.FolderFromEnvironment,
            env.Libtorch is null ? "RUNNER_LIBTORCH" : libtorchSetAt is { Kind: SourceKind.CommandLine } option ? option.File : $"{libtorchSetAt}: env_cfg.libtorch",
            DeviceChoice.NeedsCuda(settings.Device), settings.Device);
        var device = DeviceChoice.Resolve(settings.Device, settings.Cfg.LocationOf("device"));
        world ??= Launcher.Start(settings.Launcher, LaunchEnvironment.OfProcess(), settings.Cfg.LocationOf("launcher"));
        if (env.DistCfg is { } dist) world.Timeout = dist.Timeout;
        var environment = new RunEnvironment(device, world);

        // Randomness before the model, so the initial weights depend only on the seed. A resumed run continues with the
        // seed of the run it resumes (as MMEngine's resume does), so its data order, pipelines and device seeds are an
        // uninterrupted run's even when the config names no seed. An unset seed is drawn on rank 0 and shared, so every
        // rank's samplers agree; diff_rank_seed gives each rank seed + rank for torch.
        var randomness = settings.Randomness;
        var resumed = environment.SharedValue(world.Rank == 0 ? seedOfResumedRun() ?? NoSeed : NoSeed, "the resumed run's seed");
        environment.Seed = resumed != NoSeed ? resumed : randomness.Seed ?? environment.SharedValue(Random.Shared.NextInt64(0, int.MaxValue), "the random seed");
        var torchSeed = environment.TorchSeed = randomness.DiffRankSeed ? environment.Seed + world.Rank : environment.Seed;
        torch.manual_seed(torchSeed);
        LibTorchContext.DeterministicAlgorithms = randomness.Deterministic;
        // cuDNN's own switches (MMEngine sets them the same way): deterministic wins over benchmark.
        LibTorchContext.DeterministicCuDnn = randomness.Deterministic;
        LibTorchContext.BenchmarkCuDnn = env.CudnnBenchmark && !randomness.Deterministic;
        if (device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(torchSeed);

        if (env.NumThreads is { } threads) torch.set_num_threads(threads);
        if (env.NumInteropThreads is { } interop && interop != torch.get_num_interop_threads())
        {
            try
            {
                torch.set_num_interop_threads(interop);
            }
            catch (System.Runtime.InteropServices.ExternalException)
            {
                // libtorch takes it once per process, before any parallel work; a second runner in one process keeps the first's.
                environment.InteropThreadsKept = true;
            }
        }
        if (env.ResourceLimit is { } wanted)
        {
            var limit = FileLimit.Raise((ulong)Math.Max(wanted, 0));
            environment.FileLimitNote = limit is { } soft ? $"Open-file limit (RLIMIT_NOFILE) is now {soft}." : "env_cfg.resource_limit: the open-file limit could not be changed on this system.";
        }
        return environment;
    }

    /// <summary>Rank 0's <paramref name="value"/>, on every rank.</summary>
    public long SharedValue(long value, string purpose) =>
        World.WorldSize == 1 ? value : BitConverter.ToInt64(World.Broadcast(BitConverter.GetBytes(value), 0, purpose));

    /// <summary>Rank 0's <paramref name="value"/>, on every rank.</summary>
    public string SharedText(string value, string purpose) =>
        World.WorldSize == 1 ? value : System.Text.Encoding.UTF8.GetString(World.Broadcast(System.Text.Encoding.UTF8.GetBytes(value), 0, purpose));
}
