using System.Text;
using System.Text.Json;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Tests.Support;

namespace Runner.Tests.Checkpoints;

/// <summary>load_from: plain safetensors files (as PyTorch's safetensors writes them), revise_keys, strict, size mismatches.</summary>
[TestClass]
public sealed class LoadFromTests
{
    /// <summary>A safetensors file as any other tool writes it: no Runner metadata, no checksum.</summary>
    private static string WritePlainSafetensors(string dir, Dictionary<string, (long[] Shape, float[] Values)> tensors)
    {
        var header = new Dictionary<string, object>();
        var data = new List<byte>();
        foreach (var (name, (shape, values)) in tensors)
        {
            header[name] = new { dtype = "F32", shape, data_offsets = new[] { data.Count, data.Count + values.Length * 4 } };
            foreach (var v in values) data.AddRange(BitConverter.GetBytes(v));
        }
        header["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" };
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var path = Path.Combine(dir, "pretrained.safetensors");
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(json);
        file.Write(data.ToArray());
        return path;
    }

    private static (Runner.Sdk.Running.TrainingRunner Runner, string Dir) Job(object loadFrom)
    {
        var dir = TestEnvironment.NewTempDir("load-from");
        var cfg = TinyJob.Config(dir, """
            model = { type = "TinyModel" }
            val_cfg = {}
            val_evaluator = { type = "Accuracy" }
            train_cfg = { max_epochs = 1 }
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
            """);
        cfg.Set("load_from", loadFrom, SourceLocation.Code);
        return (TinyJob.Build(cfg), dir);
    }

