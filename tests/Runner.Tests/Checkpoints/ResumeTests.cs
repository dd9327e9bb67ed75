using Runner.Tests.Support;

namespace Runner.Tests.Checkpoints;

[TestClass]
public sealed class ResumeTests
{
    [TestMethod]
    public void ResumeFromEpoch2_GivesIdenticalWeightsToAnUninterruptedRun()
    {
        // Arrange: an uninterrupted 3-epoch run keeps epoch_2 and epoch_3.
        var straight = TestEnvironment.NewTempDir("straight");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", straight).ExitCode);
        var resumed = TestEnvironment.NewTempDir("resumed");

        // Act: a second run starts from epoch_2 and trains epoch 3.
        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", resumed,
            "--resume", Path.Combine(straight, "epoch_2.ckpt"));

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "resumed epoch: 2, iter: 256");
        Assert.IsFalse(result.Stdout.Contains("Epoch(train) [1]"), "epochs 1 and 2 must not run again");
        CheckpointAssert.SameWeights(Path.Combine(straight, "epoch_3.ckpt"), Path.Combine(resumed, "epoch_3.ckpt"));
        Assert.AreEqual(35.05859375, RunRecords.Scalars(resumed, "accuracy/top1").Single(), 1e-4);
    }

    [TestMethod]
    public void AConfigWithoutSeed_ResumesWithTheSeedItsFirstPartDrew()
    {
        // Arrange: the toy job without randomness.seed, so each start draws one; its first part trains one epoch.
        var dir = TestEnvironment.NewTempDir("noseed");
        var config = Path.Combine(dir, "noseed.toml");
        File.WriteAllText(config, $"_base_ = [\"{TestEnvironment.ToyConfig}\"]\n[randomness]\n_delete_ = true\n");
        var resumed = Path.Combine(dir, "resumed");
        var first = HostTester.Run("train", "--config", config, "--work-dir", resumed, "--cfg-options", "train_cfg.max_epochs=1");
        Assert.AreEqual(0, first.ExitCode, first.Stderr);
        var seed = System.Text.RegularExpressions.Regex.Match(first.Stdout, @"· seed (\d+)").Groups[1].Value;

        // Act: resume to 3 epochs (drawing no new seed), and run 3 epochs straight with the seed the first part logged.
        var second = HostTester.Run("train", "--config", config, "--work-dir", resumed, "--resume");
        var straight = Path.Combine(dir, "straight");
        var uninterrupted = HostTester.Run("train", "--config", config, "--work-dir", straight, "--cfg-options", $"randomness.seed={seed}");

        // Assert
        Assert.AreEqual(0, second.ExitCode, second.Stderr);
        Assert.AreEqual(0, uninterrupted.ExitCode, uninterrupted.Stderr);
        StringAssert.Contains(second.Stdout, $"· seed {seed}");
        Assert.IsFalse(second.Stdout.Contains("differs from", StringComparison.Ordinal), second.Stdout);
        CheckpointAssert.SameWeights(Path.Combine(straight, "epoch_3.ckpt"), Path.Combine(resumed, "epoch_3.ckpt"));
        CollectionAssert.AreEqual(RunRecords.Scalars(straight, "loss"), RunRecords.Scalars(resumed, "loss"), "the losses of every logged step");
    }

    [TestMethod]
    public void ResumingPastTheConfigsEnd_SaysNothingIsLeftToTrain()
    {
        var workDir = TrainedToy.WorkDir(3);
        var copy = TestEnvironment.NewTempDir("past-end");
        File.Copy(Path.Combine(workDir, "epoch_3.ckpt"), Path.Combine(copy, "epoch_3.ckpt"));

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", copy, "--resume", Path.Combine(copy, "epoch_3.ckpt"),
            "--cfg-options", "train_cfg.max_epochs=2");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "The checkpoint is at epoch 3, and this config ends at max_epochs = 2: nothing is left to train. Raise train_cfg.max_epochs to train on.");
        Assert.IsFalse(result.Stdout.Contains("Epoch(train)", StringComparison.Ordinal));
    }

    [TestMethod]
    public void AutoResume_WithoutCheckpoint_TrainsFromScratch()
    {
        var workDir = TestEnvironment.NewTempDir("auto");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--resume",
            "--cfg-options", "train_cfg.max_epochs=1");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "no checkpoint found, training from scratch");
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "epoch_1.ckpt")));
    }

    [TestMethod]
    public void DefaultJob_KilledDuringEpoch3_ResumesAndCompletes()
    {
        // Arrange: the real executable, killed with SIGKILL once epoch 3 is under way.
        var workDir = TestEnvironment.NewTempDir("killed");
        using (var process = HostTester.Start("--config", TestEnvironment.DigitsConfig, "--work-dir", workDir))
        {
            var errors = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            var sawEpoch3 = false;
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (!line.Contains("Epoch(train)", StringComparison.Ordinal) || !line.Contains("[3][", StringComparison.Ordinal)) continue;
                sawEpoch3 = true;
                process.Kill();
                break;
            }
            process.WaitForExit();
            Assert.IsTrue(sawEpoch3, "the job ended before epoch 3: " + errors);
        }
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "last_checkpoint")));
        Assert.IsFalse(File.Exists(Path.Combine(workDir, "epoch_3.ckpt")), "killed during epoch 3: no epoch_3 checkpoint yet");

        // Act
        var result = HostTester.Run("--config", TestEnvironment.DigitsConfig, "--work-dir", workDir, "--resume");

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "resumed epoch: 2");
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "epoch_20.ckpt")));
        var testAccuracy = RunRecords.TestMetrics(workDir)["accuracy/top1"];
        Assert.IsGreaterThanOrEqualTo(98.0, testAccuracy);
        Assert.IsEmpty(Directory.GetFiles(workDir, "*.tmp"), "no half-written checkpoint may remain");
    }

    [TestMethod]
    public void ResumeWithMoreEpochs_BehavesAsIfConfiguredFromTheStart()
    {
        // Arrange: a 2-epoch run; MultiStepLR [1, 2] leaves its end to the run's length.
        var straight = TestEnvironment.NewTempDir("extend-straight");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", straight).ExitCode);
        var extended = TestEnvironment.NewTempDir("extend");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", extended, "--cfg-options", "train_cfg.max_epochs=2").ExitCode);

        // Act: resume the same work_dir with 3 epochs.
        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", extended, "--resume");

        // Assert: the milestone at epoch 2 (cut off by the shorter run's end) applies, and the weights match a 3-epoch run.
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "Epoch(train) [3][ 50/128]  lr: 1.0000e-04");
        CheckpointAssert.SameWeights(Path.Combine(straight, "epoch_3.ckpt"), Path.Combine(extended, "epoch_3.ckpt"));
    }

    [TestMethod]
    public void ResumeWithChangedSeedOrSchedule_SaysWhatDiffers()
    {
        var first = TestEnvironment.NewTempDir("changed");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", first, "--cfg-options", "train_cfg.max_epochs=1").ExitCode);

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", first, "--resume",
            "--cfg-options", "randomness.seed=7", "param_scheduler=[{ type = \"MultiStepLR\", milestones = [2], by_epoch = true }]");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "randomness.seed is 7, but the checkpoint's run used 0: the resumed run continues with 0");
        StringAssert.Contains(result.Stdout, "· seed 0");
        StringAssert.Contains(result.Stdout, "The parameter schedule differs from the checkpoint's run");
    }

    [TestMethod]
    public void FailedCheckpointWrite_NamesThePath_AndKeepsTheEarlierOnes()
    {
        var workDir = TestEnvironment.NewTempDir("failed-write");
        var blocker = Path.Combine(workDir, "blocked");
        File.WriteAllText(blocker, "a file where the checkpoint folder should be");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options",
            $"default_hooks.checkpoint.out_dir=\"{blocker}\"");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, blocker);
        Assert.IsFalse(Directory.EnumerateFiles(workDir, "*.tmp", SearchOption.AllDirectories).Any(), "no half-written file");
    }
}
