using static TorchSharp.torch;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// The contents of a checkpoint, in memory: plain data (numbers, strings, lists, maps) and named tensors. Nothing
/// in it names a type to instantiate, so loading one never runs code.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    /// <summary>MMEngine's <c>meta</c>: epoch, iter, cfg, seed, experiment_name, time, runner version, dataset_meta.</summary>
    public Dictionary<string, object> Meta { get; } = new(StringComparer.Ordinal);

    /// <summary>The model's weights (<c>state_dict</c>), keyed as the model names them.</summary>
    public Dictionary<string, Tensor> StateDict { get; } = new(StringComparer.Ordinal);

    /// <summary>Other plain-data sections: <c>message_hub</c>, <c>param_schedulers</c>, hook state…</summary>
    public Dictionary<string, object> State { get; } = new(StringComparer.Ordinal);

    /// <summary>Other tensors: optimizer state, RNG state, hook tensors (an EMA copy…).</summary>
    public Dictionary<string, Tensor> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>Set on a loaded checkpoint whose integrity could be checked only in part (an older format): the loader logs it.</summary>
    public string? IntegrityWarning { get; internal set; }

    /// <summary>Disposes the tensors of the state dict and of every section.</summary>
    public void Dispose()
    {
        foreach (var tensor in StateDict.Values.Concat(Tensors.Values)) tensor.Dispose();
        StateDict.Clear();
        Tensors.Clear();
    }
}
