namespace Runner.Sdk.Checkpoints;

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

/// <summary>
/// Reads and writes checkpoints as one safetensors file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw tensor bytes. The model weights keep their own
/// names, so any safetensors reader (Python's <c>safetensors</c>, PyTorch) loads them; every other tensor is named
/// <c>__runner__/…</c>. The plain-data sections and a SHA-256 of the tensor bytes are stored as JSON strings in the
/// header's <c>__metadata__</c>.
/// Writes are atomic: a temporary file in the same folder is written, flushed to disk, and renamed over the target,
/// then the folder is synced, so a crash leaves either the old file or the new one, never half of one.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The file extension of Runner checkpoints.</summary>
    public const string Extension = ".ckpt";

    private const string Format = "runner-checkpoint";
    private const string FormatVersion = "1";
    private const string InternalPrefix = "__runner__/";
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void Save(Checkpoint checkpoint, string path)
    {
        var tensors = checkpoint.StateDict.Select(kv => (kv.Key, kv.Value))
            .Concat(checkpoint.Tensors.Select(kv => (InternalPrefix + kv.Key, kv.Value)))
            .ToList();

        // Tensor bytes first (on the CPU, contiguous), so their checksum can go into the header.
        var blobs = new List<byte[]>(tensors.Count);
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        long offset = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in tensors)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            var bytes = cpu.bytes.ToArray();
            sha.AppendData(bytes);
            blobs.Add(bytes);
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DTypeName(cpu.dtype),
                ["shape"] = cpu.shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            };
            offset += bytes.Length;
        }
        header["__metadata__"] = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion,
            ["data_sha256"] = Convert.ToHexString(sha.GetHashAndReset()),
            ["meta"] = JsonSerializer.Serialize(checkpoint.Meta, Json),
            ["state"] = JsonSerializer.Serialize(checkpoint.State, Json),
        };
        var headerBytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header, Json));
        // safetensors pads the header with spaces to a multiple of 8 so the data is aligned.
        var padded = (headerBytes.Length + 7) / 8 * 8;

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var blob in blobs) stream.Write(blob);
        });
    }

    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path)) throw CheckpointException.NotFound(path);
        using var stream = File.OpenRead(path);
        var fileLength = stream.Length;
        if (fileLength < 8) throw CheckpointException.Corrupt(path, $"the file has only {fileLength} bytes.");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > fileLength)
            throw CheckpointException.Corrupt(path, "the header length is out of range.");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);

        JsonElement header;
        try
        {
            header = JsonDocument.Parse(headerBytes).RootElement;
        }
        catch (JsonException e)
        {
            throw CheckpointException.Corrupt(path, $"the header is not valid JSON ({e.Message}).");
        }
        if (!header.TryGetProperty("__metadata__", out var metadata) || Text(metadata, "format") != Format)
            throw CheckpointException.Corrupt(path, "it is not a Runner checkpoint (no runner-checkpoint metadata).");

        var dataStart = 8 + headerLength;
        var dataLength = fileLength - dataStart;
        var data = new byte[dataLength];
        stream.ReadExactly(data);
        var expected = Text(metadata, "data_sha256");
        var actual = Convert.ToHexString(SHA256.HashData(data));
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw CheckpointException.Corrupt(path, "the tensor data does not match its checksum.");

        var checkpoint = new Checkpoint();
        try
        {
            foreach (var (key, value) in PlainData.FromJson(Text(metadata, "meta"))) checkpoint.Meta[key] = value;
            foreach (var (key, value) in PlainData.FromJson(Text(metadata, "state"))) checkpoint.State[key] = value;
            foreach (var entry in header.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                var tensor = ReadTensor(entry.Value, data, path, entry.Name);
                if (entry.Name.StartsWith(InternalPrefix, StringComparison.Ordinal))
                    checkpoint.Tensors[entry.Name[InternalPrefix.Length..]] = tensor;
                else
                    checkpoint.StateDict[entry.Name] = tensor;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            checkpoint.Dispose();
            throw CheckpointException.Corrupt(path, e.Message);
        }
        return checkpoint;
    }

    private static string Text(JsonElement metadata, string key) =>
        metadata.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static Tensor ReadTensor(JsonElement spec, byte[] data, string path, string name)
    {
        var dtype = DType(spec.GetProperty("dtype").GetString()!, path, name);
        var shape = spec.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var offsets = spec.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > data.Length)
            throw CheckpointException.Corrupt(path, $"tensor '{name}' points outside the file.");
        var tensor = empty(shape, dtype);
        var target = tensor.bytes;
        if (target.Length != offsets[1] - offsets[0])
            throw CheckpointException.Corrupt(path, $"tensor '{name}' has {offsets[1] - offsets[0]} bytes but its shape needs {target.Length}.");
        data.AsSpan((int)offsets[0], target.Length).CopyTo(target);
        return tensor;
    }

    private static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"Tensors of dtype {dtype} cannot be checkpointed."),
    };

    private static ScalarType DType(string name, string path, string tensor) => name switch
    {
        "F32" => ScalarType.Float32,
        "F64" => ScalarType.Float64,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw CheckpointException.Corrupt(path, $"tensor '{tensor}' has unknown dtype '{name}'."),
    };
}
