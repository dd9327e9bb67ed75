using Runner.Sdk.Configuration;

namespace Runner.Sdk.Distributed;

/// <summary>
/// MMEngine's <c>launcher</c>: how the processes of a run were started, and so how they find each other.
/// <list type="bullet">
/// <item><c>none</c>: one process.</item>
/// <item><c>mpi</c>: started by Open MPI's <c>mpirun -np N</c>; rank and size come from MPI.</item>
/// <item><c>slurm</c>: started by <c>srun</c> (<c>SLURM_PROCID</c>, <c>SLURM_NTASKS</c>), with Open MPI joining
/// through Slurm's PMIx or PMI2.</item>
/// <item><c>pytorch</c>: torchrun's environment; refused with the equivalent <c>mpirun</c> and <c>srun</c> lines
/// (Open MPI starts its processes itself and cannot join ones torchrun started).</item>
/// </list>
/// A launcher the environment contradicts is an error: never a silent single process, never N copies of one run
/// writing the same work_dir.
/// </summary>
internal static class Launcher
{
    public static readonly IReadOnlyList<string> Names = ["none", "mpi", "slurm", "pytorch"];

    private static readonly Lock Gate = new();
    private static ICommunicator? _current;

    /// <summary>
    /// Checks <paramref name="launcher"/> against <paramref name="environment"/> and joins the run's world (once per
    /// process: a later call with the same launcher returns the same communicator).
    /// </summary>
    /// <param name="where">Where the launcher was set, for the error messages.</param>
    public static ICommunicator Start(string launcher, LaunchEnvironment environment, SourceLocation? where)
    {
        lock (Gate)
        {
            if (_current is { WorldSize: > 1 } joined) return joined;
            var world = Join(launcher, environment, where);
            _current = world;
            return world;
        }
    }

    private static ICommunicator Join(string launcher, LaunchEnvironment env, SourceLocation? where)
    {
        switch (launcher)
        {
            case "none":
                if (env.OpenMpiSize is > 1 and var ompi)
                    throw Contradiction(where, $"this process is one of {ompi} that mpirun started, but launcher is \"none\": each of them would train the whole model into the same work_dir.", "mpi");
                if (env.SlurmTasks is > 1 and var tasks)
                    throw Contradiction(where, $"this process is one of {tasks} tasks that srun started, but launcher is \"none\": each of them would train the whole model into the same work_dir.", "slurm");
                if (env.MpichSize is > 1 and var mpich)
                    throw Contradiction(where, $"this process is one of {mpich} that MPICH's mpiexec started, but launcher is \"none\"; Runner's processes talk through Open MPI.", "mpi", mpich: true);
                if (env.TorchRunSize is > 1 and var torchrun)
                    throw PyTorchRefused(where, torchrun);
                return SingleProcessCommunicator.Instance;
            case "mpi":
                if (env.OpenMpiSize is null)
                {
                    if (env.MpichSize is not null)
                        throw ConfigException.At(where, "launcher", "launcher is \"mpi\", but this process was started by MPICH's mpiexec; Runner's processes talk through Open MPI.",
                            "start the run with Open MPI's mpirun (Debian: apt-get install openmpi-bin): mpirun -np N runner-host --config FILE --launcher mpi.");
                    throw ConfigException.At(where, "launcher", "launcher is \"mpi\", but this process was not started by mpirun (no OMPI_COMM_WORLD_SIZE in its environment).",
                        "start it as: mpirun -np N runner-host --config FILE --launcher mpi (or set launcher = \"none\" for one process).");
                }
                return Checked(MpiCommunicator.JoinWorld(), env.OpenMpiSize.Value, "mpirun");
            case "slurm":
                if (env.SlurmTasks is not { } slurmTasks)
                    throw ConfigException.At(where, "launcher", "launcher is \"slurm\", but this process is not a task of a Slurm job step (no SLURM_PROCID/SLURM_STEP_ID in its environment).",
                        "start it with srun inside an allocation: srun -n N --mpi=pmix runner-host --config FILE --launcher slurm (docs/distributed.md has an sbatch script).");
                return Checked(MpiCommunicator.JoinWorld(), slurmTasks, "srun");
            case "pytorch":
                throw PyTorchRefused(where, env.TorchRunSize);
            default:
                throw ConfigException.At(where, "launcher", $"'{launcher}' is not a launcher.", $"use one of: {string.Join(", ", Names)}.");
        }
    }

    /// <summary>MPI must see the processes the launcher started, or each would form a world of its own.</summary>
    private static MpiCommunicator Checked(MpiCommunicator world, int started, string starter)
    {
        if (world.WorldSize == started) return world;
        var hint = starter == "srun"
            ? "srun must start the tasks with a PMI that Open MPI understands: srun --mpi=pmix (see srun --mpi=list)."
            : "start runner-host directly under mpirun, not through a script that starts another MPI program.";
        throw new DistributedException($"{starter} started {started} processes, but Open MPI sees {world.WorldSize} in this process's world, so the processes cannot work together. {hint}");
    }

    private static ConfigException Contradiction(SourceLocation? where, string problem, string launcher, bool mpich = false) =>
        ConfigException.At(where, "launcher", problem, mpich
            ? "start the run with Open MPI's mpirun and --launcher mpi."
            : $"set launcher = \"{launcher}\" (or pass --launcher {launcher}) to train data-parallel on all of them.");

    private static ConfigException PyTorchRefused(SourceLocation? where, int? worldSize)
    {
        var n = worldSize is > 0 ? worldSize.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "N";
        return ConfigException.At(where, "launcher",
            "launcher \"pytorch\" (torchrun's RANK/WORLD_SIZE/MASTER_ADDR environment) is not supported: Runner's processes talk through Open MPI, which starts its processes itself and cannot join processes torchrun started.",
            $"one machine: mpirun -np {n} runner-host --config FILE --launcher mpi; several: mpirun -np {n} --host a:2,b:2 runner-host … --launcher mpi; " +
            $"Slurm: srun -n {n} --mpi=pmix runner-host … --launcher slurm (docs/distributed.md).");
    }

    /// <summary>
    /// Ends this process's part of the run (the host calls it last, with the exit code it will return). A run of
    /// several processes that ended together leaves MPI in order; one whose ranks did not all get here (one failed
    /// while others wait in a collective) is aborted, so no rank hangs. Returns the exit code.
    /// </summary>
    public static int End(int exitCode)
    {
        ICommunicator? world;
        lock (Gate) world = _current;
        if (world is MpiCommunicator mpi) mpi.End(exitCode, exitCode == 0 ? mpi.Timeout : TimeSpan.FromSeconds(10));
        return exitCode;
    }
}
