using Runner.Sdk.Data;

namespace Runner.Plugins.Vision.Datasets;

/// <summary>
/// The image files under a folder and all its sub-folders, following folder links (datasets are often linked in
/// from other disks) but entering each real folder once: a link back up the tree, or one folder linked twice, would
/// otherwise list the same images again and again (torchvision's <c>ImageFolder</c> loops there).
/// </summary>
internal static class ImageFiles
{
    /// <summary>The images under <paramref name="folder"/>, in ordinal order of their paths.</summary>
    public static List<string> Under(string folder)
    {
        var images = new List<string>();
        var entered = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!entered.Add(DataFile.RealPath(current))) continue;
            images.AddRange(Directory.EnumerateFiles(current).Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f))));
            foreach (var sub in Directory.EnumerateDirectories(current)) pending.Push(sub);
        }
        images.Sort(StringComparer.Ordinal);
        return images;
    }
}
