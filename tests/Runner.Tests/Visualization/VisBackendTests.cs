using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Runner.Sdk.Visualization;
using Runner.Tests.Support;

namespace Runner.Tests.Visualization;

[TestClass]
public sealed class VisBackendTests
{
    [TestMethod]
    public void Crc32C_MatchesTheStandardCheckValue() =>
        Assert.AreEqual(0xE3069283u, TensorboardVisBackend.Crc32C(Encoding.ASCII.GetBytes("123456789")));

    [TestMethod]
    public void ToyRun_WithBothBackends_WritesScalarsJsonConfigAndAValidEventFile()
    {
        // Arrange
        var workDir = TestEnvironment.NewTempDir("vis");

        // Act
        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options",
            "visualizer={ vis_backends = [{ type = \"LocalVisBackend\" }, { type = \"TensorboardVisBackend\" }] }");

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var visData = Path.Combine(RunRecords.LogDirs(workDir).Single(), "vis_data");
        var lines = File.ReadAllLines(Path.Combine(visData, "scalars.json"));
        Assert.AreEqual((byte)'{', File.ReadAllBytes(Path.Combine(visData, "scalars.json"))[0], "JSON lines, without a byte-order mark");
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.AreEqual(50, first.GetProperty("step").GetInt32());
        Assert.AreEqual(0.01, first.GetProperty("lr").GetDouble(), 1e-12);
        Assert.AreEqual(1, first.GetProperty("epoch").GetInt32());
        var validation = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.TryGetProperty("accuracy/top1", out _)).ToList();
        Assert.AreEqual(29.98046875, validation[0].GetProperty("accuracy/top1").GetDouble(), 1e-9);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, validation.Select(r => r.GetProperty("step").GetInt32()).ToArray(), "the epoch as step, as MMEngine writes it");
        CollectionAssert.AreEqual(new[] { 128, 256, 384 }, validation.Select(r => r.GetProperty("iter").GetInt32()).ToArray(), "and the training iteration it follows");
        StringAssert.Contains(File.ReadAllText(Path.Combine(visData, "config.toml")), "default_scope = \"toy\"");

        var records = ReadEvents(Directory.GetFiles(visData, "events.out.tfevents.*").Single());
        Assert.AreEqual("brain.Event:2", records[0].FileVersion);
        var accuracy = records.Where(r => r.Scalars.ContainsKey("accuracy/top1")).ToList();
        Assert.HasCount(3, accuracy);
        CollectionAssert.AreEqual(new long[] { 128, 256, 384 }, accuracy.Select(r => r.Step).ToArray(), "validation at the training iteration: one x axis for every curve");
        Assert.IsTrue(records.Any(r => r.Scalars.ContainsKey("val/time")) && records.Any(r => r.Scalars.ContainsKey("time")), "training and validation timings apart");
        Assert.IsFalse(accuracy.Any(r => r.Scalars.ContainsKey("time")), "validation's timing is not under training's tag");
        Assert.AreEqual(29.98046875f, accuracy[0].Scalars["accuracy/top1"]);
        Assert.IsTrue(records.All(r => r.WallTime is > 1.7e9 and < 4e9), "wall times are Unix seconds");
    }

    private sealed record EventRecord(double WallTime, long Step, string? FileVersion, Dictionary<string, float> Scalars);

    /// <summary>A minimal TFRecord + protobuf reader: checks both CRCs of every record and decodes Event, Summary and Value.</summary>
    private static List<EventRecord> ReadEvents(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<EventRecord>();
        var at = 0;
        while (at < bytes.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            Assert.AreEqual(Masked(bytes.AsSpan(at, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)), "length CRC");
            var data = bytes.AsSpan(at + 12, length);
            Assert.AreEqual(Masked(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length)), "data CRC");
            records.Add(Decode(data.ToArray()));
            at += 12 + length + 4;
        }
        return records;
    }

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = TensorboardVisBackend.Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static EventRecord Decode(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var scalars = new Dictionary<string, float>();
        foreach (var (field, value) in Fields(data))
        {
            switch (field)
            {
                case 1: wall = BitConverter.ToDouble(value); break;
                case 2: step = BitConverter.ToInt64(value); break;
                case 3: version = Encoding.UTF8.GetString(value); break;
                case 5:
                    foreach (var (_, entry) in Fields(value))
                    {
                        var parts = Fields(entry).ToDictionary(f => f.Field, f => f.Value);
                        scalars[Encoding.UTF8.GetString(parts[1])] = BitConverter.ToSingle(parts[2]);
                    }
                    break;
            }
        }
        return new EventRecord(wall, step, version, scalars);
    }

    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var at = 0;
        while (at < message.Length)
        {
            var key = (int)Varint(message, ref at);
            switch (key & 7)
            {
                case 0: yield return (key >> 3, BitConverter.GetBytes((long)Varint(message, ref at))); break;
                case 1: yield return (key >> 3, message[at..(at + 8)]); at += 8; break;
                case 5: yield return (key >> 3, message[at..(at + 4)]); at += 4; break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    yield return (key >> 3, message[at..(at + length)]);
                    at += length;
                    break;
                default: throw new InvalidDataException($"wire type {key & 7}");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }

    [TestMethod]
    public void DefaultJob_DrawsLossLrAndAccuracyCurves_AsValidPngFiles()
    {
        var workDir = TestEnvironment.NewTempDir("plots");

        var result = HostTester.Run("train", "--config", TestEnvironment.DigitsConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=2");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var plots = Path.Combine(RunRecords.LogDirs(workDir).Single(), "vis_data", "plots");
        CollectionAssert.AreEquivalent(new[] { "accuracy_top1.png", "loss.png", "lr.png" }, Directory.GetFiles(plots).Select(Path.GetFileName).ToArray());
        foreach (var png in Directory.GetFiles(plots))
        {
            var bytes = File.ReadAllBytes(png);
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8], $"{png} is not a PNG");
            Assert.AreEqual("IHDR", Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.AreEqual(800, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), "width");
            Assert.AreEqual(500, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)), "height");
            Assert.IsGreaterThan(10_000, bytes.Length, "a plot with lines, axes and text");
        }
    }
}
