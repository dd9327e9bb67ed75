using System.Text;
using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Checkpoints;

/// <summary>
/// A checkpoint file is untrusted input: every changed byte is detected, and every malformed file is one
/// <see cref="CheckpointException"/> naming the file and the problem — never another exception, a hang, or a huge
/// allocation.
/// </summary>
[TestClass]
public sealed class CheckpointIntegrityTests
{
    private static string SaveSample(string dir, string name = "sample.ckpt")
    {
        using var checkpoint = new Checkpoint();
        checkpoint.Meta["epoch"] = 2L;
        checkpoint.Meta["iter"] = 8L;
        checkpoint.StateDict["fc.weight"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        checkpoint.Tensors["rng/torch"] = tensor(new byte[] { 1, 2, 3 });
        checkpoint.State["message_hub"] = new Dictionary<string, object> { ["runtime_info"] = new Dictionary<string, object> { ["keep_ckpts"] = new List<object> { "epoch_1.ckpt" } } };
        var path = Path.Combine(dir, name);
        CheckpointFile.Save(checkpoint, path);
        return path;
    }

    /// <summary>A safetensors file with the given header text and data bytes, exactly as given.</summary>
    private static string RawFile(string dir, string name, string header, byte[]? data = null, long? declaredLength = null)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var path = Path.Combine(dir, name);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes(declaredLength ?? headerBytes.Length));
        stream.Write(headerBytes);
        stream.Write(data ?? []);
        return path;
    }

    private static CheckpointException LoadFails(string path, bool weightsOnly)
    {
        var error = Assert.ThrowsExactly<CheckpointException>(() => CheckpointFile.Load(path, weightsOnly).Dispose());
        StringAssert.Contains(error.Message, path);
        Assert.IsFalse(error.Message.Contains('\n'), $"one line: {error.Message}");
        return error;
    }

    [TestMethod]
    public void EveryFlippedBit_AnywhereInTheFile_IsDetected()
    {
        var dir = TestEnvironment.NewTempDir("bits");
        var original = File.ReadAllBytes(SaveSample(dir));
        var path = Path.Combine(dir, "flipped.ckpt");

        for (var i = 0; i < original.Length; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[i] ^= (byte)(1 << (i % 8));
            File.WriteAllBytes(path, bytes);

            var error = Assert.ThrowsExactly<CheckpointException>(() => CheckpointFile.Load(path).Dispose(), $"byte {i} of {original.Length}");
            StringAssert.Contains(error.Message, path);
        }
    }

    [TestMethod]
    public void HeaderEdit_ThatKeepsValidJson_IsDetected()
    {
        var dir = TestEnvironment.NewTempDir("edit");
        var path = SaveSample(dir);
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.Latin1.GetString(bytes);
        const string epoch2 = "\\u0022epoch\\u0022:2";
        Assert.Contains(epoch2, text);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text.Replace(epoch2, "\\u0022epoch\\u0022:3", StringComparison.Ordinal)));

        var error = LoadFails(path, weightsOnly: false);

        StringAssert.Contains(error.Message, "does not match its checksum");
    }

    [TestMethod]
    public void ASavedCheckpoint_LoadsWithoutIntegrityWarning()
    {
        using var loaded = CheckpointFile.Load(SaveSample(TestEnvironment.NewTempDir("ok")));

        Assert.IsNull(loaded.IntegrityWarning);
        Assert.AreEqual(2L, loaded.Meta["epoch"]);
    }

    [TestMethod]
    public void OlderFormat_WithADataOnlyChecksum_LoadsWithAWarning()
    {
        var dir = TestEnvironment.NewTempDir("v1");
        var data = new byte[8];
        BitConverter.GetBytes(1.5f).CopyTo(data, 0);
        BitConverter.GetBytes(2.5f).CopyTo(data, 4);
        var checksum = Convert.ToHexString(System.IO.Hashing.XxHash3.Hash(data));
        var path = RawFile(dir, "v1.ckpt",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"format\":\"runner-checkpoint\",\"format_version\":\"1\"," +
            $"\"data_xxh3\":\"{checksum}\",\"meta\":\"{{\\\"epoch\\\":1}}\",\"state\":\"{{}}\"}}}}", data);

        using var loaded = CheckpointFile.Load(path);

        Assert.AreEqual(1L, loaded.Meta["epoch"]);
        CollectionAssert.AreEqual(new[] { 1.5f, 2.5f }, loaded.StateDict["w"].data<float>().ToArray());
        StringAssert.Contains(loaded.IntegrityWarning, "older Runner (format version 1)");
    }

    public static IEnumerable<object[]> MalformedHeaders =>
    [
        ["header is an array", "[1,2]", "the header is a JSON array"],
        ["header is null", "null", "the header is a JSON null"],
        ["not JSON", "{\"w\":", "the header is not valid JSON"],
        ["negative size", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", "shape entry that is not a size"],
        ["overflowing shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],\"data_offsets\":[0,0]}}", "too large"],
        ["shape that does not match the bytes", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000],\"data_offsets\":[0,0]}}", "needs a different number"],
        ["offsets as strings", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[\"0\",\"0\"]}}", "no valid data_offsets"],
        ["offsets out of order", "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[5,0]}}", "no valid data_offsets"],
        ["dtype as a number", "{\"w\":{\"dtype\":7,\"shape\":[0],\"data_offsets\":[0,0]}}", "no dtype name"],
        ["unknown dtype", "{\"w\":{\"dtype\":\"F128\",\"shape\":[0],\"data_offsets\":[0,0]}}", "unknown dtype 'F128'"],
        ["tensor entry is a string", "{\"w\":\"x\"}", "is a JSON string, not an object"],
        ["metadata is an array", "{\"__metadata__\":[1]}", "__metadata__ is a JSON array"],
        ["metadata value is a number", "{\"__metadata__\":{\"format\":1}}", "__metadata__.format is a JSON number"],
        ["data past the end", "{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", "points outside the data"],
        ["a name twice", "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", "names 'w' twice"],
        ["a newer format", "{\"__metadata__\":{\"format\":\"runner-checkpoint\",\"format_version\":\"9\"}}", "format version '9'"],
        ["no checksum", "{\"__metadata__\":{\"format\":\"runner-checkpoint\",\"format_version\":\"2\"}}", "has no checksum_xxh3_128"],
    ];

    [TestMethod]
    [DynamicData(nameof(MalformedHeaders))]
    public void MalformedHeader_IsOneLineNamingTheFileAndTheProblem(string what, string header, string problem)
    {
        var path = RawFile(TestEnvironment.NewTempDir("malformed"), "bad.ckpt", header);

        var error = LoadFails(path, weightsOnly: true);

        StringAssert.Contains(error.Message, problem, what);
    }

    /// <summary>
    /// A Runner checkpoint with the given metadata sections and a checksum that matches: what an attacker who knows
    /// the format makes. The loader must still refuse what is not shaped as Runner writes it.
    /// </summary>
    private static string Forged(string dir, string meta, string state, string tensors = "", byte[]? data = null)
    {
        static string Quote(string json) => System.Text.Json.JsonSerializer.Serialize(json);
        var placeholder = new string('0', 32);
        var header = "{" + tensors + (tensors.Length > 0 ? "," : "") +
            $"\"__metadata__\":{{\"format\":\"runner-checkpoint\",\"format_version\":\"2\",\"meta\":{Quote(meta)},\"state\":{Quote(state)},\"checksum_xxh3_128\":\"{placeholder}\"}}}}";
        var prefix = BitConverter.GetBytes((long)Encoding.UTF8.GetByteCount(header));
        var hash = new System.IO.Hashing.XxHash128();
        hash.Append(prefix);
        hash.Append(Encoding.UTF8.GetBytes(header));
        hash.Append(data ?? []);
        return RawFile(dir, $"forged-{Guid.NewGuid():N}.ckpt", header.Replace(placeholder, Convert.ToHexString(hash.GetCurrentHash()), StringComparison.Ordinal), data);
    }

    [TestMethod]
    public void ForgedChecksum_LoadsOnlyWhatIsShapedAsRunnerWritesIt()
    {
        var dir = TestEnvironment.NewTempDir("forged");

        using (var fine = CheckpointFile.Load(Forged(dir, "{\"epoch\":1}", "{}"))) Assert.AreEqual(1L, fine.Meta["epoch"], "the forging helper makes valid files");
        StringAssert.Contains(LoadFails(Forged(dir, "[1,2]", "{}"), weightsOnly: false).Message, "its meta section is malformed: expected a JSON object");
        StringAssert.Contains(LoadFails(Forged(dir, "{}", "5"), weightsOnly: false).Message, "its state section is malformed");
        StringAssert.Contains(LoadFails(Forged(dir, "{}", "{\"x\":{\"$tensor\":\"state_array/9\"}}"), weightsOnly: false).Message, "which the file does not have");
        StringAssert.Contains(LoadFails(Forged(dir, "{}", "{\"x\":{\"$tensor\":\"state_array/0\"}}",
            "\"__runner__/state_array/0\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", new byte[4]), weightsOnly: false).Message, "not a list of F64 or I64");
    }

    [TestMethod]
    public void HeaderLengthBeyondTheBound_IsRefused_BeforeReading()
    {
        var dir = TestEnvironment.NewTempDir("huge");
        var path = RawFile(dir, "huge.ckpt", "{}", declaredLength: CheckpointFile.MaxHeaderBytes + 1);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(CheckpointFile.MaxHeaderBytes + 64); // sparse

        var error = LoadFails(path, weightsOnly: true);

        StringAssert.Contains(error.Message, "header length");
    }

    [TestMethod]
    public void MoreTensorsThanTheBound_IsRefused()
    {
        var entries = string.Join(",", Enumerable.Range(0, CheckpointFile.MaxTensors + 1).Select(i => $"\"t{i}\":{{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}"));
        var path = RawFile(TestEnvironment.NewTempDir("many"), "many.ckpt", "{" + entries + "}");

        var error = LoadFails(path, weightsOnly: true);

        StringAssert.Contains(error.Message, $"more than {CheckpointFile.MaxTensors} tensors");
    }

    [TestMethod]
    public void AFolder_AFifo_AndAnEmptyFile_AreRefusedAtOnce()
    {
        var dir = TestEnvironment.NewTempDir("kinds");
        var fifo = Path.Combine(dir, "pipe.ckpt");
        SpecialFiles.Fifo(fifo);
        var empty = Path.Combine(dir, "empty.ckpt");
        File.WriteAllBytes(empty, []);

        StringAssert.Contains(LoadFails(dir, weightsOnly: false).Message, "is a folder");
        var fromFifo = Task.Run(() => LoadFails(fifo, weightsOnly: false));
        Assert.IsTrue(fromFifo.Wait(TimeSpan.FromSeconds(10)), "reading a FIFO must not wait for a writer");
        StringAssert.Contains(fromFifo.Result.Message, "not a regular file");
        StringAssert.Contains(LoadFails(empty, weightsOnly: false).Message, "has only 0 bytes");
    }

    [TestMethod]
    public void RandomDamage_IsAlwaysACheckpointException()
    {
        var dir = TestEnvironment.NewTempDir("fuzz");
        var original = File.ReadAllBytes(SaveSample(dir));
        var path = Path.Combine(dir, "damaged.ckpt");
        var random = new Random(12);

        for (var trial = 0; trial < 300; trial++)
        {
            var bytes = original.ToList();
            switch (trial % 4)
            {
                case 0: bytes[random.Next(bytes.Count)] = (byte)random.Next(256); break;
                case 1: bytes.RemoveRange(random.Next(bytes.Count), 1 + random.Next(16)); break;
                case 2: bytes.InsertRange(random.Next(bytes.Count), Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256))); break;
                default: bytes = bytes.Take(random.Next(bytes.Count)).ToList(); break;
            }
            if (bytes.SequenceEqual(original)) continue;
            File.WriteAllBytes(path, bytes.ToArray());

            try
            {
                CheckpointFile.Load(path).Dispose();
                Assert.Fail($"trial {trial}: a damaged file loaded");
            }
            catch (CheckpointException)
            {
                // What every damaged file must give.
            }
        }
    }

    [TestMethod]
    public void IsRunnerCheckpoint_TellsRunnerFilesFromOthers()
    {
        var dir = TestEnvironment.NewTempDir("own");
        var other = Path.Combine(dir, "notes.ckpt");
        File.WriteAllText(other, "my notes, not a checkpoint");

        Assert.IsTrue(CheckpointFile.IsRunnerCheckpoint(SaveSample(dir)));
        Assert.IsFalse(CheckpointFile.IsRunnerCheckpoint(other));
        Assert.IsFalse(CheckpointFile.IsRunnerCheckpoint(RawFile(dir, "plain.ckpt", "{}")));
        Assert.IsFalse(CheckpointFile.IsRunnerCheckpoint(Path.Combine(dir, "missing.ckpt")));
    }
}
