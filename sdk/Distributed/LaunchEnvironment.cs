using System.Globalization;

namespace Runner.Sdk.Distributed;

/// <summary>
/// What the environment says about how this process was started: the variables <c>mpirun</c> (Open MPI), MPICH's
/// <c>mpiexec</c>, <c>srun</c> and <c>torchrun</c> set in each process they start. Read before MPI is initialised,
/// so a launcher the environment contradicts is refused before anything is started.
/// </summary>
internal sealed class LaunchEnvironment(Func<string, string?> variable)
{
    /// <summary>This process's environment.</summary>
    public static LaunchEnvironment OfProcess() => new(Environment.GetEnvironmentVariable);

    /// <summary>The number of processes Open MPI's <c>mpirun</c> started, or null when it did not start this one.</summary>
    public int? OpenMpiSize => Number("OMPI_COMM_WORLD_SIZE");

    public int? OpenMpiRank => Number("OMPI_COMM_WORLD_RANK");

    /// <summary>The number of processes MPICH's <c>mpiexec</c> (Hydra) started, or null.</summary>
    public int? MpichSize => OpenMpiSize is null ? Number("PMI_SIZE") : null;

    /// <summary>The number of tasks of the Slurm job step this process is a task of (<c>srun</c>), or null.</summary>
    public int? SlurmTasks => variable("SLURM_PROCID") is null || variable("SLURM_STEP_ID") is null ? null : Number("SLURM_STEP_NUM_TASKS") ?? Number("SLURM_NTASKS");

    public int? SlurmRank => SlurmTasks is null ? null : Number("SLURM_PROCID");

    /// <summary>The world size of a torchrun-style start (<c>RANK</c> and <c>WORLD_SIZE</c>), or null.</summary>
    public int? TorchRunSize => variable("RANK") is null ? null : Number("WORLD_SIZE");

    /// <summary>This process's rank as the environment tells it before MPI starts (0 when nothing says).</summary>
    public int RankHint => OpenMpiRank ?? SlurmRank ?? Number("PMI_RANK") ?? Number("RANK") ?? 0;

    private int? Number(string name) =>
        int.TryParse(variable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
