using Runner.Sdk.Native;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Host.Trust;

/// <summary>
/// Paths Runner writes are resolved, links included, and confined: to the work dir, or for <c>--out</c> to the file
/// named. A device or a FIFO named as <c>--out</c> is written to, never replaced; a link is refused; nothing is written
/// into a work dir before its lock is held, and never through a link planted there.
/// </summary>
[TestClass]
public sealed class WritesOutsideTheWorkDirTests
{
    private static string Checkpoint => Path.Combine(TrainedToy.WorkDir(1), "epoch_1.ckpt");

    private static HostTester.Result Toy(string workDir, params string[] extra) =>
        HostTester.Run(["train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=1", .. extra]);

    [TestMethod]
    public void OutNamingADevice_IsWrittenToInPlace_NeverReplaced()
    {
        // A device node of our own with /dev/null's numbers (1, 3), so no test ever risks the system's.
        var dir = TestEnvironment.NewTempDir("out-device");
        var device = Path.Combine(dir, "null");
        SpecialFiles.CharacterDevice(device, 1, 3);

        var export = HostTester.Run("export", "--checkpoint", Checkpoint, "--out", device, "--format", "safetensors");
        var predict = HostTester.Run("predict", "--config", TestEnvironment.ToyConfig, "--checkpoint", Checkpoint, "--out", device, "--work-dir", Path.Combine(dir, "work"));

        Assert.AreEqual(0, export.ExitCode, export.Stderr);
        Assert.AreEqual(0, predict.ExitCode, predict.Stderr);
        Assert.AreEqual(FileKind.CharacterDevice, FileKinds.OfEntry(device), "the device node is still a device node");
        CollectionAssert.AreEquivalent(new[] { "null", "work" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray(), "no temporary file beside it");
    }

    [TestMethod]
    public void OutNamingAFullDevice_IsOneLine_NamingTheFile()
    {
        var dir = TestEnvironment.NewTempDir("out-full");
        var full = Path.Combine(dir, "full");
        SpecialFiles.CharacterDevice(full, 1, 7); // /dev/full's numbers

        var result = HostTester.Run("export", "--checkpoint", Checkpoint, "--out", full, "--format", "pt");

        Refusal.AssertOneLine(result, $"--out: could not write to '{full}' (a character device)");
        Assert.AreEqual(FileKind.CharacterDevice, FileKinds.OfEntry(full));
    }

    [TestMethod]
    public void OutNamingAFifo_IsWrittenThroughThePipe_WhichStaysAPipe()
    {
        var dir = TestEnvironment.NewTempDir("out-fifo");
        var fifo = Path.Combine(dir, "weights.pipe");
        SpecialFiles.Fifo(fifo);
        var reader = Task.Run(() => File.ReadAllBytes(fifo));

        var result = HostTester.Run("export", "--checkpoint", Checkpoint, "--out", fifo, "--format", "safetensors");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsTrue(reader.Wait(TimeSpan.FromMinutes(1)), "the reader got the end of the pipe");
        Assert.IsGreaterThan(1000, reader.Result.Length, "the weights came through the pipe");
        Assert.AreEqual(FileKind.Fifo, FileKinds.OfEntry(fifo));
    }

    [TestMethod]
    public void OutNamingALink_IsRefused_AndNeitherLinkNorTargetChanges()
    {
        var dir = TestEnvironment.NewTempDir("out-link");
        var target = Path.Combine(dir, "precious.txt");
        File.WriteAllText(target, "keep me");
        var link = Path.Combine(dir, "out.jsonl");
        File.CreateSymbolicLink(link, target);
        var before = FolderSnapshot.Of(dir);

        var predict = HostTester.Run("predict", "--config", TestEnvironment.ToyConfig, "--checkpoint", Checkpoint, "--out", link, "--work-dir", Path.Combine(dir, "work"));
        var export = HostTester.Run("export", "--checkpoint", Checkpoint, "--out", link, "--format", "pt");

        Refusal.AssertOneLine(predict, $"--out: '{link}' is a symbolic link (to '{target}')");
        Refusal.AssertOneLine(export, $"--out: '{link}' is a symbolic link");
        FolderSnapshot.AssertUnchanged(before, dir);
    }

    [TestMethod]
    public void ExportOverTheCheckpointItReads_IsRefused_AndTheCheckpointKept()
    {
        var dir = TestEnvironment.NewTempDir("export-self");
        var checkpoint = Path.Combine(dir, "epoch_1.ckpt");
        File.Copy(Checkpoint, checkpoint);
        var before = FolderSnapshot.Of(dir);

        var result = HostTester.Run("export", "--checkpoint", checkpoint, "--out", checkpoint, "--format", "safetensors");

        Refusal.AssertOneLine(result, $"--out names the checkpoint being exported ('{checkpoint}')");
        FolderSnapshot.AssertUnchanged(before, dir, "the checkpoint is as it was");
    }

    [TestMethod]
    public void AWorkDirLinkedIntoASystemFolder_IsRefused_BeforeAnythingIsWritten()
    {
        var dir = TestEnvironment.NewTempDir("wd-link");
        var link = Path.Combine(dir, "wd");
        File.CreateSymbolicLink(link, "/etc");
        var etc = Directory.GetFileSystemEntries("/etc").Order().ToList();

        var direct = Toy(link);
        var below = Toy(Path.Combine(link, "job"));

        Refusal.AssertOneLine(direct, $"'{link}' (through a link, it is '/etc') is a system or shared folder");
        Refusal.AssertOneLine(below, "(through a link, it is '/etc/job') is a system or shared folder");
        CollectionAssert.AreEqual(etc, Directory.GetFileSystemEntries("/etc").Order().ToList(), "nothing was added to /etc");
    }

    [TestMethod]
    public void AnEmptyWorkDir_IsOneLine()
    {
        Refusal.AssertOneLine(HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", ""), "work_dir: is empty.");
    }

    [TestMethod]
    public void ALockFileLinkedOutside_IsRefused_AndItsTargetKept()
    {
        var (outside, workDir) = OutsideAndWorkDir("lock-link", "precious.txt");
        File.CreateSymbolicLink(Path.Combine(workDir, WorkDirLockFileName), Path.Combine(outside, "precious.txt"));
        var before = FolderSnapshot.Of(outside);

        var result = Toy(workDir);

        Refusal.AssertOneLine(result, "lock file", "is a symbolic link");
        FolderSnapshot.AssertUnchanged(before, outside);
        CollectionAssert.AreEquivalent(new[] { WorkDirLockFileName }, Directory.GetFileSystemEntries(workDir).Select(Path.GetFileName).ToArray(), "a refused run wrote nothing");
    }

    private const string WorkDirLockFileName = ".runner.lock";

    /// <summary>A work dir and, beside it, a folder holding <paramref name="precious"/>: what a planted link would reach.</summary>
    private static (string Outside, string WorkDir) OutsideAndWorkDir(string name, string precious)
    {
        var dir = TestEnvironment.NewTempDir(name);
        var outside = Path.Combine(dir, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, precious), "keep = true\n");
        var workDir = Path.Combine(dir, "work");
        Directory.CreateDirectory(workDir);
        return (outside, workDir);
    }

    [TestMethod]
    public void LinksPlantedAtTheNextRunsNames_AreStepsAround_NotWrittenThrough()
    {
        // Arrange: links named like the log folder and config dump of a run starting in the next ten seconds.
        var (outside, workDir) = OutsideAndWorkDir("planted", "precious.toml");
        for (var second = 0; second < 10; second++)
        {
            var stamp = DateTime.Now.AddSeconds(second).ToString("yyyyMMdd_HHmmss", System.Globalization.CultureInfo.InvariantCulture);
            Directory.CreateSymbolicLink(Path.Combine(workDir, stamp), outside);
            File.CreateSymbolicLink(Path.Combine(workDir, stamp + ".toml"), Path.Combine(outside, "precious.toml"));
        }
        var before = FolderSnapshot.Of(outside);

        // Act
        var result = Toy(workDir);

        // Assert: the run trained, in a log folder of its own, and the links' targets are untouched.
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        FolderSnapshot.AssertUnchanged(before, outside);
        var logDir = Assert.ContainsSingle(RunRecords.LogDirs(workDir));
        StringAssert.EndsWith(logDir, "_1", "the run stepped around the planted name");
        Assert.AreEqual(FileKind.Directory, FileKinds.OfEntry(logDir));
    }

    [TestMethod]
    public void ARunStartedInTheSameSecond_ClaimsALogFolderOfItsOwn()
    {
        var workDir = TestEnvironment.NewTempDir("same-second");

        var first = WorkDirGuard.ClaimLogDir(workDir, "20261207_101500", null);
        var second = WorkDirGuard.ClaimLogDir(workDir, "20261207_101500", null);

        Assert.AreEqual("20261207_101500", first);
        Assert.AreEqual("20261207_101500_1", second);
    }

    [TestMethod]
    public void ASecondTrainingRun_IsRefusedBeforeItWritesAnything()
    {
        // Arrange: a first run under way (its first training line printed).
        var workDir = TestEnvironment.NewTempDir("second-run");
        using var first = HostTester.Start("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=1000");
        var lines = new OutputLines(first.StandardOutput);
        _ = first.StandardError.ReadToEndAsync();
        try
        {
            lines.WaitFor("Epoch(train)", TimeSpan.FromMinutes(2));
            var log = Path.Combine(RunRecords.LogDirs(workDir).Single(), Path.GetFileName(RunRecords.LogDirs(workDir).Single()) + ".log");
            var linesOfFirst = File.ReadAllLines(log).Length;

            // Act
            var second = Toy(workDir);

            // Assert: refused, and nothing of it in the work dir, nor in the first run's log.
            Refusal.AssertOneLine(second, "is in use by another training run");
            Assert.ContainsSingle(RunRecords.LogDirs(workDir), "the refused run made no log folder");
            Assert.ContainsSingle(Directory.GetFiles(workDir, "*.toml"), "the refused run wrote no config dump");
            Assert.IsFalse(File.ReadAllLines(log).Skip(linesOfFirst).Any(l => l.Contains("System environment", StringComparison.Ordinal)), "no stray header in the first run's log");
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
    }
}
