using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// A work dir belongs to one run at a time, nothing in it is lost, and nothing read from a checkpoint or a
/// pointer file reaches a path outside it.
/// </summary>
[TestClass]
public sealed class WorkDirTrustTests
{
    private static HostTester.Result Toy(string workDir, params string[] extra) =>
        HostTester.Run(["train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, .. extra]);

    private static Dictionary<string, string> Snapshot(string dir) => FolderSnapshot.Of(dir);

    private static void AssertNoStackTrace(HostTester.Result result)
    {
        Assert.AreNotEqual(70, result.ExitCode, result.Stderr);
        Assert.IsFalse(result.Stderr.Contains("   at ", StringComparison.Ordinal), result.Stderr);
    }

    [TestMethod]
    public void CraftedCheckpoint_NamingPathsOutsideTheWorkDir_DeletesNothingThere()
    {
        // Arrange: victims outside the work dir, one of them even a Runner checkpoint; a checkpoint whose message
        // hub names them as kept and best checkpoints, with a checksum that matches (as an attacker would make it).
        var root = TestEnvironment.NewTempDir("crafted");
        var source = Path.Combine(root, "source");
        Assert.AreEqual(0, Toy(source, "--cfg-options", "train_cfg.max_epochs=1").ExitCode);
        var victims = Path.Combine(root, "victims");
        Directory.CreateDirectory(victims);
        File.WriteAllText(Path.Combine(victims, "precious.txt"), "keep me");
        File.Copy(Path.Combine(source, "epoch_1.ckpt"), Path.Combine(victims, "theirs.ckpt"));
        var crafted = Path.Combine(root, "crafted.ckpt");
        using (var checkpoint = CheckpointFile.Load(Path.Combine(source, "epoch_1.ckpt")))
        {
            var info = (Dictionary<string, object>)((Dictionary<string, object>)checkpoint.State["message_hub"])["runtime_info"];
            info["keep_ckpts"] = new List<object> { Path.Combine(victims, "precious.txt"), Path.Combine(victims, "theirs.ckpt"), "../victims/theirs.ckpt" };
            info["best_ckpt_accuracy/top1"] = Path.Combine(victims, "theirs.ckpt");
            info["best_score_accuracy/top1"] = -1.0;
            info["last_ckpt"] = Path.Combine(victims, "theirs.ckpt");
            CheckpointFile.Save(checkpoint, crafted);
        }
        var before = Snapshot(victims);
        var workDir = Path.Combine(root, "work");

        // Act: resume with every option that deletes or publishes checkpoints.
        var result = Toy(workDir, "--resume", crafted, "--cfg-options", "train_cfg.max_epochs=3", "default_hooks.checkpoint.max_keep_ckpts=1",
            "default_hooks.checkpoint.save_best=\"auto\"", "default_hooks.checkpoint.published_keys=[\"meta\", \"state_dict\"]");

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.AreEquivalent(before.ToList(), Snapshot(victims).ToList(), "nothing outside the work dir changed");
        StringAssert.Contains(result.Stdout, "ignoring kept checkpoint");
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "epoch_3.ckpt")));
        Assert.IsFalse(File.Exists(Path.Combine(workDir, "epoch_2.ckpt")), "max_keep_ckpts still deletes the run's own checkpoints");
    }

    [TestMethod]
    public void LastCheckpoint_IsRelative_SoACopiedWorkDirResumesFromItsOwnFiles()
    {
        var root = TestEnvironment.NewTempDir("copied");
        var original = Path.Combine(root, "original");
        Assert.AreEqual(0, Toy(original, "--cfg-options", "train_cfg.max_epochs=2").ExitCode);
        var copy = Path.Combine(root, "copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(original)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        foreach (var file in Directory.GetFiles(original, "*.ckpt")) File.Delete(file);

        Assert.AreEqual("epoch_2.ckpt", File.ReadAllText(Path.Combine(copy, "last_checkpoint")));

        var result = Toy(copy, "--resume");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "resumed epoch: 2");
        Assert.IsTrue(File.Exists(Path.Combine(copy, "epoch_3.ckpt")));
        Assert.IsFalse(File.Exists(Path.Combine(original, "epoch_3.ckpt")));
    }

    [TestMethod]
    public void PointerOutsideTheWorkDir_IsIgnored_AndTheNewestCheckpointThereIsUsed()
    {
        var root = TestEnvironment.NewTempDir("pointer");
        var workDir = Path.Combine(root, "work");
        Assert.AreEqual(0, Toy(workDir, "--cfg-options", "train_cfg.max_epochs=2").ExitCode);
        var elsewhere = Path.Combine(root, "elsewhere");
        Assert.AreEqual(0, Toy(elsewhere, "--cfg-options", "train_cfg.max_epochs=1").ExitCode);
        File.WriteAllText(Path.Combine(workDir, "last_checkpoint"), "../elsewhere/epoch_1.ckpt");

        var result = Toy(workDir, "--resume");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "which is outside this work dir and its checkpoint folder: it is ignored");
        StringAssert.Contains(result.Stdout, "resumed epoch: 2");
    }

    [TestMethod]
    public void ResumeWithoutPointer_ResumesFromTheNewestCheckpoint_InsteadOfOverwritingIt()
    {
        var workDir = TestEnvironment.NewTempDir("nopointer");
        Assert.AreEqual(0, Toy(workDir, "--cfg-options", "train_cfg.max_epochs=2").ExitCode);
        File.Delete(Path.Combine(workDir, "last_checkpoint")); // a kill between the rename and the pointer update
        var epoch1 = File.ReadAllBytes(Path.Combine(workDir, "epoch_1.ckpt"));

        var result = Toy(workDir, "--resume");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "resumed epoch: 2");
        CollectionAssert.AreEqual(epoch1, File.ReadAllBytes(Path.Combine(workDir, "epoch_1.ckpt")), "epoch_1 is not trained again");
    }

    [TestMethod]
    public void ResumeWithAFolderAsPointer_ResumesFromTheNewestCheckpoint()
    {
        var workDir = TestEnvironment.NewTempDir("dirpointer");
        Assert.AreEqual(0, Toy(workDir, "--cfg-options", "train_cfg.max_epochs=2").ExitCode);
        File.Delete(Path.Combine(workDir, "last_checkpoint"));
        Directory.CreateDirectory(Path.Combine(workDir, "last_checkpoint"));

        var result = Toy(workDir, "--resume");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "is a folder, not the pointer file Runner writes");
        StringAssert.Contains(result.Stdout, "resumed epoch: 2");
    }

    [TestMethod]
    public void FreshRun_IntoAWorkDirWithCheckpoints_MovesThemAside_AndOverwritesNothing()
    {
        var workDir = TestEnvironment.NewTempDir("fresh");
        Assert.AreEqual(0, Toy(workDir, "--cfg-options", "train_cfg.max_epochs=1").ExitCode);
        var earlier = File.ReadAllBytes(Path.Combine(workDir, "epoch_1.ckpt"));

        var result = Toy(workDir, "--cfg-options", "train_cfg.max_epochs=1", "randomness.seed=5");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "held 1 checkpoint(s) of an earlier run");
        var aside = Directory.GetDirectories(workDir, "earlier_checkpoints_*").Single();
        CollectionAssert.AreEqual(earlier, File.ReadAllBytes(Path.Combine(aside, "epoch_1.ckpt")));
        Assert.AreEqual("epoch_1.ckpt", File.ReadAllText(Path.Combine(aside, "last_checkpoint")));
        CollectionAssert.AreNotEqual(earlier, File.ReadAllBytes(Path.Combine(workDir, "epoch_1.ckpt")), "the new run's own checkpoint");
    }

    [TestMethod]
    public void AFileThatIsNotACheckpoint_WhereACheckpointGoes_IsNeverOverwritten()
    {
        var workDir = TestEnvironment.NewTempDir("foreign");
        var foreign = Path.Combine(workDir, "epoch_1.ckpt");
        File.WriteAllText(foreign, "someone else's file");

        var result = Toy(workDir, "--cfg-options", "train_cfg.max_epochs=1");

        Assert.AreEqual(1, result.ExitCode);
        AssertNoStackTrace(result);
        StringAssert.Contains(result.Stderr, "not a Runner checkpoint is already there");
        Assert.AreEqual("someone else's file", File.ReadAllText(foreign));
    }

    [TestMethod]
    public void StaleTemporaries_OfDeadProcesses_AreRemovedAtStart_OthersKept()
    {
        var workDir = TestEnvironment.NewTempDir("stale");
        var deadPid = Enumerable.Range(4_000_000, 1000).First(pid => !Directory.Exists($"/proc/{pid}"));
        var stale = Path.Combine(workDir, $".epoch_7.ckpt.{deadPid}.tmp");
        var live = Path.Combine(workDir, ".epoch_7.ckpt.1.tmp"); // process 1 is alive
        File.WriteAllText(stale, "half a checkpoint");
        File.WriteAllText(live, "being written");

        var result = Toy(workDir, "--cfg-options", "train_cfg.max_epochs=1");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsFalse(File.Exists(stale));
        Assert.IsTrue(File.Exists(live));
        StringAssert.Contains(result.Stdout, $"Removed 1 temporary file(s) of checkpoint writes that a killed run left behind: .epoch_7.ckpt.{deadPid}.tmp");
    }

    [TestMethod]
    public void SecondTrainingRun_InTheSameWorkDir_IsRefused_NamingTheFirst()
    {
        var workDir = TestEnvironment.NewTempDir("locked");
        using var first = HostTester.Start("train", "--config", TestEnvironment.DigitsConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=50");
        try
        {
            first.StandardError.ReadToEndAsync();
            while (first.StandardOutput.ReadLine() is { } line && !line.Contains("Epoch(train)", StringComparison.Ordinal)) { }

            var second = Toy(workDir, "--cfg-options", "train_cfg.max_epochs=1");

            Assert.AreEqual(1, second.ExitCode);
            AssertNoStackTrace(second);
            StringAssert.Contains(second.Stderr, $"is in use by another training run (process {first.Id})");
            Assert.IsEmpty(Directory.GetDirectories(workDir, "earlier_checkpoints_*"), "the refused run touched no checkpoint");
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
    }

    [TestMethod]
    public void WorkDirThatIsAFile_OrASystemFolder_OrBelowAFile_IsOneLine()
    {
        var root = TestEnvironment.NewTempDir("badwork");
        var file = Path.Combine(root, "file");
        File.WriteAllText(file, "x");
        var etc = Snapshot("/etc/alternatives").Count;

        foreach (var (workDir, message) in new[]
                 {
                     (file, "is a file, not a folder"),
                     ("/etc", "is a system or shared folder"),
                     ("/usr/local/share", "is a system or shared folder"),
                     (Path.Combine(file, "below"), "cannot create"),
                 })
        {
            var result = Toy(workDir, "--cfg-options", "train_cfg.max_epochs=1");

            Assert.AreEqual(1, result.ExitCode, workDir);
            AssertNoStackTrace(result);
            StringAssert.Contains(result.Stderr, message, workDir);
            Assert.AreEqual(1, result.Stderr.Trim().Split('\n').Count(l => l.StartsWith("error:", StringComparison.Ordinal)));
        }
        Assert.AreEqual("x", File.ReadAllText(file));
        Assert.AreEqual(etc, Snapshot("/etc/alternatives").Count);
    }

    [TestMethod]
    public void FilenameTemplate_WithFolders_IsRefusedAtItsLine_AndNothingIsWritten()
    {
        var root = TestEnvironment.NewTempDir("tmpl");
        var workDir = Path.Combine(root, "work");

        foreach (var template in new[] { "../../x_{}.ckpt", "/tmp/x_{}.ckpt", "sub/x_{}.ckpt" })
        {
            var result = Toy(workDir, "--cfg-options", $"default_hooks.checkpoint.filename_tmpl=\"{template}\"");

            Assert.AreEqual(1, result.ExitCode, template);
            AssertNoStackTrace(result);
            StringAssert.Contains(result.Stderr, "--cfg-options: default_hooks.checkpoint.filename_tmpl: CheckpointHook: filename_tmpl must be a file name");
            Assert.IsFalse(Directory.Exists(workDir), "no work dir is created for a config that fails its checks");
        }
        Assert.IsEmpty(Directory.GetFiles(root, "*", SearchOption.AllDirectories));
    }

    /// <summary>A small tmpfs at a new folder, for disk-full cases; null when this machine does not allow mounting.</summary>
    private static string? SmallDisk(string name, int kilobytes)
    {
        var dir = TestEnvironment.NewTempDir(name);
        using var mount = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mount", ["-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", dir])
            { RedirectStandardError = true });
        mount!.WaitForExit();
        return mount.ExitCode == 0 ? dir : null;
    }

    private static void Unmount(string dir)
    {
        using var umount = System.Diagnostics.Process.Start("umount", ["-l", dir]);
        umount.WaitForExit();
    }

    [TestMethod]
    public void DiskFull_AtStart_OrDuringASave_IsOneLine_AndTheEarlierCheckpointSurvives()
    {
        var disk = SmallDisk("full", 96);
        if (disk is null) Assert.Inconclusive("this machine does not allow mounting a small tmpfs (needs root)");
        try
        {
            // Full at start: a file takes all the space.
            var filler = Path.Combine(disk, "filler");
            try
            {
                using var stream = File.Create(filler);
                stream.Write(new byte[200 * 1024]);
            }
            catch (IOException)
            {
                // The disk is full: what was wanted.
            }
            var atStart = Toy(Path.Combine(disk, "work"), "--cfg-options", "train_cfg.max_epochs=1");
            Assert.AreEqual(1, atStart.ExitCode, atStart.Stderr);
            AssertNoStackTrace(atStart);
            StringAssert.Contains(atStart.Stderr, "No space left on device");

            // Full during a save: the log and the first checkpoint fit (~30 KB each), the later ones do not.
            File.Delete(filler);
            var during = Toy(Path.Combine(disk, "work2"), "--cfg-options", "train_cfg.max_epochs=3");
            Assert.AreEqual(1, during.ExitCode, during.Stderr);
            AssertNoStackTrace(during);
            StringAssert.Contains(during.Stderr, "No space left on device");
            var pointer = Path.Combine(disk, "work2", "last_checkpoint");
            if (File.Exists(pointer))
            {
                using var intact = CheckpointFile.Load(Path.Combine(disk, "work2", File.ReadAllText(pointer)));
                Assert.IsGreaterThan(0, intact.StateDict.Count);
            }
        }
        finally
        {
            Unmount(disk);
        }
    }
}
