using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Distributed;

/// <summary>The <c>env_cfg.dist_cfg</c> table (MMEngine's keys).</summary>
[ConfigOptions]
public sealed record DistSettings
{
    /// <param name="backend">MMEngine names "nccl", "gloo" or "mpi"; the ranks here always talk through Open MPI (CPU tensors),
    /// so any other name gets a warning saying so.</param>
    /// <param name="timeout">Seconds a collective call waits for the other ranks before the run fails, naming the ranks that
    /// do not answer (PyTorch's default: 1800).</param>
    public DistSettings(string backend = "mpi", [Range(1, 7 * 24 * 3600)] double timeout = 1800)
    {
        Backend = backend;
        Timeout = TimeSpan.FromSeconds(timeout);
    }

    /// <summary>The collective backend: <c>mpi</c> (the one this build has).</summary>
    public string Backend { get; }

    /// <summary>How long a rank waits in a collective before it names the ranks that did not answer and fails.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// In a Slurm job, SIGUSR1 (<c>#SBATCH --signal=USR1@90</c>, <c>scancel --signal=USR1</c>) makes every rank save a
    /// checkpoint at the next iteration; rank 0 then requeues the job (<c>scontrol requeue</c>), whose next start
    /// resumes from it (Lightning's SLURM auto-requeue). <c>false</c>: SIGUSR1 keeps its default effect.
    /// </summary>
    public bool Requeue { get; init; } = true;
}
