namespace Runner.Sdk.Running;

/// <summary>The <c>env_cfg</c> table.</summary>
/// <param name="NumThreads">libtorch intra-op threads (default: libtorch's choice, the number of cores).</param>
/// <param name="NumInteropThreads">libtorch inter-op threads.</param>
/// <param name="CudnnBenchmark">Accepted for MMEngine configs; cuDNN is not used by the CPU build, so it has no effect (a warning says so).</param>
public sealed record EnvSettings(int? NumThreads = null, int? NumInteropThreads = null, bool CudnnBenchmark = false);
