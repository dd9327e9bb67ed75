using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// <c>load_from</c> as a table (MMEngine's <c>load_checkpoint</c> arguments): the file, whether names must match
/// exactly, <c>[regex, replacement]</c> pairs applied to the file's names (default: strip <c>module.</c>), and the
/// device its tensors are moved to first. Plain options: checked with the rest of the config.
/// </summary>
[ConfigOptions]
internal sealed record LoadFromSettings
{
    /// <summary>The <c>load_from</c> table.</summary>
    /// <param name="path">The checkpoint, safetensors or <c>.pt</c> file (or a work dir / <c>last_checkpoint</c> file).</param>
    /// <param name="strict">Whether every name must match (else missing and unexpected names are logged).</param>
    /// <param name="reviseKeys"><c>[regex, replacement]</c> pairs applied to the file's names before matching.</param>
    /// <param name="mapLocation">The device tensors are moved to first: <c>cpu</c> or a CUDA device.</param>
    public LoadFromSettings(string path, bool strict = false, string[][]? reviseKeys = null, string mapLocation = "cpu")
    {
        Path = path;
        Strict = strict;
        var pairs = new List<(string, string)>();
        foreach (var pair in reviseKeys ?? [["^module\\.", ""]])
        {
            if (pair.Length != 2)
                throw new ArgumentException($"expected [regex, replacement] pairs, got a list of {pair.Length}; for example revise_keys = [[\"^backbone\\\\.\", \"\"]].", nameof(reviseKeys));
            try
            {
                _ = new System.Text.RegularExpressions.Regex(pair[0]);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{pair[0]}' is not a valid regular expression: {e.Message}", nameof(reviseKeys));
            }
            pairs.Add((pair[0], pair[1]));
        }
        ReviseKeys = pairs;
        try
        {
            _ = new TorchSharp.torch.Device(mapLocation);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ArgumentException($"expected a device name such as \"cpu\" or \"cuda:0\", got \"{mapLocation}\".", nameof(mapLocation));
        }
        MapLocation = mapLocation;
    }

    /// <summary>The file to load.</summary>
    public string Path { get; }

    /// <summary>Whether every name must match.</summary>
    public bool Strict { get; }

    /// <summary>The renames applied to the file's names, in order.</summary>
    public IReadOnlyList<(string Pattern, string Replacement)> ReviseKeys { get; }

    /// <summary>The device the file's tensors are moved to first.</summary>
    public string MapLocation { get; }
}
