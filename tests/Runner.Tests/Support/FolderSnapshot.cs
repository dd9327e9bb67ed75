namespace Runner.Tests.Support;

/// <summary>Every entry below a folder with what it is (a file's bytes' hash, a link's target): a picture to compare before and after a run.</summary>
public static class FolderSnapshot
{
    public static Dictionary<string, string> Of(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .ToDictionary(f => Path.GetRelativePath(dir, f), Describe);

    private static string Describe(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target) return "link to " + target;
        if (Directory.Exists(path)) return "folder";
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
    }

    /// <summary>Fails unless <paramref name="dir"/> is as <paramref name="before"/> pictured it.</summary>
    public static void AssertUnchanged(Dictionary<string, string> before, string dir, string what = "nothing outside the work dir changed") =>
        CollectionAssert.AreEquivalent(before.OrderBy(kv => kv.Key).ToList(), Of(dir).OrderBy(kv => kv.Key).ToList(), what);
}
