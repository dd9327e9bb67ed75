using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Checkpoints;

[TestClass]
public sealed class CheckpointFileTests
{
    private static string SaveSample(string dir)
    {
        using var checkpoint = new Checkpoint();
        checkpoint.Meta["epoch"] = 3L;
        checkpoint.Meta["cfg"] = "a = 1";
        checkpoint.StateDict["fc.weight"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        checkpoint.Tensors["rng/torch"] = tensor(new byte[] { 1, 2, 3 });
        checkpoint.State["param_schedulers"] = new List<object> { new Dictionary<string, object> { ["last_step"] = 2L, ["base_values"] = new List<object> { 0.1 } } };
        var path = Path.Combine(dir, "epoch_3.ckpt");
        CheckpointFile.Save(checkpoint, path);
        return path;
    }

    [TestMethod]
    public void SaveLoad_RoundTripsTensorsAndPlainData()
    {
        var path = SaveSample(TestEnvironment.NewTempDir("ckpt"));

        using var loaded = CheckpointFile.Load(path);

        Assert.AreEqual(3L, loaded.Meta["epoch"]);
        Assert.AreEqual("a = 1", loaded.Meta["cfg"]);
        CollectionAssert.AreEqual(new[] { 0f, 1, 2, 3, 4, 5 }, loaded.StateDict["fc.weight"].data<float>().ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3 }, loaded.StateDict["fc.weight"].shape);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, loaded.Tensors["rng/torch"].data<byte>().ToArray());
        var scheduler = (Dictionary<string, object>)((List<object>)loaded.State["param_schedulers"])[0];
        Assert.AreEqual(2L, scheduler["last_step"]);
    }

    [TestMethod]
    public void LongNumberLists_InTheState_AreStoredAsTensors_AndLoadBackAsTheSameNumbers()
    {
        var path = Path.Combine(TestEnvironment.NewTempDir("ckpt"), "history.ckpt");
        var values = Enumerable.Range(0, 1000).Select(i => i / 3.0).ToList();
        var counts = Enumerable.Range(0, 1000).Select(i => (long)i).ToList();
        using (var checkpoint = new Checkpoint())
        {
            checkpoint.State["message_hub"] = new Dictionary<string, object>
            {
                ["log_scalars"] = new Dictionary<string, object>
                {
                    ["train/loss"] = new Dictionary<string, object> { ["values"] = values, ["counts"] = counts, ["global_sum"] = 1.5 },
                },
                ["short"] = new List<double> { 1, 2 },
            };
            CheckpointFile.Save(checkpoint, path);
        }

        var bytes = File.ReadAllBytes(path);
        var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)BitConverter.ToInt64(bytes, 0))).RootElement;
        using var loaded = CheckpointFile.Load(path);

        Assert.AreEqual("F64", header.GetProperty("__runner__/state_array/0").GetProperty("dtype").GetString());
        Assert.AreEqual("I64", header.GetProperty("__runner__/state_array/1").GetProperty("dtype").GetString());
        StringAssert.Contains(header.GetProperty("__metadata__").GetProperty("state").GetString(), "\"values\":{\"$tensor\":\"state_array/0\"}");
        var hub = (Dictionary<string, object>)loaded.State["message_hub"];
        var loss = (Dictionary<string, object>)((Dictionary<string, object>)hub["log_scalars"])["train/loss"];
        CollectionAssert.AreEqual(values, (double[])loss["values"]);
        CollectionAssert.AreEqual(counts, (long[])loss["counts"]);
        Assert.AreEqual(1.5, loss["global_sum"]);
        CollectionAssert.AreEqual(new object[] { 1L, 2L }, (List<object>)hub["short"], "short lists stay in the JSON");
        Assert.IsFalse(loaded.Tensors.Keys.Any(k => k.StartsWith("state_array/", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Save_IsSafetensors_WithModelWeightsUnderTheirOwnNames()
    {
        var path = SaveSample(TestEnvironment.NewTempDir("ckpt"));

        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToInt64(bytes, 0);
        var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)).RootElement;

        Assert.AreEqual(0, headerLength % 8);
        Assert.AreEqual("F32", header.GetProperty("fc.weight").GetProperty("dtype").GetString());
        Assert.IsTrue(header.TryGetProperty("__runner__/rng/torch", out _));
        Assert.AreEqual("runner-checkpoint", header.GetProperty("__metadata__").GetProperty("format").GetString());
    }

    [TestMethod]
    public void Load_FlippedDataByte_IsReportedAsCorrupt()
    {
        var path = SaveSample(TestEnvironment.NewTempDir("ckpt"));
        var bytes = File.ReadAllBytes(path);
        bytes[^2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var error = Assert.ThrowsExactly<CheckpointException>(() => CheckpointFile.Load(path));

        StringAssert.Contains(error.Message, "does not match its checksum");
        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void Load_TruncatedFile_IsReportedAsCorrupt()
    {
        var path = SaveSample(TestEnvironment.NewTempDir("ckpt"));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.ThrowsExactly<CheckpointException>(() => CheckpointFile.Load(path));

        StringAssert.Contains(error.Message, "corrupt or truncated");
    }

    [TestMethod]
    public void Save_LeavesNoTemporaryFiles()
    {
        var dir = TestEnvironment.NewTempDir("ckpt");

        SaveSample(dir);

        CollectionAssert.AreEqual(new[] { "epoch_3.ckpt" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void SaveLoad_MixOfSmallAndLargeTensors_RoundTripsEveryByte()
    {
        // Small tensors are gathered into one write, large ones (over the 256 KB gather buffer) written on their own.
        var path = Path.Combine(TestEnvironment.NewTempDir("ckpt"), "mixed.ckpt");
        var sizes = new[] { 3, 100_000, 5, 70_000, 1, 300_000, 2 };
        using (var checkpoint = new Checkpoint())
        {
            for (var i = 0; i < sizes.Length; i++)
                checkpoint.StateDict[$"t{i}"] = arange(sizes[i], dtype: ScalarType.Float32) * (i + 1);
            CheckpointFile.Save(checkpoint, path);
        }

        using var loaded = CheckpointFile.Load(path);

        for (var i = 0; i < sizes.Length; i++)
        {
            var values = loaded.StateDict[$"t{i}"].data<float>().ToArray();
            Assert.HasCount(sizes[i], values);
            Assert.AreEqual((sizes[i] - 1f) * (i + 1), values[^1], $"t{i}");
        }
    }

    [TestMethod]
    public void Save_AllocatesLittleManagedMemory()
    {
        // A per-file write buffer (a megabyte each) made every epoch's checkpoint a collection's worth of garbage.
        var dir = TestEnvironment.NewTempDir("ckpt");
        SaveSample(dir); // first-use costs

        var before = GC.GetAllocatedBytesForCurrentThread();
        SaveSample(dir);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsLessThan(64 * 1024, allocated, $"{allocated} bytes allocated");
    }
}
