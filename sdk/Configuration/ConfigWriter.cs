using System.Globalization;
using System.Text;

namespace Runner.Sdk.Configuration;

/// <summary>Writes a resolved <see cref="ConfigTable"/> back as TOML (the config dump in work_dir and in checkpoints).</summary>
internal static class ConfigWriter
{
    public static string ToToml(ConfigTable root)
    {
        var text = new StringBuilder();
        WriteTableBody(text, root, "");
        return text.ToString();
    }

    private static void WriteTableBody(StringBuilder text, ConfigTable table, string path)
    {
        // Scalars and inline values first, then sub-tables and arrays of tables, as TOML requires.
        foreach (var (key, value) in table)
        {
            if (value is ConfigTable || IsArrayOfTables(value)) continue;
            text.Append(Key(key)).Append(" = ").Append(Value(value)).Append('\n');
        }
        foreach (var (key, value) in table)
        {
            var childPath = path.Length == 0 ? Key(key) : path + "." + Key(key);
            if (value is ConfigTable child)
            {
                text.Append('\n').Append('[').Append(childPath).Append("]\n");
                WriteTableBody(text, child, childPath);
            }
            else if (IsArrayOfTables(value))
            {
                foreach (var item in (ConfigArray)value!)
                {
                    text.Append('\n').Append("[[").Append(childPath).Append("]]\n");
                    WriteTableBody(text, (ConfigTable)item!, childPath);
                }
            }
        }
    }

    private static bool IsArrayOfTables(object? value) =>
        value is ConfigArray { Count: > 0 } array && array.All(item => item is ConfigTable);

    private static string Key(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? key : Quote(key);

    /// <summary>Any config value as TOML text (a table inline): the same value always reads the same.</summary>
    internal static string Value(object? value) => value switch
    {
        null => "\"\"",
        bool b => b ? "true" : "false",
        long or int => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        string s => Quote(s),
        ConfigArray array => "[" + string.Join(", ", array.Select(Value)) + "]",
        ConfigTable table => "{ " + string.Join(", ", table.Select(kv => Key(kv.Key) + " = " + Value(kv.Value))) + " }",
        _ => Quote($"<{value.GetType().Name} object>"),
    };

    private static string FormatDouble(double d)
    {
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (double.IsNaN(d)) return "nan";
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s.Replace("E", "e") : s + ".0";
    }

    private static string Quote(string s)
    {
        var text = new StringBuilder("\"");
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return text.Append('"').ToString();
    }
}
