namespace Runner.Sdk.Visualization;

/// <summary>
/// The fonts the plots use, shipped inside Runner.Sdk (DejaVu Sans, regular and bold; Bitstream Vera licence, see
/// Fonts/LICENSE-DejaVu.txt) and registered with ScottPlot under their own name, so labels render on a machine
/// without system fonts (where ScottPlot would otherwise draw no text at all, silently).
/// </summary>
internal static class PlotFonts
{
    public const string Family = "Runner DejaVu Sans";

    private static readonly Lazy<bool> Registered = new(Register);

    public static void EnsureRegistered() => _ = Registered.Value;

    private static bool Register()
    {
        var folder = CacheFolder();
        var regular = Extract(folder, "DejaVuSans.ttf");
        var bold = Extract(folder, "DejaVuSans-Bold.ttf");
        ScottPlot.Fonts.AddFontFile(Family, regular, bold: false, italic: false);
        ScottPlot.Fonts.AddFontFile(Family, bold, bold: true, italic: false);
        ScottPlot.Fonts.Default = Family;
        return true;
    }

    /// <summary>
    /// Where the font files are kept (ScottPlot registers fonts by file): the user's cache folder
    /// (<c>$XDG_CACHE_HOME/runner</c>, else <c>~/.cache/runner</c>), not the shared temp folder, where they would pile
    /// up and where another user could put a file of the same name first. The temp folder only when there is no home.
    /// </summary>
    private static string CacheFolder()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : home.Length > 0 ? Path.Combine(home, ".cache") : null;
        foreach (var root in cache is null ? [Path.GetTempPath()] : (string[])[cache, Path.GetTempPath()])
        {
            var folder = Path.Combine(root, "runner", $"fonts-{RunnerInfo.Version}");
            try
            {
                Directory.CreateDirectory(folder);
                return folder;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not writable: the next place
            }
        }
        throw new IOException("No folder to keep the plots' fonts in: neither the cache folder nor the temp folder is writable.");
    }

    private static string Extract(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        using var resource = typeof(PlotFonts).Assembly.GetManifestResourceStream($"Runner.Sdk.Fonts.{name}")
            ?? throw new InvalidOperationException($"The font {name} is missing from Runner.Sdk.");
        // A file already there is taken only when it is a regular file of the font's size (one this process or an
        // earlier one wrote); anything else is replaced.
        if (Native.FileKinds.OfEntry(path) == Native.FileKind.Regular && new FileInfo(path).Length == resource.Length) return path;
        var temporary = path + $".{Environment.ProcessId}.tmp";
        File.Delete(temporary);
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write)) resource.CopyTo(file);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
