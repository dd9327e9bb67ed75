using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;
using Runner.Tests.Vision;
using static TorchSharp.torch;

namespace Runner.Tests.Host.Trust;

/// <summary>
/// Inputs that aborted the process, hung it, or printed a stack trace: each now ends within seconds in one line that
/// names the file or key. Every checkpoint section is checked before libtorch sees it; every value libtorch would
/// refuse has a range; every file read is bounded by its target's real size and type.
/// </summary>
[TestClass]
public sealed class AbortsHangsAndTracesTests
{
    private static HostTester.Result Toy(string workDir, params string[] options) =>
        HostTester.Run(["train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=2", .. options]);

    /// <summary>A copy of the one-epoch toy checkpoint with <paramref name="edit"/> applied, saved with a matching checksum (as an attacker would).</summary>
    private static string Crafted(string name, Action<Checkpoint> edit)
    {
        var path = Path.Combine(TestEnvironment.NewTempDir(name), "crafted.ckpt");
        using var checkpoint = CheckpointFile.Load(Path.Combine(TrainedToy.WorkDir(1), "epoch_1.ckpt"));
        edit(checkpoint);
        CheckpointFile.Save(checkpoint, path);
        return path;
    }

    private static Tensor RandomBytes(long count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return tensor(bytes);
    }

    /// <summary>Runs <paramref name="run"/> and fails the test if it does not end within a minute (a hang).</summary>
    private static HostTester.Result WithinAMinute(Func<HostTester.Result> run)
    {
        var task = Task.Run(run);
        Assert.IsTrue(task.Wait(TimeSpan.FromMinutes(1)), "it did not end within a minute");
        return task.Result;
    }

    [TestMethod]
    public void ARandomGeneratorState_WithAMatchingChecksum_IsOneLine_NotAnAbort()
    {
        // Run in a process of its own: before the check, libtorch aborted the whole process.
        var sameLength = Crafted("rng-random", c => c.Tensors["rng/torch"] = RandomBytes(c.Tensors["rng/torch"].NumberOfElements, seed: 1));
        var shorter = Crafted("rng-short", c => c.Tensors["rng/torch"] = RandomBytes(100, seed: 2));

        foreach (var crafted in new[] { sameLength, shorter })
        {
            var result = HostTester.RunProcess("train", "--config", TestEnvironment.ToyConfig, "--work-dir", Path.GetDirectoryName(crafted)!,
                "--resume", crafted, "--cfg-options", "train_cfg.max_epochs=2");

            Refusal.AssertOneLine(result, crafted, "rng section");
        }
    }

    [TestMethod]
    public void RandomOptimizerBytes_WithAMatchingChecksum_AreOneShortLine()
    {
        var crafted = Crafted("optimizer-random", c => c.Tensors["optimizer"] = RandomBytes(c.Tensors["optimizer"].NumberOfElements, seed: 3));

        var result = Toy(Path.GetDirectoryName(crafted)!, "--resume", crafted);

        var line = Refusal.AssertOneLine(result, crafted, "optimizer section does not hold what Runner writes there");
        Assert.IsLessThan(600, line.Length, "no raw bytes in the message: " + line);
    }

