namespace Runner.Sdk.Visualization;

/// <summary>What every vis backend is given by the runner: the folder it writes to (<c>log_dir/vis_data</c>).</summary>
public sealed record VisContext(string SaveDir);
