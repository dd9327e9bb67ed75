using Runner.Tests.Support;

namespace Runner.Tests.Distributed;

/// <summary>
/// <c>launcher = "slurm"</c> for real: <c>build/slurm-check</c> starts a one-node Slurm on this machine (as root,
/// installing Debian's packages when missing; a few seconds once installed) and trains the toy job with
/// <c>srun -n 2 --mpi=pmix</c>, which must give one world of 2 ranks and MMEngine's accuracy; then sends SIGUSR1 to a
/// batch job of the default job, which must save, requeue itself, and resume to an uninterrupted run's weights.
/// </summary>
[TestClass]
public sealed class SlurmTests
{
    [TestMethod]
    public void SrunOfTwoTasks_TrainsAsOneWorldOfTwo_AndSigusr1RequeuesTheJobToResumeExactly()
    {
        // Arrange
        MpiRun.RequireOpenMpi();
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
            Assert.Inconclusive("build/slurm-check starts Slurm's daemons: it needs root and apt-get.");
        var host = Path.Combine(TestEnvironment.RepoRoot, "host", "bin", DotnetCli.Configuration, "net10.0", "runner-host.dll");

        // Act
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(TestEnvironment.RepoRoot, "build", "slurm-check"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot,
        };
        foreach (var arg in (string[])["--host-dll", host]) start.ArgumentList.Add(arg);
        using var check = System.Diagnostics.Process.Start(start)!;
        var errors = check.StandardError.ReadToEndAsync();
        var output = check.StandardOutput.ReadToEnd();
        Assert.IsTrue(check.WaitForExit(TimeSpan.FromMinutes(6)), "build/slurm-check did not end");

        // Assert: exit 3 means Slurm itself could not be installed or started on this machine.
        if (check.ExitCode == 3) Assert.Inconclusive($"Slurm could not be started here: {errors.Result}");
        Assert.AreEqual(0, check.ExitCode, output + errors.Result);
        StringAssert.Contains(output, "Distributed launcher: slurm");
        StringAssert.Contains(output, "World size: 2");
        StringAssert.Contains(output, "accuracy/top1: 35.0586");
        StringAssert.Contains(output, "slurm-check passed: srun -n 2 trained the toy job as one world of 2 ranks");
        // SIGUSR1 to a batch job (scancel --signal=USR1): saved, requeued, resumed, and bit for bit an uninterrupted run.
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"Requeuing Slurm job \d+ \(scontrol requeue\): its next start resumes from \S+interrupted_iter_\d+\.ckpt"));
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"resumed epoch: \d+, iter: \d+"));
        StringAssert.Contains(output, "and its next start resumed to the uninterrupted run's weights, bit for bit.");
    }
}
