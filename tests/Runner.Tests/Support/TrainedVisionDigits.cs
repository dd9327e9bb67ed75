namespace Runner.Tests.Support;

/// <summary>
/// configs/vision-digits.toml as docs/vision.md runs it — the bundled digits written as PNG class folders, ResNet-18
/// trained from scratch — run once per test run: the example's own test reads its output, and the inference tests
/// use its checkpoint and images.
/// </summary>
public static class TrainedVisionDigits
{
    private static readonly Lazy<(string Data, string WorkDir, HostTester.Result Written, HostTester.Result Run)> Made = new(() =>
    {
        var data = Path.Combine(TestEnvironment.NewTempDir("vision-example"), "digits-png");
        var written = HostTester.Run("data", "digits-to-folder", data);
        var workDir = TestEnvironment.NewTempDir("vision-work");
        // The example config, with only its folders moved.
        var run = HostTester.Run("--config", Path.Combine(TestEnvironment.RepoRoot, "configs", "vision-digits.toml"), "--cfg-options",
            $"work_dir='{workDir}'", $"train_dataloader.dataset.data_root='{data}/train'", $"val_dataloader.dataset.data_root='{data}/val'",
            $"test_dataloader.dataset.data_root='{data}/test'");
        return (data, workDir, written, run);
    });

    /// <summary>The digits as PNGs: <c>train/</c>, <c>val/</c>, <c>test/</c>, a folder per digit.</summary>
    public static string Data => Made.Value.Data;

    /// <summary>The training run's work dir (its checkpoints and records).</summary>
    public static string WorkDir => Made.Value.WorkDir;

    /// <summary>What <c>data digits-to-folder</c> printed.</summary>
    public static HostTester.Result Written => Made.Value.Written;

    /// <summary>What the training run printed.</summary>
    public static HostTester.Result Run => Made.Value.Run;

    /// <summary>The config the run trained with, its folders moved to <see cref="Data"/> (what predict and test need).</summary>
    public static string[] CfgOptions => [$"test_dataloader.dataset.data_root='{Data}/test'"];

    /// <summary>The run's newest checkpoint, after asserting the run succeeded.</summary>
    public static string Checkpoint
    {
        get
        {
            Assert.AreEqual(0, Run.ExitCode, Run.Stderr);
            return Path.Combine(WorkDir, File.ReadAllText(Path.Combine(WorkDir, "last_checkpoint")).Trim());
        }
    }
}
