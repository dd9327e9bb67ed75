using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// The JSON header of a checkpoint file, parsed and checked as untrusted input: a JSON object whose entries are
/// tensors (<c>dtype</c> of a known name, <c>shape</c> of non-negative integers, <c>data_offsets</c> of two integers
/// that tile the data exactly, each range the size its shape needs) plus <c>__metadata__</c>, a map of strings.
/// Nothing is allocated for a tensor before its entry has passed these checks.
/// </summary>
internal sealed class CheckpointHeader
{
    public const string Format = "runner-checkpoint";

    /// <summary>Version 2 checksums the whole file (header and data); version 1 checksummed the tensor bytes only.</summary>
    public const string FormatVersion = "2";

    /// <summary>The metadata key of the whole-file checksum: XXH3-128 of the file with this value's hex digits zeroed.</summary>
    public const string ChecksumKey = "checksum_xxh3_128";

    /// <summary>The checksum's placeholder while it is computed: 32 zero digits, the length of the hex checksum.</summary>
    public static readonly string ChecksumPlaceholder = new('0', 32);

    private const int MaxRank = 64;

    public sealed record TensorSpec(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    private readonly string _path;
    private readonly IReadOnlyDictionary<string, string> _metadata;

    private CheckpointHeader(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<TensorSpec> tensors)
    {
        _path = path;
        _metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<TensorSpec> Tensors { get; }

    public bool IsRunner => _metadata.TryGetValue("format", out var format) && format == Format;

    /// <summary>The JSON text of the <c>meta</c> section ("" when absent).</summary>
    public string Meta => _metadata.GetValueOrDefault("meta", "");

    /// <summary>The JSON text of the plain-data sections ("" when absent).</summary>
    public string State => _metadata.GetValueOrDefault("state", "");

    /// <summary>Set for a file whose header no checksum covers (written by Runner before format version 2).</summary>
    public string? IntegrityWarning { get; private set; }

    public static CheckpointHeader Parse(byte[] headerBytes, string path, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw CheckpointException.Corrupt(path, $"the header is not valid JSON ({e.Message}).");
        }
        using (document)
        {
            try
            {
                return Parse(document.RootElement, path, dataLength);
            }
            catch (InvalidOperationException e)
            {
                // Strings that are not valid UTF-8 fail only when read.
                throw CheckpointException.Corrupt(path, $"the header is not valid UTF-8 JSON ({e.Message}).");
            }
        }
    }

    private static CheckpointHeader Parse(JsonElement root, string path, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw CheckpointException.Corrupt(path, $"the header is a JSON {Kind(root)}, not an object of tensors.");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<TensorSpec>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in root.EnumerateObject())
        {
            if (!names.Add(entry.Name)) throw CheckpointException.Corrupt(path, $"the header names '{Shorten(entry.Name)}' twice.");
            if (entry.Name == "__metadata__")
            {
                ReadMetadata(entry.Value, metadata, path);
                continue;
            }
            if (tensors.Count == CheckpointFile.MaxTensors)
                throw CheckpointException.Corrupt(path, $"it lists more than {CheckpointFile.MaxTensors} tensors.");
            tensors.Add(ReadTensor(entry.Name, entry.Value, path));
        }

        tensors.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long position = 0;
        foreach (var spec in tensors)
        {
            if (spec.Begin != position || spec.End > dataLength)
                throw CheckpointException.Corrupt(path, $"tensor '{Shorten(spec.Name)}' points outside the data, or the data has gaps or overlaps.");
            position = spec.End;
        }
        if (position != dataLength) throw CheckpointException.Corrupt(path, $"the file has {dataLength - position} bytes after the last tensor.");

        var header = new CheckpointHeader(path, metadata, tensors);
        if (header.IsRunner)
        {
            var version = metadata.GetValueOrDefault("format_version", "1");
            if (version is not ("1" or FormatVersion))
                throw CheckpointException.Corrupt(path, $"it has format version '{Shorten(version)}', and this Runner reads versions 1 and {FormatVersion}.");
        }
        return header;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw CheckpointException.Corrupt(path, $"__metadata__ is a JSON {Kind(value)}, not an object.");
        foreach (var item in value.EnumerateObject())
        {
            // safetensors metadata maps strings to strings; Runner's sections are JSON held in strings.
            if (item.Value.ValueKind != JsonValueKind.String)
                throw CheckpointException.Corrupt(path, $"__metadata__.{Shorten(item.Name)} is a JSON {Kind(item.Value)}, not a string.");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw CheckpointException.Corrupt(path, $"__metadata__ names '{Shorten(item.Name)}' twice.");
        }
    }

