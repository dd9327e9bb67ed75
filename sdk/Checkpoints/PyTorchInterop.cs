using System.Collections;
using TorchSharp.PyBridge;
using Runner.Sdk.Storage;
using static TorchSharp.torch;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// Model weights to and from PyTorch's formats (TorchSharp.PyBridge): a <c>torch.save</c> state dict (<c>.pt</c>,
/// <c>.pth</c>), which <c>torch.load(weights_only=True)</c> reads, and safetensors. Reading a pickle rebuilds tensors
/// only: the unpickler maps anything else to inert data, and no code from the file runs.
/// </summary>
internal static class PyTorchInterop
{
    /// <summary>Whether <paramref name="path"/> names a PyTorch pickle (by its extension).</summary>
    public static bool IsPickle(string path) => Path.GetExtension(path).ToLowerInvariant() is ".pt" or ".pth" or ".bin";

    /// <summary>
    /// The tensors of a PyTorch state dict file — a plain state dict, or a dict whose <c>state_dict</c> entry is one
    /// (as MMEngine checkpoints are) — as a weights-only checkpoint.
    /// </summary>
    public static Checkpoint LoadPickle(string path)
    {
        if (!File.Exists(path)) throw CheckpointException.NotFound(path);
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not RunnerException)
        {
            throw CheckpointException.Corrupt(path, $"it is not a PyTorch state dict that can be read without running code ({e.GetType().Name}: {e.Message}).");
        }
        var weights = table["state_dict"] as IDictionary ?? table;
        var checkpoint = new Checkpoint();
        foreach (DictionaryEntry entry in weights)
            if (entry.Key is string name && entry.Value is Tensor tensor) checkpoint.StateDict[name] = tensor;
        if (checkpoint.StateDict.Count == 0) throw CheckpointException.Corrupt(path, "it holds no tensors.");
        return checkpoint;
    }

    /// <summary>Writes weights as a <c>torch.save</c> state dict.</summary>
    public static void SavePickle(IReadOnlyDictionary<string, Tensor> weights, string path) =>
        UserOutputFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, weights.ToDictionary(kv => kv.Key, kv => kv.Value), leaveOpen: true), "--out");

    /// <summary>Writes weights as a plain safetensors file (no Runner metadata).</summary>
    public static void SaveSafetensors(IReadOnlyDictionary<string, Tensor> weights, string path) =>
        UserOutputFile.Write(path, stream => Safetensors.SaveStateDict(stream, weights.ToDictionary(kv => kv.Key, kv => kv.Value), leaveOpen: true), "--out");
}
