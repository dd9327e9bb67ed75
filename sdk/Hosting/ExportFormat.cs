namespace Runner.Sdk.Hosting;

/// <summary>The file formats <see cref="CheckpointTools.ExportWeights"/> writes.</summary>
public enum ExportFormat
{
    /// <summary>A safetensors file (any framework reads it).</summary>
    Safetensors,

    /// <summary>A <c>torch.save</c> state dict (<c>.pt</c>) that <c>torch.load(weights_only=True)</c> reads.</summary>
    PyTorch,
}
