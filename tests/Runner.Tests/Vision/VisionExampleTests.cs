using System.Globalization;
using System.Text.RegularExpressions;
using Runner.Tests.Support;

namespace Runner.Tests.Vision;

/// <summary>configs/vision-digits.toml as docs/vision.md runs it: the digits written as PNG folders, ResNet-18 from scratch.</summary>
[TestClass]
public sealed partial class VisionExampleTests
{
    [TestMethod]
    public void DigitsToFolder_ThenTheImageFolderExample_ReachesItsStatedAccuracy()
    {
        // Arrange, act: the data as the docs make it, then the example config with only its folders moved.
        var (data, workDir, written, run) = (TrainedVisionDigits.Data, TrainedVisionDigits.WorkDir, TrainedVisionDigits.Written, TrainedVisionDigits.Run);

        // Assert
        Assert.AreEqual(0, written.ExitCode, written.Stderr);
        Assert.AreEqual(1257, Directory.GetFiles(Path.Combine(data, "train"), "*.png", SearchOption.AllDirectories).Length);
        Assert.AreEqual(10, Directory.GetDirectories(Path.Combine(data, "test")).Length);
        Assert.AreEqual(0, run.ExitCode, run.Stderr);
        var test = TestLine().Match(run.Stdout);
        Assert.IsTrue(test.Success, run.Stdout);
        Assert.IsGreaterThanOrEqualTo(98.0, double.Parse(test.Groups[1].Value, CultureInfo.InvariantCulture), test.Value);
        var visData = Directory.GetDirectories(workDir).Single(d => File.Exists(Path.Combine(d, "vis_data", "confusion_matrix_1.png")));
        var matrix = File.ReadAllLines(Path.Combine(visData, "vis_data", "confusion_matrix_1.csv"));
        Assert.HasCount(11, matrix, "a header and one row per digit");
        Assert.AreEqual(270, matrix.Skip(1).Sum(row => row.Split(',').Skip(1).Sum(int.Parse)), "every test sample is counted once");
        var plots = Path.Combine(visData, "vis_data", "plots");
        CollectionAssert.IsSubsetOf(new[] { "loss.png", "lr.png", "accuracy_top1.png" }, Directory.GetFiles(plots).Select(Path.GetFileName).ToArray(), "the example draws its curves");
        // Kept for a person to look at, as the figures of the confusion-matrix test are.
        var figures = Path.Combine(TestEnvironment.RepoRoot, "artifacts", "test-figures");
        Directory.CreateDirectory(figures);
        File.Copy(Path.Combine(visData, "vis_data", "confusion_matrix_1.png"), Path.Combine(figures, "vision-digits-confusion-matrix.png"), overwrite: true);
        File.Copy(Path.Combine(plots, "accuracy_top1.png"), Path.Combine(figures, "vision-digits-accuracy.png"), overwrite: true);
    }

    [TestMethod]
    public void DigitsToFolder_RefusesAFolderWithFiles_ASizeOutOfRange_AndAnUnwritablePlace()
    {
        var folder = TestEnvironment.NewTempDir("not-empty");
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "mine");

        var occupied = HostTester.Run("data", "digits-to-folder", folder);
        var tiny = HostTester.Run("data", "digits-to-folder", Path.Combine(folder, "new"), "--size", "3");
        var underAFile = HostTester.Run("data", "digits-to-folder", Path.Combine(folder, "keep.txt", "digits"));

        Assert.AreEqual(1, occupied.ExitCode);
        StringAssert.Contains(occupied.Stderr, $"OUT: '{folder}' is not empty.");
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(folder, "keep.txt")));
        Assert.AreEqual(1, tiny.ExitCode);
        StringAssert.Contains(tiny.Stderr, "--size: must be from 8 to 1024 pixels, got 3.");
        Assert.IsFalse(Directory.Exists(Path.Combine(folder, "new")));
        Assert.AreEqual(1, underAFile.ExitCode);
        StringAssert.Contains(underAFile.Stderr, $"error: Cannot write the digits into '{Path.Combine(folder, "keep.txt", "digits")}': ");
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(folder, "keep.txt")));
    }

    [TestMethod]
    public void Cifar10Example_IsAValidConfig_ForFilesInTheDistributedFormat()
    {
        var root = VisionFixture.WriteCifar10(perFile: 2);
        var folders = new[] { "train", "val", "test" }.Select(part => $"{part}_dataloader.dataset.data_root='{root}'").ToArray();

        var result = HostTester.Run(["config", "validate", "--config", Path.Combine(TestEnvironment.RepoRoot, "configs", "vision-cifar10.toml"), "--cfg-options", .. folders]);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "OK (every component was built)");
        Assert.AreEqual("", result.Stderr, "no warning about the plugin's files");
    }

    [TestMethod]
    public void TorchvisionStateDict_LoadsAsItIs_AndWithoutItsHead_ForOtherClasses()
    {
        // A torch.save pickle of a 1000-class ResNet-18 state dict (torchvision's names, checked in VisionTransformTests).
        var folder = TestEnvironment.NewTempDir("torchvision-weights");
        var weights = Path.Combine(folder, "resnet18.pth");
        using (var imagenet = VisionFixture.Build<Runner.Sdk.Models.BaseModel>("type = \"ImageClassifier\"\nbackbone = \"resnet18\"\nnum_classes = 1000"))
            Runner.Sdk.Checkpoints.PyTorchInterop.SavePickle(imagenet.state_dict(), weights);
        var data = Path.Combine(folder, "digits-png");
        Assert.AreEqual(0, HostTester.Run("data", "digits-to-folder", data).ExitCode);
        string[] common = ["val", "--config", Path.Combine(TestEnvironment.RepoRoot, "configs", "vision-digits.toml"), "--cfg-options",
            $"work_dir='{Path.Combine(folder, "work")}'", $"val_dataloader.dataset.data_root='{data}/val'"];

        var asIs = HostTester.Run([.. common, "model.num_classes=1000", $"load_from='{weights}'"]);
        var headless = HostTester.Run([.. common, $"load_from={{ path = '{weights}', revise_keys = [['^fc\\.', 'pretrained_fc.']] }}"]);

        Assert.AreEqual(0, asIs.ExitCode, asIs.Stderr);
        Assert.IsFalse(asIs.Stdout.Contains("do not match exactly", StringComparison.Ordinal), asIs.Stdout);
        Assert.AreEqual(0, headless.ExitCode, headless.Stderr);
        StringAssert.Matches(headless.Stdout, new System.Text.RegularExpressions.Regex(@"unexpected key in source state_dict: pretrained_fc\.(weight, pretrained_fc\.bias|bias, pretrained_fc\.weight)\n"));
        StringAssert.Contains(headless.Stdout, "missing keys in source state_dict: fc.weight, fc.bias");
    }

    [GeneratedRegex(@"Epoch\(test\) \[3/3\]\s+accuracy/top1: ([0-9.]+)")]
    private static partial Regex TestLine();
}
