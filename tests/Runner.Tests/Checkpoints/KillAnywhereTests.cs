namespace Runner.Tests.Checkpoints;

using System.Diagnostics;
using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

/// <summary>
/// Exactness: the default job (a CNN with dropout) is killed with SIGKILL at ten points spread over the run —
/// epoch-based with one loader worker and with none, iteration-based, sometimes while a checkpoint is being written —
/// and each resumed run must end with weights bit-identical to the uninterrupted run's.
/// </summary>
[TestClass]
public sealed class KillAnywhereTests
{
    private static readonly string[] EpochJob = ["--config", TestEnvironment.DigitsConfig, "--cfg-options", "train_cfg.max_epochs=8"];

    private static readonly string[] EpochJobWithoutWorkers = [.. EpochJob, "train_dataloader.num_workers=0"];

    private static readonly string[] IterJob =
    [
        "--config", TestEnvironment.DigitsConfig, "--cfg-options", "train_cfg={ by_epoch = false, max_iters = 320, val_interval = 80 }",
        "param_scheduler=[{ type = \"MultiStepLR\", milestones = [200], by_epoch = false }]", "default_hooks.checkpoint.interval=20",
    ];

    [TestMethod]
    public void KilledAtTenPoints_EachResumedRunEndsBitIdentical()
    {
        // Arrange: the uninterrupted runs.
        var references = new Dictionary<string, string>
        {
            ["epoch"] = TestEnvironment.NewTempDir("kill-ref-epoch"),
            ["iter"] = TestEnvironment.NewTempDir("kill-ref-iter"),
            ["epoch, no workers"] = TestEnvironment.NewTempDir("kill-ref-epoch0"),
        };
        var jobs = new Dictionary<string, string[]> { ["epoch"] = EpochJob, ["iter"] = IterJob, ["epoch, no workers"] = EpochJobWithoutWorkers };
        foreach (var (kind, job) in jobs) Assert.AreEqual(0, HostTester.Run(["train", .. job, "--work-dir", references[kind]]).ExitCode);
        var random = new Random(20261126);

        for (var point = 0; point < 10; point++)
        {
            // Act: kill after a random log line (every 20 iterations) plus a random delay, then resume.
            var kind = point switch { < 4 => "epoch", < 7 => "iter", _ => "epoch, no workers" };
            var job = jobs[kind];
            var workDir = TestEnvironment.NewTempDir($"kill-{point}");
            var afterLines = random.Next(1, 15);
            var delay = random.Next(0, 120);
            var killed = KillDuring(job, workDir, afterLines, delay);
            var resumed = HostTester.Run(["train", .. job, "--work-dir", workDir, "--resume"]);

            // Assert
            Assert.AreEqual(0, resumed.ExitCode, $"point {point} ({kind}, line {afterLines} + {delay} ms): {resumed.Stderr}");
            var final = kind == "iter" ? "iter_320.ckpt" : "epoch_8.ckpt";
            using var expected = CheckpointFile.Load(Path.Combine(references[kind], final));
            using var actual = CheckpointFile.Load(Path.Combine(workDir, final));
            foreach (var (name, tensor) in expected.StateDict)
                CollectionAssert.AreEqual(tensor.bytes.ToArray(), actual.StateDict[name].bytes.ToArray(),
                    $"point {point} ({kind}, killed {(killed ? "mid-run" : "after the end")}, line {afterLines} + {delay} ms): {name} differs");
        }
    }

    /// <summary>Runs the job in its own process and SIGKILLs it once <paramref name="afterLines"/> train lines were logged, plus a delay. False if it ended first.</summary>
    private static bool KillDuring(string[] job, string workDir, int afterLines, int delayMs)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot };
        foreach (var arg in new[] { Path.Combine(TestEnvironment.RepoRoot, "host", "bin", configuration, "net10.0", "runner-host.dll"), "train" }
                     .Concat(job).Concat(["--work-dir", workDir])) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        var seen = 0;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if ((line.Contains("Epoch(train)", StringComparison.Ordinal) || line.Contains("Iter(train)", StringComparison.Ordinal)) && ++seen == afterLines)
            {
                Thread.Sleep(delayMs);
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                    return false; // it had already ended
                }
                break;
            }
        }
        process.WaitForExit();
        return seen >= afterLines;
    }
}