    [TestMethod]
    [DataRow("optim_wrapper.optimizer.momentum=-inf", "optim_wrapper.optimizer.momentum: must be at least 0 and finite", true)]
    [DataRow("optim_wrapper.optimizer.weight_decay=-1", "optim_wrapper.optimizer.weight_decay: must be at least 0 and finite", true)]
    [DataRow("train_dataloader.num_workers=2147483647", "train_dataloader.num_workers: must be between 0 and 256", true)]
    [DataRow("env_cfg.num_threads=100000", "env_cfg.num_threads: must be between 1 and 1024", true)]
    [DataRow("randomness.seed=-1", "randomness.seed: must be between 0 and 4294967295", true)]
    [DataRow("randomness.seed=9223372036854775807", "randomness.seed: must be between 0 and 4294967295", true)]
    // Known only once the loader is built, with the number of batches per epoch (the run's folder exists by then).
    [DataRow("train_cfg.max_epochs=2147483647", "max_epochs must be at most 16777215 with 128 iterations per epoch", false)]
    public void ValuesLibTorchWouldRefuse_AreRefusedAtTheirKey(string option, string message, bool beforeWriting)
    {
        var workDir = Path.Combine(TestEnvironment.NewTempDir("bounds"), "work");

        var result = WithinAMinute(() => HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", option));

        Refusal.AssertOneLine(result, message);
        if (beforeWriting) Assert.IsFalse(Directory.Exists(workDir), "refused before anything was written");
        else Assert.IsEmpty(Directory.GetFiles(workDir, "*.ckpt"), "nothing was trained");
    }

    [TestMethod]
    public void AnImageSizePastAnyImage_IsRefusedAtItsKey()
    {
        var error = Assert.ThrowsExactly<Runner.Sdk.Configuration.ConfigException>(() =>
            VisionFixture.Build<Runner.Sdk.Data.ITransform>("type = \"Resize\"\nscale = [100000, 100000]")).Message;

        StringAssert.Contains(error, "scale[0]: must be between 1 and 32768, got the integer 100000.");
    }

    [TestMethod]
    public void AModelTooLargeForMemory_IsOneLine_WithoutLibTorchsFrames()
    {
        var workDir = Path.Combine(TestEnvironment.NewTempDir("huge-model"), "work");

        // 100,000² weights are 40 GB: more than this machine has, so libtorch's allocator refuses them.
        var result = WithinAMinute(() => HostTester.RunProcess("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", "model.hidden=100000"));

        Refusal.AssertOneLine(result, "model");
    }

    [TestMethod]
    public void AConfigOrBaseLinkedToADevice_OrAFifo_IsOneLine_Within_Seconds()
    {
        var dir = TestEnvironment.NewTempDir("config-device");
        var zero = Path.Combine(dir, "zero.toml");
        File.CreateSymbolicLink(zero, "/dev/zero");
        var withBase = Path.Combine(dir, "with-base.toml");
        File.WriteAllText(withBase, $"_base_ = [\"{zero}\"]\n");
        var fifo = Path.Combine(dir, "pipe.toml");
        SpecialFiles.Fifo(fifo);

        var direct = WithinAMinute(() => HostTester.Run("config", "print", "--config", zero));
        var viaBase = WithinAMinute(() => HostTester.Run("config", "print", "--config", withBase));
        var pipe = WithinAMinute(() => HostTester.Run("config", "print", "--config", fifo));

        Refusal.AssertOneLine(direct, $"cannot read config file '{zero}': it is a character device, not a config file");
        Refusal.AssertOneLine(viaBase, "it is a character device, not a config file");
        Refusal.AssertOneLine(pipe, "it is a FIFO (named pipe), not a config file");
    }

    /// <summary>A two-class image folder job (ResNet-18 on 12×8 images), with <paramref name="dataset"/> as its train dataset table.</summary>
    private static HostTester.Result VisionRun(string dataset, string workDir, int numClasses = 2) =>
        WithinAMinute(() => HostTester.Run("train", "--config", VisionConfig(dataset, numClasses), "--work-dir", workDir));

    private static string VisionConfig(string dataset, int numClasses)
    {
        var config = Path.Combine(TestEnvironment.NewTempDir("vision-config"), "job.toml");
        File.WriteAllText(config, $"""
            default_scope = "vision"
            randomness = {"{"} seed = 0 {"}"}
            model = {"{"} type = "ImageClassifier", backbone = "resnet18", num_classes = {numClasses}, data_preprocessor = {"{"} type = "ImgDataPreprocessor", mean = [0.0, 0.0, 0.0], std = [255.0, 255.0, 255.0] {"}"} {"}"}
            train_cfg = {"{"} by_epoch = true, max_epochs = 1 {"}"}
            optim_wrapper = {"{"} optimizer = {"{"} type = "SGD", lr = 0.01 {"}"} {"}"}
            [train_dataloader]
            batch_size = 4
            dataset = {dataset}
            """);
        return config;
    }

    [TestMethod]
    public void AnImageThatIsAFifo_OrALinkToADevice_IsNamed_NotWaitedOn()
    {
        var fifoRoot = VisionFixture.WriteImageFolder(perClass: 2);
        var fifo = Path.Combine(fifoRoot, "cats", "pipe.png");
        SpecialFiles.Fifo(fifo);
        var zeroRoot = VisionFixture.WriteImageFolder(perClass: 2);
        var zero = Path.Combine(zeroRoot, "dogs", "zero.png");
        File.CreateSymbolicLink(zero, "/dev/zero");

        var pipe = VisionRun($"{{ type = \"ImageFolder\", data_root = {VisionFixture.Quoted(fifoRoot)} }}", TestEnvironment.NewTempDir("fifo-work"));
        var device = VisionRun($"{{ type = \"ImageFolder\", data_root = {VisionFixture.Quoted(zeroRoot)} }}", TestEnvironment.NewTempDir("zero-work"));

        Refusal.AssertOneLine(pipe, fifo, "is a FIFO (named pipe), not a data file");
        Refusal.AssertOneLine(device, zero, "is a character device, not a data file (through a link)");
    }

    [TestMethod]
    public void AnAnnotationFileThatIsADevice_IsOneLine()
    {
        var root = VisionFixture.WriteImageFolder(perClass: 2);

        var result = VisionRun($"{{ type = \"ImageFolder\", data_root = {VisionFixture.Quoted(root)}, ann_file = \"/dev/zero\" }}", TestEnvironment.NewTempDir("ann-work"));

        Refusal.AssertOneLine(result, "ann_file", "'/dev/zero' is a character device, not a data file");
    }

    [TestMethod]
    public void MoreClassFoldersThanTheModelHasClasses_NamesTheCause()
    {
        var root = VisionFixture.WriteImageFolder(perClass: 2);
        Directory.CreateDirectory(Path.Combine(root, "zebras"));
        VisionFixture.WritePng(Path.Combine(root, "zebras", "0.png"), 12, 8, SkiaSharp.SKColors.White);
        VisionFixture.WritePng(Path.Combine(root, "zebras", "1.png"), 12, 8, SkiaSharp.SKColors.Black);

        var result = VisionRun($"{{ type = \"ImageFolder\", data_root = {VisionFixture.Quoted(root)} }}", TestEnvironment.NewTempDir("classes-work"));

        Refusal.AssertOneLine(result, "a label of the data is 2, but the model has 2 classes (0 to 1)", "num_classes) to at least 3");
    }

    [TestMethod]
    public void RanksStartedWithDifferentJobs_AreRefusedBeforeTheFirstStep_NamingWhatDiffers()
    {
        MpiRun.RequireOpenMpi();
        string[] job = ["train", "--config", TestEnvironment.ToyConfig, "--launcher", "mpi", "--cfg-options", "train_cfg.max_epochs=1"];

        var shapes = MpiRun.RunEach([[.. job, "--work-dir", TestEnvironment.NewTempDir("mpmd-shape")], [.. job, "model.hidden=128", "--work-dir", TestEnvironment.NewTempDir("mpmd-shape-1")]]);
        var rates = MpiRun.RunEach([[.. job, "--work-dir", TestEnvironment.NewTempDir("mpmd-lr")], [.. job, "optim_wrapper.optimizer.lr=0.5", "--work-dir", TestEnvironment.NewTempDir("mpmd-lr-1")]]);

        Assert.AreNotEqual(0, shapes.ExitCode, shapes.Stdout + shapes.Stderr);
        StringAssert.Contains(shapes.Stderr, "the ranks were started with different jobs: model, the model's parameter shapes differ between rank 0 and rank 1");
        Assert.AreNotEqual(0, rates.ExitCode, rates.Stdout + rates.Stderr);
        StringAssert.Contains(rates.Stderr, "the ranks were started with different jobs: optim_wrapper differ between rank 0 and rank 1");
        foreach (var result in new[] { shapes, rates })
        {
            Assert.IsFalse((result.Stdout + result.Stderr).Contains("Segmentation fault", StringComparison.Ordinal), result.Stderr);
            Assert.IsFalse(result.Stdout.Contains("Epoch(train)", StringComparison.Ordinal), "no step was taken");
        }
    }
}
