namespace Runner.Tests.Support;

/// <summary>Toy work dirs trained once per test run, for tests that only read them (evaluate, export, corrupt copies).</summary>
public static class TrainedToy
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Lazy<string>> WorkDirs = new();

    /// <summary>A work dir holding <c>epoch_1.ckpt</c> … <c>epoch_N.ckpt</c> of the toy job and its last_checkpoint.</summary>
    public static string WorkDir(int epochs) => WorkDirs.GetOrAdd(epochs, n => new Lazy<string>(() =>
    {
        var workDir = TestEnvironment.NewTempDir($"trained-{n}");
        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", $"train_cfg.max_epochs={n}");
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        return workDir;
    })).Value;
}
