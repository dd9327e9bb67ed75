using Runner.Sdk.Storage;

namespace Runner.Sdk.Inference;

/// <summary>
/// What the model predicts for one input: for a classifier, the class, its name and probability, and every class's
/// probability; for any model, the whole record as <c>runner-host infer --out</c> writes it (<see cref="Record"/>).
/// </summary>
public sealed class Prediction
{
    internal Prediction(string source, Dictionary<string, object> record, IReadOnlyList<string>? classes)
    {
        Source = source;
        Record = record;
        _classes = classes;
        Label = record.TryGetValue("pred_label", out var label) ? (long)label : null;
        ClassName = record.TryGetValue("pred_class", out var name) ? (string)name : null;
        Scores = record.TryGetValue("pred_score", out var scores) && scores is List<object> values ? values.Select(v => (double)v).ToList() : null;
        Score = Label is { } l && Scores is { } s && l >= 0 && l < s.Count ? s[(int)l] : null;
    }

    private readonly IReadOnlyList<string>? _classes;

    /// <summary>The input: its file path, or the name given with bytes, a stream or a tensor.</summary>
    public string Source { get; }

    /// <summary>The predicted class (<c>pred_label</c>), or null when the model predicts no class.</summary>
    public long? Label { get; }

    /// <summary>The predicted class's name (<c>pred_class</c>), when the checkpoint's dataset named its classes.</summary>
    public string? ClassName { get; }

    /// <summary>The predicted class's probability, when the model gives probabilities.</summary>
    public double? Score { get; }

    /// <summary>Every class's probability (<c>pred_score</c>), in label order, when the model gives them.</summary>
    public IReadOnlyList<double>? Scores { get; }

    /// <summary>
    /// The whole record, as plain data (numbers, strings, lists): <c>img_path</c>, <c>pred_label</c>,
    /// <c>pred_class</c>, <c>pred_score</c>, then every other output of the model under its own name (a
    /// classifier's logits as <c>scores</c>).
    /// </summary>
    public IReadOnlyDictionary<string, object> Record { get; }

    /// <summary>The <paramref name="k"/> most probable classes, most probable first (empty without probabilities).</summary>
    /// <example><code>foreach (var top in prediction.TopK(3)) Console.WriteLine($"{top.ClassName}: {top.Probability:P1}");</code></example>
    public IReadOnlyList<ClassProbability> TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (Scores is not { } scores) return [];
        return scores.Select((p, label) => new ClassProbability(label, _classes is not null && label < _classes.Count ? _classes[label] : null, p))
            .OrderByDescending(c => c.Probability).ThenBy(c => c.Label).Take(k).ToList();
    }

    /// <summary>The record as one line of JSON (what <c>infer --out</c> writes).</summary>
    public string ToJson() => PlainData.ToJson(Record);
}

/// <summary>One class and its probability.</summary>
/// <param name="Label">The class index.</param>
/// <param name="ClassName">Its name, when the classes are named.</param>
/// <param name="Probability">Its probability.</param>
public readonly record struct ClassProbability(long Label, string? ClassName, double Probability);
