using System.Text.Json;

namespace Runner.Sdk.Storage;

/// <summary>Turns JSON into plain .NET data: <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="bool"/>, lists and string-keyed maps; and back.</summary>
public static class PlainData
{
    /// <summary>
    /// Plain data as compact JSON: the same text <see cref="JsonSerializer"/> writes, without its reflection-based
    /// start-up (~0.15 s the first time a process serializes, a fifth of a short job's run).
    /// </summary>
    /// <remarks>Numbers, strings, booleans, null, maps and lists are written directly; anything else (a record a hook
    /// keeps in its state, say) goes through <see cref="JsonSerializer"/>.</remarks>
    public static string ToJson(object? value)
    {
        using var buffer = ToUtf8Json(value);
        return System.Text.Encoding.UTF8.GetString(buffer.Written);
    }

    /// <summary>Plain data as compact UTF-8 JSON in a pooled buffer (dispose it), for a checkpoint's header.</summary>
    internal static PooledBuffer ToUtf8Json(object? value)
    {
        var buffer = new PooledBuffer();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer)) Write(writer, value);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A growable byte buffer rented from <see cref="System.Buffers.ArrayPool{T}"/>: a checkpoint's header is written
    /// at every save, and fresh arrays for it would be garbage each time (on the large-object heap when it is big).
    /// </summary>
    internal sealed class PooledBuffer : System.Buffers.IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        private int _written;

        public Span<byte> Written => _array.AsSpan(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Reserve(sizeHint);
            return _array.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Reserve(sizeHint);
            return _array.AsSpan(_written);
        }

        private void Reserve(int sizeHint)
        {
            var needed = _written + Math.Max(sizeHint, 1);
            if (needed > _array.Length)
            {
                var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
                Written.CopyTo(larger);
                System.Buffers.ArrayPool<byte>.Shared.Return(_array);
                _array = larger;
            }
        }

        public void Dispose() => System.Buffers.ArrayPool<byte>.Shared.Return(_array);
    }

    internal static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string text: writer.WriteStringValue(text); break;
            case bool flag: writer.WriteBooleanValue(flag); break;
            case int or long or short or sbyte or byte or ushort or uint:
                writer.WriteNumberValue(System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ulong number: writer.WriteNumberValue(number); break;
            case double number: writer.WriteNumberValue(number); break;
            case float number: writer.WriteNumberValue(number); break;
            case decimal number: writer.WriteNumberValue(number); break;
            case System.Collections.IDictionary map when IsStringKeyed(map):
                writer.WriteStartObject();
                foreach (System.Collections.DictionaryEntry entry in map)
                {
                    writer.WritePropertyName((string)entry.Key);
                    Write(writer, entry.Value);
                }
                writer.WriteEndObject();
                break;
            case System.Collections.IEnumerable items when value is not System.Collections.IDictionary:
                writer.WriteStartArray();
                foreach (var item in items) Write(writer, item);
                writer.WriteEndArray();
                break;
            default: JsonSerializer.Serialize(writer, value, value.GetType()); break;
        }
    }

    private static bool IsStringKeyed(System.Collections.IDictionary map) =>
        map.GetType() is { IsGenericType: true } type && type.GetGenericArguments()[0] == typeof(string);

    /// <summary>Reads plain data written by <c>ToJson</c>: objects become dictionaries, arrays lists, numbers <c>long</c> or <c>double</c>.</summary>
    public static Dictionary<string, object> FromJson(string json)
    {
        if (string.IsNullOrEmpty(json)) return new Dictionary<string, object>();
        using var document = JsonDocument.Parse(json);
        return Convert(document.RootElement) as Dictionary<string, object>
            ?? throw new FormatException($"expected a JSON object, got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
    }

    /// <summary>A list of numbers from plain data (a JSON list, or a list kept in memory).</summary>
    public static double[] ToDoubles(object value) =>
        ((System.Collections.IEnumerable)value).Cast<object>().Select(v => System.Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A list of integers from plain data.</summary>
    public static long[] ToLongs(object value) =>
        ((System.Collections.IEnumerable)value).Cast<object>().Select(v => System.Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value)!, StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
