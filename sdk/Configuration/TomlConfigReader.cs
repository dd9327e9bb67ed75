using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Runner.Sdk.Configuration;

/// <summary>
/// Turns TOML text into a <see cref="ConfigTable"/> tree with a location on every key. Reads Tomlyn's full-fidelity
/// syntax tree rather than its DOM because the DOM keeps no positions and silently accepts duplicate keys and
/// re-opened tables, which the validating parser reports.
/// </summary>
internal static class TomlConfigReader
{
    /// <summary>
    /// The deepest a config nests (tables, dotted keys, arrays, inline tables each): Tomlyn's own limit for values.
    /// Deeper input is refused before it is walked, since reading, merging and writing configs recurse.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>How many syntax errors a message lists.</summary>
    private const int MaxSyntaxErrorsShown = 5;

    public static ConfigTable Read(string text, string fileName)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, fileName, validate: true);
        }
        catch (Tomlyn.TomlException e) when (e.Message.Contains("maximum depth", StringComparison.OrdinalIgnoreCase))
        {
            throw ConfigException.At(new SourceLocation(fileName), null, $"the file nests arrays or inline tables more than {MaxDepth} deep.",
                "a config this deep is not one Runner can use: check the file is the config meant.");
        }
        if (document.HasErrors)
        {
            // The first few: past them a parser mostly reports the echoes of the first mistake.
            var errors = document.Diagnostics.Where(d => d.Kind == DiagnosticMessageKind.Error).ToList();
            var shown = errors.Take(MaxSyntaxErrorsShown)
                .Select(d => $"{fileName}({d.Span.Start.Line + 1},{d.Span.Start.Column + 1}): {d.Message}");
            if (errors.Count > MaxSyntaxErrorsShown) shown = shown.Append($"... and {errors.Count - MaxSyntaxErrorsShown} more syntax errors after these.");
            throw ConfigException.Syntax(shown);
        }

        var root = new ConfigTable(new SourceLocation(fileName, 1, 1));
        foreach (var keyValue in document.KeyValues) AddKeyValue(root, keyValue, fileName);
        foreach (var table in document.Tables)
        {
            var parts = KeyParts(table.Name!);
            var location = Locate(table, fileName);
            CheckDepth(parts, location);
            ConfigTable target;
            if (table is TableArraySyntax)
            {
                var parent = OpenTablePath(root, parts[..^1], location);
                if (parent[parts[^1]] is not ConfigArray array)
                {
                    array = new ConfigArray(location);
                    parent.Set(parts[^1], array, location);
                }
                target = new ConfigTable(location);
                array.Add(target, location);
            }
            else
            {
                target = OpenTablePath(root, parts, location);
            }
            foreach (var keyValue in table.Items) AddKeyValue(target, keyValue, fileName);
        }
        root.AssignPaths();
        return root;
    }

    /// <summary>Parses one TOML value, as written after <c>key =</c> (used by <c>--cfg-options</c>).</summary>
    public static bool TryReadValue(string text, string origin, out object? value)
    {
        value = null;
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse("v = " + text, origin, validate: true);
        }
        catch (Tomlyn.TomlException)
        {
            return false; // nested past Tomlyn's limit: not a value Runner takes
        }
        if (document.HasErrors) return false;
        var keyValue = document.KeyValues.GetChild(0);
        if (keyValue is null || document.KeyValues.ChildrenCount != 1 || document.Tables.ChildrenCount != 0) return false;
        value = ReadValue(keyValue.Value!, origin);
        return true;
    }

    private static void AddKeyValue(ConfigTable table, KeyValueSyntax keyValue, string fileName)
    {
        var parts = KeyParts(keyValue.Key!);
        var location = Locate(keyValue, fileName);
        CheckDepth(parts, location);
        var owner = OpenTablePath(table, parts[..^1], location);
        owner.Set(parts[^1], ReadValue(keyValue.Value!, fileName), location);
    }

    /// <summary>A key of more than <see cref="MaxDepth"/> parts is refused at its line.</summary>
    internal static void CheckDepth(IReadOnlyList<string> parts, SourceLocation location)
    {
        if (parts.Count > MaxDepth)
            throw ConfigException.At(location, string.Join('.', parts.Take(3)) + ".…", $"the key has {parts.Count:N0} parts; configs nest at most {MaxDepth} deep.");
    }

    private static ConfigTable OpenTablePath(ConfigTable table, IEnumerable<string> parts, SourceLocation location)
    {
        foreach (var part in parts)
        {
            switch (table[part])
            {
                case ConfigTable child:
                    table = child;
                    break;
                case ConfigArray { Count: > 0 } array when array[^1] is ConfigTable last:
                    table = last; // [a.b] after [[a]] continues the last table of the array
                    break;
                default:
                    var created = new ConfigTable(location);
                    table.Set(part, created, location);
                    table = created;
                    break;
            }
        }
        return table;
    }

    private static object? ReadValue(ValueSyntax value, string fileName) => value switch
    {
        IntegerValueSyntax integer => integer.Value,
        FloatValueSyntax number => number.Value,
        BooleanValueSyntax boolean => boolean.Value,
        StringValueSyntax text => text.Value,
        DateTimeValueSyntax date => date.Value.ToString(),
        ArraySyntax array => ReadArray(array, fileName),
        InlineTableSyntax inline => ReadInlineTable(inline, fileName),
        _ => throw new InvalidOperationException($"Unexpected TOML value node {value.GetType().Name}."),
    };

    private static ConfigArray ReadArray(ArraySyntax syntax, string fileName)
    {
        var array = new ConfigArray(Locate(syntax, fileName));
        foreach (var item in syntax.Items) array.Add(ReadValue(item.Value!, fileName), Locate(item, fileName));
        return array;
    }

    private static ConfigTable ReadInlineTable(InlineTableSyntax syntax, string fileName)
    {
        var table = new ConfigTable(Locate(syntax, fileName));
        foreach (var item in syntax.Items) AddKeyValue(table, item.KeyValue!, fileName);
        return table;
    }

    private static string[] KeyParts(KeySyntax key)
    {
        var parts = new List<string> { KeyText(key.Key!) };
        foreach (var dotted in key.DotKeys) parts.Add(KeyText(dotted.Key!));
        return [.. parts];
    }

    private static string KeyText(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key!.Text!,
        StringValueSyntax quoted => quoted.Value!,
        _ => key.ToString()!,
    };

    private static SourceLocation Locate(SyntaxNode node, string fileName) =>
        new(fileName, node.Span.Start.Line + 1, node.Span.Start.Column + 1);
}