    [TestMethod]
    public void PlainSafetensors_WithModulePrefix_LoadsIntoTheModel()
    {
        var dir = TestEnvironment.NewTempDir("plain");
        var path = WritePlainSafetensors(dir, new()
        {
            ["module.fc.weight"] = ([2, 2], [1, 2, 3, 4]),
            ["module.fc.bias"] = ([2], [5, 6]),
        });
        var (runner, _) = Job(path);
        using var _ = runner;

        runner.Val();

        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 4 }, runner.Model.state_dict()["fc.weight"].data<float>().ToArray());
        CollectionAssert.AreEqual(new[] { 5f, 6 }, runner.Model.state_dict()["fc.bias"].data<float>().ToArray());
    }

    [TestMethod]
    public void ReviseKeys_RenamesTheCheckpointsTensors()
    {
        var dir = TestEnvironment.NewTempDir("revise");
        var path = WritePlainSafetensors(dir, new()
        {
            ["backbone.fc.weight"] = ([2, 2], [1, 1, 1, 1]),
            ["backbone.fc.bias"] = ([2], [0, 0]),
        });
        var (runner, _) = Job(ConfigLoader.Parse($"path = \"{path}\"\nstrict = true\nrevise_keys = [[\"^backbone\\\\.\", \"\"]]"));
        using var _ = runner;

        runner.Val();

        CollectionAssert.AreEqual(new[] { 1f, 1, 1, 1 }, runner.Model.state_dict()["fc.weight"].data<float>().ToArray());
    }

    [TestMethod]
    [DataRow("two alike", "renames two names to 'fc.weight'; the second would replace the first.")]
    [DataRow("onto a name", "renames a name to 'fc.bias', which the file already has.")]
    [DataRow("backtracking", "took over a second on the name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…': write one that does not backtrack.")]
    public void ReviseKeys_ThatWouldLoseOrHang_AreErrorsNamingTheFile(string problem, string expected)
    {
        // The names are the file's (untrusted); the patterns are the config's.
        var dir = TestEnvironment.NewTempDir("revise-bad");
        var tensors = new Dictionary<string, (long[] Shape, float[] Values)>
        {
            ["fc.weight"] = ([2, 2], [1, 1, 1, 1]),
            ["fc.bias"] = ([2], [0, 0]),
        };
        string[] pair;
        switch (problem)
        {
            case "two alike":
                tensors = new() { ["a.fc.weight"] = ([2, 2], [1, 1, 1, 1]), ["b.fc.weight"] = ([2, 2], [2, 2, 2, 2]), ["fc.bias"] = ([2], [0, 0]) };
                pair = ["^[ab]\\.", ""];
                break;
            case "onto a name":
                tensors["old.bias"] = ([2], [9, 9]);
                pair = ["^old\\.", "fc."];
                break;
            default:
                tensors[new string('a', 5000) + "!"] = ([1], [0]);
                pair = ["^(a+)+$", "x"];
                break;
        }
        var path = WritePlainSafetensors(dir, tensors);
        var (runner, _) = Job(ConfigLoader.Parse($"path = \"{path}\"\nrevise_keys = [['{pair[0]}', '{pair[1]}']]"));
        using var _ = runner;

        var error = Assert.ThrowsExactly<CheckpointException>(runner.Val);

        StringAssert.Contains(error.Message, $"Checkpoint '{path}' does not fit: revise_keys pattern");
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void Strict_MissingKeys_AreAnError_NotStrict_AWarning()
    {
        var dir = TestEnvironment.NewTempDir("strict");
        var path = WritePlainSafetensors(dir, new() { ["fc.weight"] = ([2, 2], [1, 2, 3, 4]) });
        var (strict, _) = Job(ConfigLoader.Parse($"path = \"{path}\"\nstrict = true"));
        using var __ = strict;
        var (lenient, lenientDir) = Job(path);
        using var ___ = lenient;

        var error = Assert.ThrowsExactly<CheckpointException>(() => strict.Val());
        lenient.Val();

        StringAssert.Contains(error.Message, "missing keys in source state_dict: fc.bias");
        Assert.IsTrue(RunRecords.LogLines(lenientDir).Any(l => l.Contains("missing keys in source state_dict: fc.bias", StringComparison.Ordinal)));
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 4 }, lenient.Model.state_dict()["fc.weight"].data<float>().ToArray());
    }

    [TestMethod]
    public void SizeMismatch_IsAnErrorNamingBothShapes()
    {
        var dir = TestEnvironment.NewTempDir("shape");
        var path = WritePlainSafetensors(dir, new() { ["fc.weight"] = ([1, 4], [1, 2, 3, 4]), ["fc.bias"] = ([2], [0, 0]) });
        var (runner, _) = Job(path);
        using var _ = runner;

        var error = Assert.ThrowsExactly<CheckpointException>(() => runner.Val());

        StringAssert.Contains(error.Message, "size mismatch: fc.weight: checkpoint [1, 4], model [2, 2]");
    }

    [TestMethod]
    public void Resume_RefusesAPlainSafetensorsFile()
    {
        var dir = TestEnvironment.NewTempDir("resume-plain");
        var path = WritePlainSafetensors(dir, new() { ["fc.weight"] = ([2, 2], [1, 2, 3, 4]), ["fc.bias"] = ([2], [0, 0]) });

        var error = Assert.ThrowsExactly<CheckpointException>(() => CheckpointFile.Load(path));

        StringAssert.Contains(error.Message, "it is not a Runner checkpoint");
    }

    [TestMethod]
    public void MapLocation_Cpu_Loads_Cuda_WithoutADevice_IsAConfigError()
    {
        var dir = TestEnvironment.NewTempDir("map-location");
        var path = WritePlainSafetensors(dir, new() { ["fc.weight"] = ([2, 2], [1, 2, 3, 4]), ["fc.bias"] = ([2], [5, 6]) });
        var (onCpu, _) = Job(ConfigLoader.Parse($"path = \"{path}\"\nmap_location = \"cpu\""));
        using var _ = onCpu;

        onCpu.Val();

        CollectionAssert.AreEqual(new[] { 5f, 6 }, onCpu.Model.state_dict()["fc.bias"].data<float>().ToArray());
        if (TorchSharp.torch.cuda.is_available()) return; // the error below is for machines without CUDA; no test here loads onto a GPU
        var (onCuda, __) = Job(ConfigLoader.Parse($"path = \"{path}\"\nmap_location = \"cuda:0\""));
        using var ___ = onCuda;
        var error = Assert.ThrowsExactly<ConfigException>(() => onCuda.Val());
        StringAssert.Contains(error.Message, "load_from.map_location");
        StringAssert.Contains(error.Message, "use map_location = \"cpu\"");
    }

    [TestMethod]
    public void MapLocation_NotADevice_IsRejectedByValidation()
    {
        var dir = TestEnvironment.NewTempDir("map-location-bad");
        var cfg = TinyJob.Config(dir, "model = { type = \"TinyModel\" }\nload_from = { path = \"x.safetensors\", map_location = \"gpu0\" }");

        var error = Assert.ThrowsExactly<ConfigException>(() => TinyJob.Build(cfg));

        StringAssert.Contains(error.Message, "load_from.map_location: expected a device name such as \"cpu\" or \"cuda:0\", got \"gpu0\".");
    }
}
