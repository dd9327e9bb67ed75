namespace Runner.Sdk.Checkpoints;

using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

/// <summary>
/// Reads and writes checkpoints as one safetensors file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw tensor bytes. The model weights keep their own
/// names, so any safetensors reader (Python's <c>safetensors</c>, PyTorch) loads them; every other tensor is named
/// <c>__runner__/…</c>. The plain-data sections and an XXH3 checksum of the tensor bytes are stored as strings in the
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

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="syncLater">When given, the file is flushed to disk by this queue, off the caller's thread (see <see cref="AtomicFile.Write"/>).</param>
    public static void Save(Checkpoint checkpoint, string path, FileSyncQueue? syncLater = null)
    {
        // The scope disposes every intermediate handle (detach, cpu, contiguous, the state's arrays); the caller's
        // tensors are untouched.
        using var scope = NewDisposeScope();
        var (state, stateArrays) = StateArrays.Extract(checkpoint.State);
        var named = checkpoint.StateDict.Select(kv => (Name: kv.Key, Value: kv.Value))
            .Concat(checkpoint.Tensors.Select(kv => (Name: InternalPrefix + kv.Key, kv.Value)))
            .Concat(stateArrays.Select(t => (Name: InternalPrefix + t.Name, Value: t.Tensor)))
            .ToList();

        // Contiguous CPU views of every tensor (no copy when it already is one); hashed first, then written from
        // the same memory, so the checksum can go in the header without a managed copy of the data.
        var tensors = named.Select(t => (t.Item1, Cpu: t.Value.detach().cpu().contiguous())).ToList();
        var entries = new List<(string Name, Dictionary<string, object> Entry)>();
        var hash = new XxHash3();
        long offset = 0;
        foreach (var (name, cpu) in tensors)
        {
            var bytes = cpu.bytes;
            hash.Append(bytes);
            entries.Add((name, new Dictionary<string, object>
            {
                ["dtype"] = DTypeName(cpu.dtype),
                ["shape"] = cpu.shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            }));
            offset += bytes.Length;
        }
        // The header is written as UTF-8 straight into pooled buffers, without strings of it, after 8 bytes left for
        // its length.
        using var meta = PlainData.ToUtf8Json(checkpoint.Meta);
        using var stateJson = PlainData.ToUtf8Json(state);
        using var prefix = new PlainData.PooledBuffer();
        prefix.GetSpan(8);
        prefix.Advance(8);
        using (var writer = new Utf8JsonWriter(prefix))
        {
            writer.WriteStartObject();
            foreach (var (name, entry) in entries)
            {
                writer.WritePropertyName(name);
                PlainData.Write(writer, entry);
            }
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", Format);
            writer.WriteString("format_version", FormatVersion);
            writer.WriteString("data_xxh3", Convert.ToHexString(hash.GetCurrentHash()));
            writer.WriteString("meta", meta.Written);
            writer.WriteString("state", stateJson.Written);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        // safetensors pads the header with spaces to a multiple of 8 so the data is aligned.
        var headerLength = prefix.Written.Length - 8;
        var padding = (8 - headerLength % 8) % 8;
        prefix.GetSpan(padding)[..padding].Fill((byte)' ');
        prefix.Advance(padding);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(prefix.Written, headerLength + padding);

        AtomicFile.Write(path, stream => WriteGathered(stream, prefix.Written, tensors.Select(t => t.Cpu).ToList()), bufferSize: 0, syncLater);
    }

    /// <summary>
    /// Writes the header and the tensors with few system calls and no per-file buffer: small pieces are gathered in a
    /// pooled buffer, large tensors go to the file straight from their own memory.
    /// </summary>
    private static void WriteGathered(Stream stream, ReadOnlySpan<byte> prefix, IReadOnlyList<Tensor> tensors)
    {
        var staging = System.Buffers.ArrayPool<byte>.Shared.Rent(GatherBytes);
        var used = 0;
        try
        {
            Put(stream, prefix);
            foreach (var tensor in tensors) Put(stream, tensor.bytes);
            stream.Write(staging, 0, used);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(staging);
        }

        void Put(Stream stream, ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > staging.Length - used)
            {
                stream.Write(staging, 0, used);
                used = 0;
            }
            if (bytes.Length >= staging.Length)
            {
                stream.Write(bytes);
                return;
            }
            bytes.CopyTo(staging.AsSpan(used));
            used += bytes.Length;
        }
    }

    private const int GatherBytes = 256 * 1024;

    /// <summary>Loads a Runner checkpoint; with <paramref name="weightsOnly"/>, any safetensors file (its tensors become the model weights).</summary>
    public static Checkpoint Load(string path, bool weightsOnly = false)
    {
        if (!File.Exists(path)) throw CheckpointException.NotFound(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
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
        var isRunner = header.TryGetProperty("__metadata__", out var metadata) && metadata.ValueKind == JsonValueKind.Object && Text(metadata, "format") == Format;
        if (!isRunner && !weightsOnly)
            throw CheckpointException.Corrupt(path, "it is not a Runner checkpoint (no runner-checkpoint metadata); load_from reads plain safetensors files.");

        var dataLength = fileLength - 8 - headerLength;
        var checkpoint = new Checkpoint();
        try
        {
            if (isRunner)
            {
                foreach (var (key, value) in PlainData.FromJson(Text(metadata, "meta"))) checkpoint.Meta[key] = value;
                foreach (var (key, value) in PlainData.FromJson(Text(metadata, "state"))) checkpoint.State[key] = value;
            }

            // Read each tensor's bytes straight into its own memory, in file order, hashing as they arrive.
            var specs = header.EnumerateObject().Where(e => e.Name != "__metadata__")
                .Select(e => (e.Name, Spec: e.Value, Offsets: e.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray()))
                .OrderBy(t => t.Offsets[0])
                .ToList();
            var hash = new XxHash3();
            // Checkpoints written before XXH3 carry a SHA-256 instead; both are checked the same way.
            var legacySha = isRunner && Text(metadata, "data_xxh3").Length == 0 && Text(metadata, "data_sha256").Length > 0
                ? System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256) : null;
            long position = 0;
            foreach (var (name, spec, offsets) in specs)
            {
                if (offsets.Length != 2 || offsets[0] != position || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    throw CheckpointException.Corrupt(path, $"tensor '{name}' points outside the data, or the data has gaps.");
                var tensor = EmptyTensor(spec, path, name);
                (name.StartsWith(InternalPrefix, StringComparison.Ordinal) ? checkpoint.Tensors : checkpoint.StateDict)
                    [name.StartsWith(InternalPrefix, StringComparison.Ordinal) ? name[InternalPrefix.Length..] : name] = tensor;
                var target = tensor.bytes;
                if (target.Length != offsets[1] - offsets[0])
                    throw CheckpointException.Corrupt(path, $"tensor '{name}' has {offsets[1] - offsets[0]} bytes but its shape needs {target.Length}.");
                stream.ReadExactly(target);
                hash.Append(target);
                legacySha?.AppendData(target);
                position = offsets[1];
            }
            if (position != dataLength) throw CheckpointException.Corrupt(path, $"the file has {dataLength - position} bytes after the last tensor.");
            StateArrays.Restore(checkpoint.State, checkpoint.Tensors);
            // A plain safetensors file carries no checksum; its structure was still checked above.
            var (expected, actual) = legacySha is null
                ? (Text(metadata, "data_xxh3"), Convert.ToHexString(hash.GetCurrentHash()))
                : (Text(metadata, "data_sha256"), Convert.ToHexString(legacySha.GetHashAndReset()));
            if (isRunner && !string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
                throw CheckpointException.Corrupt(path, "the tensor data does not match its checksum.");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or EndOfStreamException)
        {
            checkpoint.Dispose();
            throw CheckpointException.Corrupt(path, e.Message);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
        return checkpoint;
    }

    private static string Text(JsonElement metadata, string key) =>
        metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static Tensor EmptyTensor(JsonElement spec, string path, string name)
    {
        var dtype = DType(spec.GetProperty("dtype").GetString()!, path, name);
        var shape = spec.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        return empty(shape, dtype);
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
