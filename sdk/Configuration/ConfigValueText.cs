namespace Runner.Sdk.Configuration;

/// <summary>How an error message names a config value that was not what it should be: as the config wrote it.</summary>
internal static class ConfigValueText
{
    /// <summary>A config value as a message names it (<c>the string "x"</c>, <c>the integer 5</c>, <c>the number 2.0</c>, <c>a table</c>); a long string is shortened.</summary>
    public static string Describe(object value) => value switch
    {
        string s => $"the string \"{Visible(s.Length > 80 ? s[..77] + "..." : s)}\"",
        long l => $"the integer {l}",
        double d => $"the number {TomlNumber(d)}",
        bool b => b ? "true" : "false",
        ConfigTable => "a table",
        ConfigArray => "a list",
        _ => $"a {value.GetType().Name}",
    };

    /// <summary>A float as TOML writes it, so 2.0 reads as the float it was (not "2") and nan and inf by their TOML names.</summary>
    private static string TomlNumber(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var text = d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return text.AsSpan().ContainsAny(".E") ? text : text + ".0";
    }

    /// <summary>A string with its control characters written as escapes (<c>\u0000</c>), so a message shows what was given.</summary>
    private static string Visible(string s) =>
        s.Any(char.IsControl) ? string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : s;
}
