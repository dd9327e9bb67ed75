namespace Runner.Sdk.Checkpoints;

using System.Text.Json;

/// <summary>Turns JSON into plain .NET data: <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="bool"/>, lists and string-keyed maps.</summary>
public static class PlainData
{
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
