using System.Globalization;
using Runner.Sdk.Configuration;
using Runner.Sdk.Native;
using TorchSharp;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>device</c> a run trains on (config key <c>device</c>, <c>--device</c>): <c>cpu</c> (the default), <c>cuda</c>
/// (the first GPU), <c>cuda:N</c>, or <c>auto</c> (CUDA when the libtorch in use has it and a GPU is there, else the CPU).
/// </summary>
internal static class DeviceChoice
{
    /// <summary>The forms <c>device</c> takes, for messages.</summary>
    public static readonly IReadOnlyList<string> Forms = ["cpu", "cuda", "cuda:N", "auto"];

    /// <summary>Whether <paramref name="text"/> asks for a GPU outright (so a CUDA libtorch must be found).</summary>
    public static bool NeedsCuda(string text) => text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="text"/> is one of the <see cref="Forms"/>.</summary>
    public static bool IsValid(string text) =>
        text is "cpu" or "cuda" or "auto" || (text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _));

    /// <summary>The device to use; a GPU that is not there is an error naming what was found and the way out.</summary>
    public static torch.Device Resolve(string text, SourceLocation? where)
    {
        if (!IsValid(text))
            throw ConfigException.At(where, "device", $"'{text}' is not a device.", $"use one of: {string.Join(", ", Forms)}.");
        if (text == "cpu") return torch.CPU;
        var available = torch.cuda.is_available();
        if (text == "auto") return available ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;
        if (!available)
        {
            throw ConfigException.At(where, "device", LibTorchLoader.Loaded is { HasCuda: true } cuda
                ? $"\"{text}\": the libtorch at {cuda.Path} has CUDA, but no GPU is usable (no NVIDIA driver, or no GPU on this machine: nvidia-smi tells)."
                : $"\"{text}\" needs a CUDA build of libtorch, and this process runs the CPU one.",
                "pass --libtorch DIR (a PyTorch install's torch/lib), or train with device = \"cpu\" (docs/gpu.md).");
        }
        var index = text == "cuda" ? 0 : int.Parse(text[5..], CultureInfo.InvariantCulture);
        var count = torch.cuda.device_count();
        if (index >= count)
            throw ConfigException.At(where, "device", $"\"{text}\" names GPU {index}, but this machine has {count} (cuda:0{(count > 1 ? $" to cuda:{count - 1}" : "")}).");
        return new torch.Device(DeviceType.CUDA, index);
    }
}
