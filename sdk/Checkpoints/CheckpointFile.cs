using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Runner.Sdk.Storage;
using static TorchSharp.torch;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// Reads and writes checkpoints as one safetensors file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw tensor bytes. The model weights keep their own
/// names, so any safetensors reader (Python's <c>safetensors</c>, PyTorch) loads them; every other tensor is named
/// <c>__runner__/…</c>. The plain-data sections are stored as strings in the header's <c>__metadata__</c>, with an XXH3-128 checksum of the whole file (header and data; the checksum's own digits
/// count as zeros), so that any changed byte is detected.
/// Writes are atomic: a temporary file in the same folder is written, flushed to disk, and renamed over the target,
/// then the folder is synced, so a crash leaves either the old file or the new one, never half of one.
/// </summary>
internal static class CheckpointFile
{
    /// <summary>The file extension of Runner checkpoints.</summary>
    public const string Extension = ".ckpt";

    private const string InternalPrefix = "__runner__/";

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically, flushed to disk before it returns.</summary>
    public static void Save(Checkpoint checkpoint, string path) => Save(checkpoint, path, syncLater: null);

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="syncLater">When given, the file is flushed to disk by this queue, off the caller's thread (see <see cref="AtomicFile.Write"/>).</param>
    internal static void Save(Checkpoint checkpoint, string path, FileSyncQueue? syncLater)
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
        long offset = 0;
        foreach (var (name, cpu) in tensors)
        {
            var length = cpu.NumberOfElements * ElementSize(cpu.dtype);
            entries.Add((name, new Dictionary<string, object>
            {
                ["dtype"] = DTypeName(cpu.dtype),
                ["shape"] = cpu.shape,
                ["data_offsets"] = new[] { offset, offset + length },
            }));
            offset += length;
        }
        // The header is written as UTF-8 straight into pooled buffers, without strings of it, after 8 bytes left for
        // its length. Its checksum field holds zeros while the whole file is hashed, then the hash's hex digits.
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
            writer.WriteString("format", CheckpointHeader.Format);
            writer.WriteString("format_version", CheckpointHeader.FormatVersion);
            writer.WriteString("meta", meta.Written);
            writer.WriteString("state", stateJson.Written);
            writer.WriteString(CheckpointHeader.ChecksumKey, CheckpointHeader.ChecksumPlaceholder);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        // safetensors pads the header with spaces to a multiple of 8 so the data is aligned.
        var headerLength = prefix.Written.Length - 8;
        var padding = (8 - headerLength % 8) % 8;
        prefix.GetSpan(padding)[..padding].Fill((byte)' ');
        prefix.Advance(padding);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(prefix.Written, headerLength + padding);

        // The checksum field is the header's last; its digits end 3 bytes before the header's end ("}}), padding aside.
        var digits = prefix.Written.Length - padding - 3 - CheckpointHeader.ChecksumPlaceholder.Length;
        var hash = new XxHash128();
        hash.Append(prefix.Written);
        foreach (var (_, cpu) in tensors) hash.Append(cpu.bytes);
        Encoding.ASCII.GetBytes(Convert.ToHexString(hash.GetCurrentHash()), prefix.Written.Slice(digits, CheckpointHeader.ChecksumPlaceholder.Length));

        try
        {
            AtomicFile.Write(path, stream => WriteGathered(stream, prefix.Written, tensors.Select(t => t.Cpu).ToList()), bufferSize: 0, syncLater);
        }
        catch (FileWriteException e)
        {
            throw CheckpointException.WriteFailed(path, e.InnerException ?? e);
        }
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

    /// <summary>The most tensors a checkpoint may hold: a bound on the work an untrusted header can ask for
    /// (the largest models have tens of thousands; a crafted header could list millions of empty ones).</summary>
    public const int MaxTensors = 200_000;

    /// <summary>The largest header read (the header names the tensors and holds the plain-data sections; the long
    /// number lists of a run's history are tensors, so even long runs stay far below this).</summary>
    public const long MaxHeaderBytes = 64L << 20;

    /// <summary>
    /// Loads a Runner checkpoint; with <paramref name="weightsOnly"/>, any safetensors file (its tensors become the
    /// model weights). Everything in the file is checked before it is used: the header's shape and types, each
    /// tensor's size against its byte range, the checksum of the whole file; any fault is a
    /// <see cref="CheckpointException"/> naming the file and the problem.
    /// </summary>
    public static Checkpoint Load(string path, bool weightsOnly = false) => WithFile(path, 1 << 20, stream => Read(stream, path, weightsOnly));

    /// <summary>Runs <paramref name="read"/> on the opened file; a failure of the disk is reported as the file's.</summary>
    /// <param name="bufferSize">The stream's buffer: large to read tensors, 1 (none) to read a header only, so a check
    /// of a file's header allocates no megabyte buffer.</param>
    private static T WithFile<T>(string path, int bufferSize, Func<FileStream, T> read)
    {
        using var stream = Open(path, bufferSize);
        try
        {
            return read(stream);
        }
        catch (IOException e)
        {
            throw CheckpointException.Unreadable(path, e);
        }
    }

