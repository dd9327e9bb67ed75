using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>The <c>auto_scale_lr</c> table: when enabled, every learning rate is multiplied by <c>batch_size × world_size / base_batch_size</c>.</summary>
[ConfigOptions]
internal sealed record AutoScaleLrSettings(int BaseBatchSize, bool Enable = false)
{
    /// <summary>The total batch size the learning rate was tuned for.</summary>
    public int BaseBatchSize { get; } = BaseBatchSize > 0 ? BaseBatchSize : throw new ArgumentException($"base_batch_size must be positive, got {BaseBatchSize}.");
}
