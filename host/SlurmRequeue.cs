using System.Diagnostics;
using System.Runtime.InteropServices;
using Runner.Sdk.Configuration;
using Runner.Sdk.Hosting;
using Runner.Sdk.Running;

namespace Runner.Host;

/// <summary>
/// Lightning's SLURM auto-requeue: in a Slurm job, SIGUSR1 (<c>#SBATCH --signal=USR1@90</c> before the time limit, or
/// <c>scancel --signal=USR1</c>) stops training at the next iteration with a checkpoint on every rank (the ranks agree
/// on the iteration, as for SIGTERM); rank 0 then runs <c>scontrol requeue $SLURM_JOB_ID</c>, and the job's next
/// start (<c>SLURM_RESTART_COUNT</c> &gt; 0) resumes from that checkpoint. <c>env_cfg.dist_cfg.requeue = false</c>
/// turns it off, leaving SIGUSR1 its default effect.
/// </summary>
internal static class SlurmRequeue
{
    /// <summary>The signal's name, as the runner reports the stop.</summary>
    public const string SignalName = "SIGUSR1";

    /// <summary>SIGUSR1 (10 on Linux), which .NET has no name for.</summary>
    public static PosixSignal Signal => (PosixSignal)10;

    /// <summary>The Slurm job this process belongs to, or null outside Slurm.</summary>
    private static string? JobId => Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } id ? id : null;

    /// <summary>Whether this run answers SIGUSR1 by saving and requeuing: in a Slurm job, on Linux, unless turned off.</summary>
    public static bool Handles(TrainingRunner runner) => OperatingSystem.IsLinux() && JobId is not null && runner.Env.RequeuesOnSlurmSignal;

    /// <summary>Whether this is a Slurm job's start after a requeue (so training resumes), unless requeuing is off.</summary>
    public static bool IsRequeuedRun(ConfigTable cfg) =>
        JobId is not null
        && int.TryParse(Environment.GetEnvironmentVariable("SLURM_RESTART_COUNT"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var restarts)
        && restarts > 0
        && JobConfig.RequeuesOnSlurmSignal(cfg);

    /// <summary>
    /// Requeues the job (Slurm then ends this one's processes), saying so on <paramref name="output"/> first, since the
    /// requeue may end this process before it returns; a failed requeue is said on <paramref name="errors"/>.
    /// </summary>
    /// <returns>Whether the job was requeued.</returns>
    public static bool Requeue(string checkpoint, TextWriter output, TextWriter errors)
    {
        output.WriteLine($"Requeuing Slurm job {JobId} (scontrol requeue): its next start resumes from {checkpoint}.");
        output.Flush();
        string? failure;
        try
        {
            var start = new ProcessStartInfo("scontrol") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "requeue", JobId! }) start.ArgumentList.Add(argument);
            using var scontrol = Process.Start(start)!;
            var error = scontrol.StandardError.ReadToEndAsync();
            scontrol.StandardOutput.ReadToEnd();
            failure = !scontrol.WaitForExit(TimeSpan.FromSeconds(60)) ? "scontrol requeue did not answer within 60 s"
                : scontrol.ExitCode != 0 ? $"scontrol requeue failed ({error.Result.Trim()})"
                : null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            failure = $"scontrol could not be started ({e.Message})";
        }
        if (failure is null)
        {
            output.WriteLine("Requeued.");
            return true;
        }
        errors.WriteLine($"error: {failure}; resume by hand with --resume.");
        return false;
    }
}