    /// <summary>Opens a checkpoint file for reading, once it is known to be a regular file that can hold a header.</summary>
    private static FileStream Open(string path, int bufferSize)
    {
        if (Directory.Exists(path))
            throw CheckpointException.Corrupt(path, "it is a folder, not a checkpoint file.");
        if (!File.Exists(path)) throw CheckpointException.NotFound(path);
        // Not opened until it is known to hold at least a header: opening a FIFO would wait for a writer forever,
        // and a device reads without end. Their size is 0.
        var fileLength = new FileInfo(path).Length;
        if (fileLength < 8) throw CheckpointException.Corrupt(path, $"the file has only {fileLength} bytes (or is not a regular file).");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CheckpointException.Unreadable(path, e);
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a regular file whose header says it is a Runner checkpoint (its data is
    /// not read): the test before Runner deletes or moves a file it believes it wrote.
    /// </summary>
    public static bool IsRunnerCheckpoint(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is null && WithFile(path, 1, stream => ReadHeader(stream, path, weightsOnly: true).Header.IsRunner);
        }
        catch (CheckpointException)
        {
            return false;
        }
    }

    /// <summary>
    /// The seed of the run that wrote a checkpoint (its <c>meta.seed</c>), read from the header alone; null when the
    /// file holds none or is not a sound checkpoint (resuming from it then reports what is wrong).
    /// </summary>
    public static long? SeedOf(string path)
    {
        try
        {
            var meta = WithFile(path, 1, stream => ReadHeader(stream, path, weightsOnly: false).Header.Meta);
            using var document = JsonDocument.Parse(meta);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("seed", out var seed) && seed.TryGetInt64(out var value)
                ? value
                : null;
        }
        catch (Exception e) when (e is CheckpointException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Checks a checkpoint's structure without reading its data: the header, and that the data has the length the
    /// header says (a truncated file fails here). What only the data shows (a changed byte) is found by
    /// <see cref="Load"/>. Cheap, so a command line can refuse a bad file before anything is printed or created.
    /// </summary>
    public static void CheckStructure(string path, bool weightsOnly = false) => WithFile(path, 1, stream => ReadHeader(stream, path, weightsOnly));

    private static (byte[] Prefix, byte[] HeaderBytes, CheckpointHeader Header) ReadHeader(FileStream stream, string path, bool weightsOnly)
    {
        var fileLength = stream.Length;
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        var headerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > fileLength - 8)
        {
            throw CheckpointException.Corrupt(path, $"the header length ({headerLength}) is out of range " +
                $"(the file has {fileLength} bytes; at most {MaxHeaderBytes} are read as a header).");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);

        var header = CheckpointHeader.Parse(headerBytes, path, fileLength - 8 - headerLength);
        if (!header.IsRunner && !weightsOnly)
            throw CheckpointException.Corrupt(path, "it is not a Runner checkpoint (no runner-checkpoint metadata); load_from reads plain safetensors files.");
        return (prefix, headerBytes, header);
    }

    private static Checkpoint Read(FileStream stream, string path, bool weightsOnly)
    {
        var (prefix, headerBytes, header) = ReadHeader(stream, path, weightsOnly);

        var checkpoint = new Checkpoint();
        try
        {
            var integrity = header.StartIntegrityCheck(prefix, headerBytes);
            foreach (var spec in header.Tensors)
            {
                var tensor = empty(spec.Shape, spec.DType);
                var isInternal = spec.Name.StartsWith(InternalPrefix, StringComparison.Ordinal);
                if (isInternal) checkpoint.Tensors[spec.Name[InternalPrefix.Length..]] = tensor;
                else checkpoint.StateDict[spec.Name] = tensor;
                var target = tensor.bytes;
                stream.ReadExactly(target);
                integrity?.Append(target);
            }
            if (integrity is not null && !integrity.Matches())
                throw CheckpointException.Corrupt(path, integrity.Problem);
            if (header.IsRunner)
            {
                foreach (var (key, value) in Section("meta", () => PlainData.FromJson(header.Meta))) checkpoint.Meta[key] = value;
                foreach (var (key, value) in Section("state", () => PlainData.FromJson(header.State))) checkpoint.State[key] = value;
                Section("state", () => StateArrays.Restore(checkpoint.State, checkpoint.Tensors));
            }
            checkpoint.IntegrityWarning = header.IntegrityWarning;
        }
        catch (EndOfStreamException)
        {
            checkpoint.Dispose();
            throw CheckpointException.Corrupt(path, "the file ends before its data does.");
        }
        catch (FormatException e)
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

    /// <summary>Reads one plain-data section; what is wrong with it is reported under its name.</summary>
    private static T Section<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidCastException or InvalidOperationException)
        {
            throw new FormatException($"its {name} section is malformed: {e.Message}", e);
        }
    }

    private static void Section(string name, Action read) => Section(name, () => { read(); return 0; });

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

    /// <summary>The dtype a safetensors name stands for; null for a name Runner does not read.</summary>
    internal static ScalarType? DTypeOf(string name) => name switch
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
        _ => null,
    };

    /// <summary>The bytes of one element.</summary>
    internal static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
