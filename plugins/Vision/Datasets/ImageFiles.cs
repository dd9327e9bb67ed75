using System.Runtime.InteropServices;

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
            if (!entered.Add(RealPath(current))) continue;
            images.AddRange(Directory.EnumerateFiles(current).Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f))));
            foreach (var sub in Directory.EnumerateDirectories(current)) pending.Push(sub);
        }
        images.Sort(StringComparer.Ordinal);
        return images;
    }

    /// <summary>The folder's path with every link resolved (libc's <c>realpath</c>); elsewhere, its full path.</summary>
    private static string RealPath(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Path.GetFullPath(path);
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return Path.GetFullPath(path);
        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? Path.GetFullPath(path);
        }
        finally
        {
            free(resolved);
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the plugin for two plain calls
    [DllImport("libc")]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
#pragma warning restore SYSLIB1054
}
