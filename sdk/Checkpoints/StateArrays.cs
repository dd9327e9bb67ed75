using static TorchSharp.torch;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// Moves the long lists of numbers in a checkpoint's plain-data state (the message hub's histories: up to 10,000
/// values per logged scalar) into tensors of the file's own, and puts them back on load.
/// </summary>
/// <remarks>
/// As JSON they made each checkpoint's header megabytes of text to write, escape and parse; as tensors they are
/// written from memory like the weights, and checksummed with them. In the JSON a moved list reads
/// <c>{"$tensor": "state_array/N"}</c>; checkpoints written before keep their lists inline and load as before.
/// </remarks>
internal static class StateArrays
{
    /// <summary>The name prefix of the moved lists among a checkpoint's internal tensors.</summary>
    public const string Prefix = "state_array/";

    private const string Marker = "$tensor";
    private const int MinLength = 64;

    /// <summary>A copy of <paramref name="state"/> whose long lists of numbers are references to the returned tensors.</summary>
    public static (object? State, List<(string Name, Tensor Tensor)> Tensors) Extract(object? state)
    {
        var tensors = new List<(string, Tensor)>();
        return (Replace(state, tensors), tensors);
    }

    private static object? Replace(object? value, List<(string, Tensor)> tensors)
    {
        switch (value)
        {
            case IReadOnlyList<double> numbers when numbers.Count >= MinLength:
                return Reference(tensor(numbers.ToArray(), ScalarType.Float64), tensors);
            case IReadOnlyList<long> numbers when numbers.Count >= MinLength:
                return Reference(tensor(numbers.ToArray(), ScalarType.Int64), tensors);
            case IDictionary<string, object> map:
                return map.ToDictionary(kv => kv.Key, kv => Replace(kv.Value, tensors), StringComparer.Ordinal);
            case IList<object> list:
                return list.Select(item => Replace(item, tensors)).ToList();
            default:
                return value;
        }
    }

    private static Dictionary<string, object> Reference(Tensor moved, List<(string, Tensor)> tensors)
    {
        var name = Prefix + tensors.Count;
        tensors.Add((name, moved));
        return new Dictionary<string, object> { [Marker] = name };
    }

    /// <summary>Puts the moved lists back into <paramref name="state"/> (in place), taking their tensors out of
    /// <paramref name="tensors"/> and disposing them.</summary>
    public static void Restore(Dictionary<string, object> state, Dictionary<string, Tensor> tensors)
    {
        foreach (var key in state.Keys.ToList()) state[key] = Resolve(state[key], tensors)!;
        foreach (var name in tensors.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal)).ToList())
        {
            tensors.Remove(name, out var unused);
            unused!.Dispose();
        }
    }

    private static object? Resolve(object? value, Dictionary<string, Tensor> tensors)
    {
        switch (value)
        {
            case Dictionary<string, object> { Count: 1 } reference when reference.TryGetValue(Marker, out var name) && name is string tensorName:
                if (!tensors.TryGetValue(tensorName, out var moved))
                    throw new FormatException($"the state refers to tensor '{tensorName}', which the file does not have.");
                return moved.dtype switch
                {
                    ScalarType.Float64 => moved.data<double>().ToArray(),
                    ScalarType.Int64 => moved.data<long>().ToArray(),
                    _ => throw new FormatException($"the state's tensor '{tensorName}' is {moved.dtype}, not a list of F64 or I64 numbers."),
                };
            case Dictionary<string, object> map:
                foreach (var key in map.Keys.ToList()) map[key] = Resolve(map[key], tensors)!;
                return map;
            case List<object> list:
                for (var i = 0; i < list.Count; i++) list[i] = Resolve(list[i], tensors)!;
                return list;
            default:
                return value;
        }
    }
}
