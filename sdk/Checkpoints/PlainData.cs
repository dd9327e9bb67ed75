namespace Runner.Sdk.Checkpoints;

using System.Text.Json;

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
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, value);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, object? value)
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

    public static Dictionary<string, object> FromJson(string json)
    {
        if (string.IsNullOrEmpty(json)) return new Dictionary<string, object>();
        using var document = JsonDocument.Parse(json);
        return (Dictionary<string, object>)Convert(document.RootElement)!;
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
