using Runner.Sdk.Checkpoints;
using Runner.Sdk.Models;

namespace Runner.Sdk.Running;

/// <summary>Loading a checkpoint's weights into a model (MMEngine's <c>load_state_dict</c> with its report), for the runner and the inferencer.</summary>
internal static class ModelWeights
{
    /// <summary>
    /// Copies <paramref name="checkpoint"/>'s weights into <paramref name="model"/>: mismatched names are an error with
    /// <paramref name="strict"/>, a warning without; a shape that differs, or a file that holds none of the model's
    /// weights, is always an error naming the file.
    /// </summary>
    public static void Load(BaseModel model, Checkpoint checkpoint, string path, bool strict, Action<string> warn)
    {
        var expected = model.state_dict();
        var unexpected = checkpoint.StateDict.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        // BatchNorm's num_batches_tracked is missing from many checkpoints (older PyTorch, other tools): ignored, as
        // MMEngine's load_state_dict does, for the warning and for strict loading alike.
        var missing = expected.Keys.Where(k => !checkpoint.StateDict.ContainsKey(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        var shapes = checkpoint.StateDict.Where(kv => expected.TryGetValue(kv.Key, out var mine) && !mine.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key}: checkpoint [{string.Join(", ", kv.Value.shape)}], model [{string.Join(", ", expected[kv.Key].shape)}]").ToList();
        // A foreign file can hold many thousands of names: the report lists the first few of each kind.
        static string Some(IReadOnlyList<string> names, string separator = ", ") =>
            string.Join(separator, names.Take(20)) + (names.Count > 20 ? $"{separator}… ({names.Count - 20} more)" : "");
        var report = "The model and loaded state dict do not match exactly" +
            (unexpected.Count > 0 ? $"{Environment.NewLine}unexpected key in source state_dict: {Some(unexpected)}" : "") +
            (missing.Count > 0 ? $"{Environment.NewLine}missing keys in source state_dict: {Some(missing)}" : "") +
            (shapes.Count > 0 ? $"{Environment.NewLine}size mismatch: {Some(shapes, "; ")}" : "");
        if (shapes.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw CheckpointException.Mismatch(path, report);
        if (expected.Count > 0 && !expected.Keys.Any(checkpoint.StateDict.ContainsKey))
        {
            // Loading nothing would evaluate or fine-tune the random initial weights as if they were trained.
            throw CheckpointException.Mismatch(path, checkpoint.StateDict.Count == 0
                ? "it holds no weights at all."
                : $"none of its {checkpoint.StateDict.Count} tensors is a weight of the model (it has e.g. '{unexpected[0]}'; the model has " +
                  $"e.g. '{expected.Keys.First()}'): is it a checkpoint of another model? load_from.revise_keys can rename its keys.");
        }
        if (missing.Count > 0 || unexpected.Count > 0) warn($"{report}{Environment.NewLine}(checkpoint {path})");
        model.load_state_dict(checkpoint.StateDict.Where(kv => expected.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), strict: false);
    }
}
