using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Visualization;

/// <summary>
/// Writes TensorBoard event files (<c>vis_data/events.out.tfevents.&lt;time&gt;.&lt;host&gt;</c>) that TensorBoard reads:
/// TFRecord framing (length, masked CRC-32C of the length, the event, masked CRC-32C of the event) around
/// protobuf <c>Event</c> messages encoded here, with Unix wall times (TorchSharp's own <c>SummaryWriter</c> writes
/// .NET ticks there, which TensorBoard misreads).
/// </summary>
[Register]
internal sealed class TensorboardVisBackend(VisContext context) : IVisBackend
{
    private FileStream? _file;

    /// <summary>The event file, once something was written.</summary>
    public string? EventFile { get; private set; }

    /// <summary>
    /// Validation metrics at the training iteration they follow, so that every curve shares one x axis (MMEngine
    /// writes them at the epoch, beside training scalars written at the iteration); validation's timings under tags of
    /// their own (<c>val/time</c>), apart from training's.
    /// </summary>
    public void AddValScalars(IReadOnlyDictionary<string, double> scalars, int step, int iteration) =>
        AddScalars(scalars.ToDictionary(kv => kv.Key is "time" or "data_time" ? "val/" + kv.Key : kv.Key, kv => kv.Value), iteration > 0 ? iteration : step);

    public void AddScalars(IReadOnlyDictionary<string, double> scalars, int step)
    {
        var summary = new List<byte>();
        Span<byte> number = stackalloc byte[4];
        foreach (var (tag, value) in scalars)
        {
            var entry = new List<byte>();
            WriteBytesField(entry, 1, Encoding.UTF8.GetBytes(tag));                  // Summary.Value.tag
            entry.Add((2 << 3) | 5);                                                  // Summary.Value.simple_value (float)
            BinaryPrimitives.WriteSingleLittleEndian(number, (float)value);
            entry.AddRange(number.ToArray());
            WriteBytesField(summary, 1, [.. entry]);                                  // Summary.value
        }
        var evt = new List<byte>();
        WriteWallTime(evt);
        evt.Add(2 << 3);                                                              // Event.step (varint)
        WriteVarint(evt, (ulong)step);
        WriteBytesField(evt, 5, [.. summary]);                                        // Event.summary
        WriteRecord([.. evt]);
    }

    /// <summary>TensorBoard shows text summaries only through a plugin; the config goes to the local backend.</summary>
    public void AddConfig(string toml) { }

    public void Flush() => _file?.Flush();

    public void Close()
    {
        _file?.Dispose();
        _file = null;
    }

    private void WriteRecord(byte[] data)
    {
        if (_file is null)
        {
            Directory.CreateDirectory(context.SaveDir);
            EventFile = Path.Combine(context.SaveDir, $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}");
            _file = new FileStream(EventFile, FileMode.Append, FileAccess.Write, FileShare.Read);
            var version = new List<byte>();
            WriteWallTime(version);
            WriteBytesField(version, 3, Encoding.UTF8.GetBytes("brain.Event:2"));   // Event.file_version
            WriteFramed(_file, [.. version]);
        }
        WriteFramed(_file, data);
    }

    private static void WriteFramed(Stream stream, byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        stream.Write(header);
        stream.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(data));
        stream.Write(footer);
    }

    private static void WriteWallTime(List<byte> message)
    {
        message.Add((1 << 3) | 1);                                                    // Event.wall_time (double)
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(time, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        message.AddRange(time.ToArray());
    }

    private static void WriteBytesField(List<byte> message, int field, byte[] bytes)
    {
        message.Add((byte)((field << 3) | 2));
        WriteVarint(message, (ulong)bytes.Length);
        message.AddRange(bytes);
    }

    private static void WriteVarint(List<byte> message, ulong value)
    {
        while (value >= 0x80)
        {
            message.Add((byte)(value | 0x80));
            value >>= 7;
        }
        message.Add((byte)value);
    }

    /// <summary>CRC-32C (Castagnoli), as TFRecord uses it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    private static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }
}
