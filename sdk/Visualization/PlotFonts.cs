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
        var folder = Path.Combine(Path.GetTempPath(), $"runner-fonts-{RunnerInfo.Version}");
        Directory.CreateDirectory(folder);
        var regular = Extract(folder, "DejaVuSans.ttf");
        var bold = Extract(folder, "DejaVuSans-Bold.ttf");
        ScottPlot.Fonts.AddFontFile(Family, regular, bold: false, italic: false);
        ScottPlot.Fonts.AddFontFile(Family, bold, bold: true, italic: false);
        ScottPlot.Fonts.Default = Family;
        return true;
    }

    private static string Extract(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (File.Exists(path)) return path;
        using var resource = typeof(PlotFonts).Assembly.GetManifestResourceStream($"Runner.Sdk.Fonts.{name}")
            ?? throw new InvalidOperationException($"The font {name} is missing from Runner.Sdk.");
        var temporary = path + $".{Environment.ProcessId}.tmp";
        using (var file = File.Create(temporary)) resource.CopyTo(file);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
