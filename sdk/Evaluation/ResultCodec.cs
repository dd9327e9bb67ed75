using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runner.Sdk.Evaluation;

/// <summary>
/// A metric's results as bytes, so the ranks can pool them (MMEngine pickles them for <c>collect_results</c>):
/// JSON, each result with its type's name, read back into the same type on rank 0. Results are plain values by
/// the metric contract — numbers, strings, arrays, lists, dictionaries, records — which JSON carries exactly
/// (doubles round-trip). Types are found in every loaded assembly, plugins' own load contexts included.
/// </summary>
internal static class ResultCodec
{
    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static byte[] Encode(IEnumerable<object> results, string metricName)
    {
        var array = new JsonArray();
        foreach (var result in results)
        {
            JsonNode? value;
            try
            {
                value = JsonSerializer.SerializeToNode(result, result.GetType(), Options);
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
            {
                throw new RunnerException($"{metricName}: its results cannot be sent between ranks ({result.GetType().Name}: {e.Message}); " +
                    "a metric's Process must add plain values (numbers, strings, arrays, lists, dictionaries, records), not tensors or handles.", e);
            }
            array.Add(new JsonArray(result.GetType().AssemblyQualifiedName, value));
        }
        return JsonSerializer.SerializeToUtf8Bytes(array);
    }

    public static List<object> Decode(byte[] payload, string metricName)
    {
        var results = new List<object>();
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var entry in JsonNode.Parse(payload)!.AsArray())
        {
            var name = (string)entry![0]!;
            if (!types.TryGetValue(name, out var type)) types[name] = type = Resolve(name, metricName);
            results.Add(entry[1].Deserialize(type, Options)
                ?? throw new RunnerException($"{metricName}: a result of type {type.Name} came back as null from another rank."));
        }
        return results;
    }

    private static Type Resolve(string assemblyQualifiedName, string metricName) =>
        Type.GetType(assemblyQualifiedName,
            name => AssemblyLoadContext.All.SelectMany(c => c.Assemblies).FirstOrDefault(a => a.FullName == name.FullName),
            (assembly, typeName, ignoreCase) => assembly?.GetType(typeName, false, ignoreCase) ?? Type.GetType(typeName, false, ignoreCase),
            throwOnError: false)
        ?? throw new RunnerException($"{metricName}: another rank sent a result of type '{assemblyQualifiedName}', which is not loaded on rank 0 (do all ranks load the same plugins?).");
}
