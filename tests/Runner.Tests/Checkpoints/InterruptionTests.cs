using System.Diagnostics;
using Runner.Sdk;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Checkpoints;

/// <summary>What a run leaves behind when it is stopped (a signal) or crashes, and how auto-resume copes with a bad checkpoint.</summary>
[TestClass]
public sealed class InterruptionTests
{
    private static TrainingRunner Failing(string workDir, bool poison)
    {
        var cfg = TinyJob.Config(workDir, """
            train_cfg = { max_epochs = 3 }
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
            """, withVal: false);
        cfg.Set("model", new MisbehavingModel { ThrowAt = 5, PoisonWeights = poison }, SourceLocation.Code);
        return TinyJob.Build(cfg);
    }

    [TestMethod]
    public void CrashMidRun_SavesAnEmergencyCheckpointToResumeFrom()
    {
        var workDir = TestEnvironment.NewTempDir("crash");
        using var runner = Failing(workDir, poison: false);

        var error = Assert.ThrowsExactly<ComponentException>(runner.Train);

        StringAssert.Contains(error.Message, "failure on purpose");
        var saved = Path.Combine(workDir, "interrupted_iter_5.ckpt");
        Assert.AreEqual(Path.GetFileName(saved), File.ReadAllText(Path.Combine(workDir, "last_checkpoint")));
        using var checkpoint = CheckpointFile.Load(saved);
        Assert.AreEqual(5L, checkpoint.Meta["iter"]);
        Assert.AreEqual(1L, checkpoint.Meta["epoch"], "iteration 5 is in the second epoch (index 1) of 4 iterations each");
    }

    [TestMethod]
    public void CrashWithNonFiniteWeights_SavesNothing()
    {
        var workDir = TestEnvironment.NewTempDir("crash-nan");
        using var runner = Failing(workDir, poison: true);

        Assert.ThrowsExactly<ComponentException>(runner.Train);

        Assert.IsFalse(File.Exists(Path.Combine(workDir, "interrupted_iter_5.ckpt")));
        Assert.AreEqual("epoch_1.ckpt", File.ReadAllText(Path.Combine(workDir, "last_checkpoint")));
    }

    [TestMethod]
    public void AutoResume_SkipsACorruptNewestCheckpoint_AndSaysSo()
    {
        var workDir = TestEnvironment.NewTempDir("corrupt");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=2").ExitCode);
        var newest = Path.Combine(workDir, "epoch_2.ckpt");
        var bytes = File.ReadAllBytes(newest);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--resume");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "epoch_2.ckpt' is corrupt or truncated: the file does not match its checksum (its header or its data changed after it was written). Trying an older checkpoint.");
        StringAssert.Contains(result.Stdout, "resumed epoch: 1, iter: 128");
        Assert.AreEqual(35.05859375, RunRecords.Scalars(workDir, "accuracy/top1").Last(), 1e-4, "the run ends as an uninterrupted one");
    }

    [TestMethod]
    public void Sigterm_FinishesTheIteration_SavesACheckpoint_Exits143_AndTheResumedRunMatches()
    {
        // Arrange: the uninterrupted digits job (6 epochs) is the reference.
        string[] job = ["--config", TestEnvironment.DigitsConfig, "--cfg-options", "train_cfg.max_epochs=6"];
        var straight = TestEnvironment.NewTempDir("sigterm-straight");
        Assert.AreEqual(0, HostTester.Run(["train", .. job, "--work-dir", straight]).ExitCode);
        var workDir = TestEnvironment.NewTempDir("sigterm");

        // Act: SIGTERM once epoch 3 is under way.
        int exitCode;
        string stderr;
        using (var process = HostTester.Start(["train", .. job, "--work-dir", workDir]))
        {
            var errors = process.StandardError.ReadToEndAsync();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (!line.Contains("Epoch(train)", StringComparison.Ordinal) || !line.Contains("[3][", StringComparison.Ordinal)) continue;
                Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
                break;
            }
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            exitCode = process.ExitCode;
            stderr = errors.Result;
        }
        var pointer = File.ReadAllText(Path.Combine(workDir, "last_checkpoint"));
        var resumed = HostTester.Run(["train", .. job, "--work-dir", workDir, "--resume"]);

        // Assert
        Assert.AreEqual(143, exitCode, stderr);
        StringAssert.Contains(stderr, "Training stopped on SIGTERM; resume with --resume");
        StringAssert.StartsWith(Path.GetFileName(pointer), "interrupted_iter_");
        Assert.AreEqual(0, resumed.ExitCode, resumed.Stderr);
        CheckpointAssert.SameWeights(Path.Combine(straight, "epoch_6.ckpt"), Path.Combine(workDir, "epoch_6.ckpt"), "after the interrupted run resumed: ");
        CollectionAssert.AreEquivalent(new[] { "epoch_4.ckpt", "epoch_5.ckpt", "epoch_6.ckpt" }, Directory.GetFiles(workDir, "*.ckpt").Select(Path.GetFileName).ToArray(),
            "max_keep_ckpts (3) retired the interrupted checkpoint in its turn");
    }
}
