namespace Runner.Sdk.Visualization;

/// <summary>What every vis backend is given by the runner: the folder it writes to (<c>log_dir/vis_data</c>).</summary>
public sealed record VisContext(string SaveDir)
{
    /// <summary>What the step of a validation metric counts: "epoch", or "iteration" in an iteration-based run.
    /// Training scalars (loss, learning rate) are recorded per iteration.</summary>
    public string MetricStep { get; init; } = "epoch";

    /// <summary>The evaluation under way, for figures' titles: "val" or "test". Set by the runner before its metrics compute.</summary>
    public string Split { get; set; } = "val";

    /// <summary>The <see cref="MetricStep"/> the evaluation follows (0 before any training, as in a test of a checkpoint's weights).</summary>
    public int Step { get; set; }
}
