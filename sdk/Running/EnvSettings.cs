using Runner.Sdk.Registries;
using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Configuration;

namespace Runner.Sdk.Running;

/// <summary>The <c>env_cfg</c> table (MMEngine's keys, and what each does here).</summary>
/// <param name="NumThreads">libtorch intra-op threads (default: libtorch's choice, the number of cores).</param>
/// <param name="NumInteropThreads">libtorch inter-op threads.</param>
/// <param name="ResourceLimit">Raise the soft limit of open files (RLIMIT_NOFILE) to at least this, within the hard limit (Linux and macOS).</param>
/// <param name="CudnnBenchmark">Let cuDNN try its convolution algorithms per input shape and keep the fastest (CUDA only; off with <c>randomness.deterministic</c>).</param>
/// <param name="MpCfg">MMEngine's multiprocessing settings; no effect: loader workers are threads here (a warning says so).</param>
/// <param name="Libtorch">The folder of the libtorch to run on (a PyTorch install's torch/lib…; <c>--libtorch</c> and <c>RUNNER_LIBTORCH</c> also set it): docs/gpu.md.</param>
/// <param name="DistCfg">MMEngine's distributed settings: <c>timeout</c> (seconds a collective waits for the other ranks); <c>backend</c> is always Open MPI here.</param>
[ConfigOptions]
public sealed record EnvSettings([Range(1, EnvSettings.MaxThreads)] int? NumThreads = null, [Range(1, EnvSettings.MaxThreads)] int? NumInteropThreads = null,
    [Range(0, int.MaxValue)] int? ResourceLimit = null, bool CudnnBenchmark = false,
    ConfigTable? MpCfg = null, Distributed.DistSettings? DistCfg = null, string? Libtorch = null)
{
    /// <summary>More threads than any machine has cores: a value past it can only be a mistake (100,000 threads spend minutes starting).</summary>
    internal const int MaxThreads = 1024;

    /// <summary>Whether a Slurm job answers SIGUSR1 by saving and requeuing, and resumes when requeued (<c>dist_cfg.requeue</c>, default true).</summary>
    internal bool RequeuesOnSlurmSignal => DistCfg?.Requeue != false;
}
