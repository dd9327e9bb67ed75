using Runner.Tests.Support;

namespace Runner.Tests.Checkpoints;

/// <summary>
/// Exactness: the default job (a CNN with dropout) is killed with SIGKILL at ten points spread over the run —
/// epoch-based with one loader worker and with none, iteration-based, sometimes while a checkpoint is being written —
/// and each resumed run must end with weights bit-identical to the uninterrupted run's.
/// </summary>
[TestClass]
public sealed class KillAnywhereTests
{
    // Four epochs of 40 iterations (8 train log lines), and 160 iterations by iteration: long enough for kills at
    // every kind of point (mid-epoch, at an epoch's end, during validation and saves), short enough to run ten of them.
    private static readonly string[] EpochJob = ["--config", TestEnvironment.DigitsConfig, "--cfg-options", "train_cfg.max_epochs=4"];

    private static readonly string[] EpochJobWithoutWorkers = [.. EpochJob, "train_dataloader.num_workers=0"];

    /// <summary>The epoch job with a wide hidden layer (1M weights): its checkpoints take milliseconds to write, a window
    /// a polling test can hit (the default model's are written in a fraction of one).</summary>
    private static readonly string[] WideEpochJob = ["--config", TestEnvironment.DigitsConfig, "--cfg-options", "train_cfg.max_epochs=5", "model.hidden=4096"];

    private static readonly string[] IterJob =
    [
        "--config", TestEnvironment.DigitsConfig, "--cfg-options", "train_cfg={ by_epoch = false, max_iters = 160, val_interval = 40 }",
        "param_scheduler=[{ type = \"MultiStepLR\", milestones = [100], by_epoch = false }]", "default_hooks.checkpoint.interval=20",
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
            var afterLines = random.Next(1, 8);
            var delay = random.Next(0, 120);
            var killed = KillDuring(job, workDir, afterLines, delay);
            var resumed = HostTester.Run(["train", .. job, "--work-dir", workDir, "--resume"]);

            // Assert
            Assert.AreEqual(0, resumed.ExitCode, $"point {point} ({kind}, line {afterLines} + {delay} ms): {resumed.Stderr}");
            var final = kind == "iter" ? "iter_160.ckpt" : "epoch_4.ckpt";
            CheckpointAssert.SameWeights(Path.Combine(references[kind], final), Path.Combine(workDir, final),
                $"point {point} ({kind}, killed {(killed ? "mid-run" : "after the end")}, line {afterLines} + {delay} ms): ");
        }
    }

    [TestMethod]
    public void KilledWhileWritingACheckpoint_ResumesFromThePreviousOne_BitIdentical()
    {
        // Arrange: the uninterrupted run, then one killed the moment a checkpoint's temporary file appears.
        var reference = TestEnvironment.NewTempDir("kill-save-ref");
        Assert.AreEqual(0, HostTester.Run(["train", .. WideEpochJob, "--work-dir", reference]).ExitCode);
        // Act: the save takes milliseconds, so a busy machine may let it finish first; then try again, up to three times.
        string workDir;
        var caughtInsideSave = false;
        var attempt = 0;
        do
        {
            workDir = TestEnvironment.NewTempDir("kill-save");
            caughtInsideSave = KillWhileSaving(WideEpochJob, workDir, saveNumber: 3 + attempt);
        }
        while (!caughtInsideSave && ++attempt < 3);
        var resumed = HostTester.Run(["train", .. WideEpochJob, "--work-dir", workDir, "--resume"]);

        // Assert: the kill landed between the temporary file's creation and its rename (the half-written file was left
        // behind, and no epoch_3.ckpt appeared), and the resumed run ends bit-identical.
        Assert.IsTrue(caughtInsideSave, "the kill did not land inside the save; the test proves nothing this time");
        Assert.AreEqual(0, resumed.ExitCode, resumed.Stderr);
        StringAssert.Contains(resumed.Stdout, $"epoch_{2 + attempt}.ckpt", "resumed from the last complete checkpoint");
        CheckpointAssert.SameWeights(Path.Combine(reference, "epoch_5.ckpt"), Path.Combine(workDir, "epoch_5.ckpt"));
    }

    /// <summary>
    /// Runs the job and SIGKILLs it as soon as the temporary file of its <paramref name="saveNumber"/>-th checkpoint
    /// appears. True when the kill landed inside that save: the temporary file is still there, and its checkpoint is not.
    /// </summary>
    private static bool KillWhileSaving(string[] job, string workDir, int saveNumber)
    {
        using var process = HostTester.Start(["train", .. job, "--work-dir", workDir]);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var temporary = $".epoch_{saveNumber}.ckpt.";
        bool TemporaryFileExists() =>
            Directory.Exists(workDir) && Directory.EnumerateFiles(workDir).Any(f => Path.GetFileName(f).StartsWith(temporary, StringComparison.Ordinal));
        while (!process.HasExited)
        {
            // Poll as fast as we can: the save of this small model takes a few milliseconds.
            if (TemporaryFileExists())
            {
                process.Kill();
                break;
            }
            Thread.SpinWait(1000);
        }
        process.WaitForExit();
        return TemporaryFileExists() && !File.Exists(Path.Combine(workDir, $"epoch_{saveNumber}.ckpt"));
    }

    /// <summary>Runs the job in its own process and SIGKILLs it once <paramref name="afterLines"/> train lines were logged, plus a delay. False if it ended first.</summary>
    private static bool KillDuring(string[] job, string workDir, int afterLines, int delayMs)
    {
        using var process = HostTester.Start(["train", .. job, "--work-dir", workDir]);
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