    private static TensorSpec ReadTensor(string name, JsonElement value, string path)
    {
        string Problem(string what) => $"tensor '{Shorten(name)}' {what}";
        if (value.ValueKind != JsonValueKind.Object) throw CheckpointException.Corrupt(path, Problem($"is a JSON {Kind(value)}, not an object."));
        if (!value.TryGetProperty("dtype", out var dtypeValue) || dtypeValue.ValueKind != JsonValueKind.String)
            throw CheckpointException.Corrupt(path, Problem("has no dtype name (\"F32\", \"I64\"…)."));
        var dtype = CheckpointFile.DTypeOf(dtypeValue.GetString()!)
            ?? throw CheckpointException.Corrupt(path, Problem($"has unknown dtype '{Shorten(dtypeValue.GetString()!)}'."));

        if (!value.TryGetProperty("shape", out var shapeValue) || shapeValue.ValueKind != JsonValueKind.Array)
            throw CheckpointException.Corrupt(path, Problem("has no shape (a list of sizes)."));
        if (shapeValue.GetArrayLength() > MaxRank) throw CheckpointException.Corrupt(path, Problem($"has more than {MaxRank} dimensions."));
        var shape = new long[shapeValue.GetArrayLength()];
        var elements = 1L;
        var i = 0;
        foreach (var size in shapeValue.EnumerateArray())
        {
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var n) || n < 0)
                throw CheckpointException.Corrupt(path, Problem($"has a shape entry that is not a size: {Shorten(size.GetRawText())}."));
            shape[i++] = n;
            elements = n == 0 || elements == 0 ? 0 : elements > long.MaxValue / n ? -1 : elements * n;
            if (elements < 0) throw CheckpointException.Corrupt(path, Problem("has a shape too large for any file."));
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsValue) || offsetsValue.ValueKind != JsonValueKind.Array
            || offsetsValue.GetArrayLength() != 2
            || offsetsValue[0].ValueKind != JsonValueKind.Number || !offsetsValue[0].TryGetInt64(out var begin)
            || offsetsValue[1].ValueKind != JsonValueKind.Number || !offsetsValue[1].TryGetInt64(out var end)
            || begin < 0 || end < begin)
            throw CheckpointException.Corrupt(path, Problem("has no valid data_offsets (two byte positions, begin ≤ end)."));

        var elementSize = CheckpointFile.ElementSize(dtype);
        if (elements > long.MaxValue / elementSize || elements * elementSize != end - begin)
            throw CheckpointException.Corrupt(path, Problem($"has {end - begin} bytes, but its shape [{string.Join(", ", shape)}] of {dtypeValue.GetString()} needs a different number."));
        return new TensorSpec(name, dtype, shape, begin, end);
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    /// <summary>A name from the file, cut short for a one-line message.</summary>
    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    /// <summary>
    /// The check of the file's checksum, fed with the tensor bytes as they are read; null for a plain safetensors
    /// file, which carries none (its structure is still checked).
    /// </summary>
    public IntegrityCheck? StartIntegrityCheck(ReadOnlySpan<byte> lengthPrefix, byte[] headerBytes)
    {
        if (!IsRunner) return null;
        if (_metadata.TryGetValue(ChecksumKey, out var whole))
            return IntegrityCheck.WholeFile(whole, lengthPrefix, ZeroChecksum(headerBytes, whole), _path);
        if (_metadata.GetValueOrDefault("format_version", "1") == FormatVersion)
            throw CheckpointException.Corrupt(_path, $"its header has no {ChecksumKey}.");
        IntegrityWarning = $"Checkpoint '{_path}' was written by an older Runner (format version 1): its checksum covers the tensors only, " +
            "so an edit of its header (epoch, iteration, hook state) cannot be detected. Save a new checkpoint to have it covered.";
        if (_metadata.TryGetValue("data_xxh3", out var xxh3)) return IntegrityCheck.DataOnly(xxh3, sha256: false);
        if (_metadata.TryGetValue("data_sha256", out var sha)) return IntegrityCheck.DataOnly(sha, sha256: true);
        throw CheckpointException.Corrupt(_path, "its header has no checksum.");
    }

    /// <summary>The header with the checksum's digits replaced by zeros, as they were when the checksum was computed.</summary>
    private byte[] ZeroChecksum(byte[] headerBytes, string checksum)
    {
        var field = Encoding.UTF8.GetBytes($"\"{ChecksumKey}\":\"{checksum}\"");
        var at = headerBytes.AsSpan().IndexOf(field);
        if (checksum.Length != ChecksumPlaceholder.Length || at < 0 || headerBytes.AsSpan(at + 1).IndexOf(field) >= 0)
            throw CheckpointException.Corrupt(_path, $"its {ChecksumKey} is not written as Runner writes it.");
        var copy = (byte[])headerBytes.Clone();
        var digits = at + field.Length - 1 - checksum.Length;
        copy.AsSpan(digits, checksum.Length).Fill((byte)'0');
        return copy;
    }

    /// <summary>A running checksum over what was read, compared with the one the file states.</summary>
    internal sealed class IntegrityCheck
    {
        private readonly string _expected;
        private readonly XxHash128? _whole;
        private readonly XxHash3? _data;
        private readonly System.Security.Cryptography.IncrementalHash? _sha;

        private IntegrityCheck(string expected, XxHash128? whole, XxHash3? data, System.Security.Cryptography.IncrementalHash? sha, string problem)
        {
            _expected = expected;
            _whole = whole;
            _data = data;
            _sha = sha;
            Problem = problem;
        }

        public string Problem { get; }

        public static IntegrityCheck WholeFile(string expected, ReadOnlySpan<byte> lengthPrefix, byte[] zeroedHeader, string path)
        {
            var hash = new XxHash128();
            hash.Append(lengthPrefix);
            hash.Append(zeroedHeader);
            return new IntegrityCheck(expected, hash, null, null, "the file does not match its checksum (its header or its data changed after it was written).");
        }

        public static IntegrityCheck DataOnly(string expected, bool sha256) => sha256
            ? new IntegrityCheck(expected, null, null, System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256),
                "the tensor data does not match its checksum.")
            : new IntegrityCheck(expected, null, new XxHash3(), null, "the tensor data does not match its checksum.");

        public void Append(ReadOnlySpan<byte> bytes)
        {
            _whole?.Append(bytes);
            _data?.Append(bytes);
            _sha?.AppendData(bytes);
        }

        public bool Matches()
        {
            var actual = _whole is not null ? _whole.GetCurrentHash() : _data is not null ? _data.GetCurrentHash() : _sha!.GetHashAndReset();
            // Runner writes upper-case digits: a flipped case bit in them is a change like any other.
            return string.Equals(Convert.ToHexString(actual), _expected, _whole is not null ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
        }
    }
}
