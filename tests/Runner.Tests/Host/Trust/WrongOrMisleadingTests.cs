using Runner.Tests.Support;
using Runner.Tests.Vision;

namespace Runner.Tests.Host.Trust;

/// <summary>
/// Inputs that gave a wrong result without a word, or a message that sent the user the wrong way: every top-level
/// value has a type checked at its line, a link is read as its target, and a message names the one thing at fault.
/// </summary>
[TestClass]
public sealed class WrongOrMisleadingTests
{
    /// <summary>A config of the toy job with <paramref name="extra"/> added at its top level.</summary>
    private static string ToyWith(string extra)
    {
        var config = Path.Combine(TestEnvironment.NewTempDir("top-level"), "job.toml");
        File.WriteAllText(config, $"{extra}\n_base_ = [\"{TestEnvironment.ToyConfig}\"]\n");
        return config;
    }

    [TestMethod]
    [DataRow("randomness = \"seed\"", "randomness: expected a table, e.g. randomness = { ... }, got the string \"seed\".")]
    [DataRow("randomness = 7", "randomness: expected a table, e.g. randomness = { ... }, got the integer 7.")]
    [DataRow("env_cfg = []", "env_cfg: expected a table, e.g. env_cfg = { ... }, got a list.")]
    [DataRow("env_cfg = 5", "env_cfg: expected a table, e.g. env_cfg = { ... }, got the integer 5.")]
    [DataRow("auto_scale_lr = []", "auto_scale_lr: expected a table")]
    [DataRow("model_wrapper_cfg = \"x\"", "model_wrapper_cfg: expected a table")]
    public void ATopLevelTableGivenAsAnotherValue_IsRefusedAtItsLine(string setting, string message)
    {
        var config = ToyWith(setting);
        var workDir = Path.Combine(TestEnvironment.NewTempDir("top-level-work"), "work");

        var result = HostTester.Run("train", "--config", config, "--work-dir", workDir);

        Refusal.AssertOneLine(result, $"job.toml(1,", message);
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void CifarBatchFilesThatAreLinks_AreReadAsTheirTargets()
    {
        var files = VisionFixture.WriteCifar10(perFile: 2);
        var linked = TestEnvironment.NewTempDir("cifar-links");
        foreach (var file in Directory.EnumerateFiles(files, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(linked, Path.GetRelativePath(files, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.CreateSymbolicLink(target, file);
        }

        var direct = VisionFixture.Build<Runner.Sdk.Data.IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(files)}\nsplit = \"train\"");
        var throughLinks = VisionFixture.Build<Runner.Sdk.Data.IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(linked)}\nsplit = \"train\"");

        Assert.AreEqual(direct.Count, throughLinks.Count);
        Assert.IsGreaterThan(0, throughLinks.Count);
    }

    [TestMethod]
    public void ABinaryFile_OrAnotherEncoding_AsAConfig_IsOneLine()
    {
        var dir = TestEnvironment.NewTempDir("binary-config");
        var binary = Path.Combine(dir, "binary.toml");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[100] = 0;
        File.WriteAllBytes(binary, bytes);
        var latin1 = Path.Combine(dir, "latin1.toml");
        File.WriteAllBytes(latin1, [.. "experiment_name = \"caf"u8, 0xE9, .. "\"\n"u8]);

        var fromBinary = HostTester.Run("config", "print", "--config", binary);
        var fromLatin1 = HostTester.Run("config", "print", "--config", latin1);

        Refusal.AssertOneLine(fromBinary, $"cannot read config file '{binary}': it holds a NUL byte at line ", "it is a binary file, not a TOML config");
        Refusal.AssertOneLine(fromLatin1, $"cannot read config file '{latin1}': it is not UTF-8 text: the byte at line 1, column 23 is not valid UTF-8");
    }

    [TestMethod]
    public void ManySyntaxErrors_AreCutToTheFirstFew()
    {
        var config = Path.Combine(TestEnvironment.NewTempDir("syntax"), "job.toml");
        File.WriteAllText(config, string.Concat(Enumerable.Range(0, 50).Select(i => $"key{i} = = {i}\n")));

        var result = HostTester.Run("config", "print", "--config", config);

        Assert.AreEqual(1, result.ExitCode);
        Assert.IsLessThanOrEqualTo(6, result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, result.Stderr);
        StringAssert.Contains(result.Stderr, "more syntax errors after these.");
    }

    [TestMethod]
    public void PluginsGivenAsANumber_SaysAListOfFolders()
    {
        var result = HostTester.Run("config", "validate", "--config", ToyWith("plugins = 5"));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stdout + result.Stderr, "plugins: expected a list of plugin folders, e.g. plugins = [\"my_plugin/bin/Release/net10.0\"], got the integer 5.");
        Assert.IsFalse((result.Stdout + result.Stderr).Contains("ConfigArray", StringComparison.Ordinal), "no .NET type names");
    }

    [TestMethod]
    public void ResizeScale_AsOneNumber_IsASquare_AsTheDocsSay()
    {
        using var image = TorchSharp.torch.zeros(10, 20, 3, dtype: TorchSharp.torch.ScalarType.Byte);
        var sample = new Runner.Sdk.Data.DataBatch { ["img"] = image };

        using var square = VisionFixture.Build<Runner.Sdk.Data.ITransform>("type = \"Resize\"\nscale = 32").Transform(sample, new Runner.Sdk.Data.SampleContext(0, 0, 0));

        CollectionAssert.AreEqual(new long[] { 32, 32, 3 }, square["img"].shape);
    }

    [TestMethod]
    public void NamesWhoseBytesAreNotUtf8_AreRefused_NotTakenForAnotherName()
    {
        // .NET hands such bytes to the program as U+FFFD: the name it would then use is another one.
        var dir = TestEnvironment.NewTempDir("non-utf8");
        var workDir = Path.Combine(dir, "wd\uFFFD");
        var root = VisionFixture.WriteImageFolder(perClass: 1);
        using (var mkdir = System.Diagnostics.Process.Start("bash", ["-c", $"mkdir \"{root}\"/$'cl\\xff'"])) mkdir.WaitForExit();

        var work = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir);
        var config = HostTester.Run("config", "print", "--config", Path.Combine(dir, "job\uFFFD.toml"));
        var classes = Assert.ThrowsExactly<Runner.Sdk.Configuration.ConfigException>(() =>
            VisionFixture.Build<Runner.Sdk.Data.IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}")).Message;

        Refusal.AssertOneLine(work, "holds bytes that are not UTF-8");
        Refusal.AssertOneLine(config, "its name holds bytes that are not UTF-8");
        StringAssert.Contains(classes, "has a name that is not UTF-8");
        Assert.IsEmpty(Directory.GetFileSystemEntries(dir), "nothing was written under another name");
    }
}
