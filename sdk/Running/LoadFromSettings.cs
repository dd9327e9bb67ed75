namespace Runner.Sdk.Running;

using global::Runner.Sdk.Registries;

/// <summary>
/// <c>load_from</c> as a table (MMEngine's <c>load_checkpoint</c> arguments): the file, whether names must match
/// exactly, <c>[regex, replacement]</c> pairs applied to the file's names (default: strip <c>module.</c>), and the
/// device its tensors are moved to first. Plain options: checked with the rest of the config.
/// </summary>
[ConfigOptions]
public sealed record LoadFromSettings
{
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

    public string Path { get; }

    public bool Strict { get; }

    public IReadOnlyList<(string Pattern, string Replacement)> ReviseKeys { get; }

    public string MapLocation { get; }
}
