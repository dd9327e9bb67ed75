using System.Security.Cryptography;

namespace Runner.Sdk.Checkpoints;

/// <summary>
/// A checkpoint cut down for release (MMEngine's <c>published_keys</c>): only the named sections, written next to the
/// source as <c>&lt;name&gt;-&lt;first 8 hex digits of the file's SHA-256&gt;.ckpt</c>, so the name identifies the content.
/// </summary>
public static class PublishedCheckpoint
{
    /// <summary>
    /// The section a checkpoint entry belongs to: <c>meta</c>, <c>state_dict</c>, or the part of a state or tensor
    /// name before its first '/' (<c>optimizer/encoder</c> is in <c>optimizer</c>).
    /// </summary>
    public static string SectionOf(string key) => key.Split('/', 2)[0];

    /// <summary>Writes the published copy of <paramref name="source"/> and returns its path.</summary>
    /// <param name="removed">The sections left out, for the log.</param>
    public static string Write(string source, IReadOnlyCollection<string> sections, out IReadOnlyList<string> removed)
    {
        using var checkpoint = CheckpointFile.Load(source);
        var left = new SortedSet<string>(StringComparer.Ordinal);
        if (!sections.Contains("meta") && checkpoint.Meta.Count > 0)
        {
            checkpoint.Meta.Clear();
            left.Add("meta");
        }
        if (!sections.Contains("state_dict") && checkpoint.StateDict.Count > 0)
        {
            foreach (var tensor in checkpoint.StateDict.Values) tensor.Dispose();
            checkpoint.StateDict.Clear();
            left.Add("state_dict");
        }
        foreach (var key in checkpoint.State.Keys.Where(k => !sections.Contains(SectionOf(k))).ToList())
        {
            checkpoint.State.Remove(key);
            left.Add(SectionOf(key));
        }
        foreach (var key in checkpoint.Tensors.Keys.Where(k => !sections.Contains(SectionOf(k))).ToList())
        {
            checkpoint.Tensors.Remove(key, out var tensor);
            tensor!.Dispose();
            left.Add(SectionOf(key));
        }
        removed = left.ToList();

        // The name depends on the content, so the file is written first under a hidden name, then renamed.
        var folder = Path.GetDirectoryName(Path.GetFullPath(source))!;
        var stem = Path.GetFileNameWithoutExtension(source);
        var staging = Path.Combine(folder, $".{stem}.publishing{CheckpointFile.Extension}");
        CheckpointFile.Save(checkpoint, staging);
        string final;
        using (var stream = File.OpenRead(staging))
            final = Path.Combine(folder, $"{stem}-{Convert.ToHexStringLower(SHA256.HashData(stream))[..8]}{CheckpointFile.Extension}");
        File.Move(staging, final, overwrite: true);
        return final;
    }
}
