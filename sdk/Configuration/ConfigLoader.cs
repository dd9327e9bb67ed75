namespace Runner.Sdk.Configuration;

/// <summary>
/// Loads a config file: TOML, then its <c>_base_</c> files (relative to the file that lists them, recursively, with
/// cycles reported), deep-merged so that the child wins and tables merge key by key (<c>_delete_ = true</c> in a child
/// table replaces the base table), then <c>--cfg-options</c> overrides.
/// </summary>
public static class ConfigLoader
{
    private const string BaseKey = "_base_";
    private const string DeleteKey = "_delete_";

    /// <summary>Loads <paramref name="path"/> and everything it inherits from.</summary>
    public static ConfigTable Load(string path, IEnumerable<string>? overrides = null)
    {
        // .NET reads a file name's bytes as UTF-8; bytes that are not become U+FFFD, and the name then names another file.
        if (path.Contains('\uFFFD'))
            throw ConfigException.At(null, null, $"config '{path}': its name holds bytes that are not UTF-8 (shown as \uFFFD), which .NET cannot open by name.", "rename the file (or a folder above it) to a UTF-8 name.");
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw ConfigException.At(null, null, $"config '{path}' is a folder, not a file.", "pass --config FILE.toml.");
        if (!File.Exists(full)) throw ConfigException.FileNotFound(path);
        var root = LoadWithBases(full, [], null);
        if (overrides is not null) ApplyOverrides(root, overrides);
        root.AssignPaths();
        return root;
    }

    /// <summary>Parses TOML text (no <c>_base_</c> support: there is no folder to resolve it against).</summary>
    public static ConfigTable Parse(string toml, string sourceName = "<string>") =>
        TomlConfigReader.Read(toml, sourceName);

    /// <summary>A config is text of a few kilobytes; anything past this is not one (a device, a wrong file).</summary>
    private const int MaxConfigBytes = 16 << 20;

    private static string ReadBounded(string file)
    {
        // What the path really is, links followed: a link to /dev/zero is a device, and its size is not the link's.
        var kind = Native.FileKinds.Of(file);
        var substituted = file.StartsWith("/dev/fd/", StringComparison.Ordinal) || file.StartsWith("/proc/self/fd/", StringComparison.Ordinal);
        if (kind is not (Native.FileKind.Regular or Native.FileKind.Missing or Native.FileKind.Directory) && !(kind == Native.FileKind.Fifo && substituted))
            throw new IOException($"it is {Native.FileKinds.Describe(kind)}, not a config file (a pipe is read only as --config <(command))");
        if (kind == Native.FileKind.Regular)
        {
            var length = Native.FileKinds.SizeOf(file);
            if (length > MaxConfigBytes) throw new IOException($"it has {length} bytes, more than any config ({MaxConfigBytes >> 20} MB at most)");
            return AsText(File.ReadAllBytes(file));
        }
        // A pipe of the shell's process substitution (--config <(...)): read up to the bound.
        using var stream = File.OpenRead(file);
        using var bytes = new MemoryStream();
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            bytes.Write(buffer, 0, read);
            if (bytes.Length > MaxConfigBytes) throw new IOException($"it is longer than any config ({MaxConfigBytes >> 20} MB at most)");
        }
        return AsText(bytes.ToArray());
    }

    /// <summary>
    /// The file's bytes as text, when they are text: UTF-8 (a byte-order mark allowed) without NUL characters. A
    /// binary file or another encoding is one message naming the first byte at fault, not a parser error per byte.
    /// </summary>
    private static string AsText(byte[] bytes)
    {
        var start = bytes.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var nul = Array.IndexOf(bytes, (byte)0, start);
        if (nul >= 0) throw new IOException($"it holds a NUL byte at {Position(bytes, nul)}: it is a binary file, not a TOML config");
        try
        {
            return new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new IOException($"it is not UTF-8 text: the byte at {Position(bytes, start + Math.Max(0, e.Index))} is not valid UTF-8 (save the file as UTF-8)");
        }
    }

    private static string Position(byte[] bytes, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (bytes[i] != (byte)'\n') continue;
            line++;
            lineStart = i + 1;
        }
        return $"line {line}, column {offset - lineStart + 1}";
    }

    private static ConfigTable LoadWithBases(string file, List<string> chain, SourceLocation? includedFrom)
    {
        if (chain.Contains(file))
        {
            throw ConfigException.At(includedFrom, BaseKey, "_base_ files include each other in a cycle: " +
                string.Join(" -> ", chain.Append(file).Select(Path.GetFileName)) + ".", "remove one of the includes.");
        }
        string text;
        try
        {
            text = ReadBounded(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ConfigException.At(includedFrom, null, $"cannot read config file '{file}': {e.Message}");
        }
        var table = TomlConfigReader.Read(text, DisplayName(file));
        if (!table.ContainsKey(BaseKey)) return table;

        var baseFiles = table[BaseKey] switch
        {
            string single => [single],
            ConfigArray many when many.All(item => item is string) => many.Cast<string>().ToList(),
            _ => throw ConfigException.At(table.LocationOf(BaseKey), BaseKey, "expected a file name or a list of file names.",
                "write _base_ = [\"base.toml\"]."),
        };
        var baseLocation = table.LocationOf(BaseKey);
        table.Remove(BaseKey);

        var merged = new ConfigTable(table.Location);
        var definedBy = new Dictionary<string, string>();
        foreach (var baseFile in baseFiles)
        {
            var basePath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, baseFile));
            if (Directory.Exists(basePath))
                throw ConfigException.At(baseLocation, BaseKey, $"base config '{baseFile}' is a folder, not a file.", "name a .toml file in _base_.");
            if (!File.Exists(basePath)) throw ConfigException.FileNotFound(baseFile, baseLocation);
            var baseTable = LoadWithBases(basePath, [.. chain, file], baseLocation);
            foreach (var key in baseTable.Keys)
            {
                if (definedBy.TryGetValue(key, out var other))
                {
                    throw ConfigException.At(baseLocation, BaseKey, $"key '{key}' is defined by two base files, '{other}' and '{baseFile}'.",
                        "keep it in one base, or set it in this file, which overrides both.");
                }
                definedBy[key] = baseFile;
                merged.Set(key, baseTable[key], baseTable.LocationOf(key));
            }
        }
        Merge(merged, table);
        return merged;
    }

    /// <summary>Merges <paramref name="child"/> into <paramref name="target"/>: the child wins, tables merge key by key.</summary>
    internal static void Merge(ConfigTable target, ConfigTable child) => Merge(target, child, nested: false);

    private static void Merge(ConfigTable target, ConfigTable child, bool nested)
    {
        foreach (var (key, value) in child)
        {
            if (nested && key == DeleteKey) continue; // read by the caller, which chose to merge this table
            var merged = value;
            if (value is ConfigTable childTable)
            {
                if (!Replaces(childTable, key) && target[key] is ConfigTable baseTable)
                {
                    Merge(baseTable, childTable, nested: true);
                    continue;
                }
                if (childTable.ContainsKey(DeleteKey)) merged = WithoutDeleteKey(childTable);
            }
            target.Set(key, merged, child.LocationOf(key));
        }
    }

    /// <summary>
    /// Whether <paramref name="table"/> replaces its base's table (<c>_delete_ = true</c>) rather than merging into it
    /// (absent, or <c>false</c>). Anything but true or false is an error at its line.
    /// </summary>
    private static bool Replaces(ConfigTable table, string key) => table[DeleteKey] switch
    {
        null or false => false,
        true => true,
        var other => throw ConfigException.At(table.LocationOf(DeleteKey), $"{key}.{DeleteKey}", $"expected true or false, got {ConfigValueText.Describe(other)}.",
            "_delete_ = true replaces the base file's table; leave it out to merge into it."),
    };

    /// <summary>A copy of <paramref name="table"/> without its <c>_delete_</c> key, which is no option of a component
    /// (a copy: the same config may be merged again, as hooks are when checked and then built).</summary>
    private static ConfigTable WithoutDeleteKey(ConfigTable table)
    {
        var copy = table.Clone();
        copy.Remove(DeleteKey);
        return copy;
    }

    /// <summary>Applies <c>key.path=value</c> overrides; values are TOML values (<c>0.1</c>, <c>[1,2]</c>, <c>"x"</c>).</summary>
    public static void ApplyOverrides(ConfigTable root, IEnumerable<string> overrides)
    {
        foreach (var assignment in overrides)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
            {
                throw ConfigException.At(SourceLocation.CommandLine, null, $"'{assignment}' is not of the form key.path=value.",
                    "for example --cfg-options train_cfg.max_epochs=5");
            }
            var key = assignment[..equals].Trim();
            var parts = key.Split('.');
            if (parts.Any(part => part.Trim().Length == 0))
            {
                throw ConfigException.At(SourceLocation.CommandLine, null, $"'{assignment}': the key '{key}' has an empty part.",
                    "name each table on the way with one dot between them, e.g. --cfg-options train_cfg.max_epochs=5");
            }
            TomlConfigReader.CheckDepth(parts, SourceLocation.CommandLine);
            Walk(root, key, OverrideValue(assignment[(equals + 1)..].Trim(), key), SourceLocation.CommandLine);
        }
    }

    /// <summary>
    /// Sets <paramref name="value"/> at <paramref name="keyPath"/> (<c>a.b.c</c>), walking it as MMEngine's
    /// <c>--cfg-options</c> does: a number steps into a list (<c>param_scheduler.1.milestones</c>), missing tables are
    /// created, and a step through a value that is neither a table nor a list is an error naming it. Every value set
    /// keeps <paramref name="origin"/>, which errors about it name.
    /// </summary>
    public static void Set(ConfigTable root, string keyPath, object? value, SourceLocation origin)
    {
        Walk(root, keyPath, value, origin);
        root.AssignPaths();
    }

    /// <summary><see cref="Set"/> without renaming the tables' paths (<see cref="Load"/> does it once, after every override).</summary>
    private static void Walk(ConfigTable root, string keyPath, object? value, SourceLocation origin)
    {
        var path = keyPath.Split('.');
        object container = root;
        for (var i = 0; i < path.Length; i++)
        {
            var part = path[i];
            var last = i == path.Length - 1;
            var walked = string.Join('.', path[..i]);
            switch (container)
            {
                case ConfigArray array:
                    if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) || index >= array.Count)
                    {
                        throw ConfigException.At(origin, keyPath, $"'{walked}' is a list of {array.Count} item{(array.Count == 1 ? "" : "s")}, " +
                            $"so '{part}' names none of them.", $"index it from 0 to {array.Count - 1}: {walked}.0{(path.Length > i + 1 ? "." + string.Join('.', path[(i + 1)..]) : "")}=…");
                    }
                    if (last) array.SetAt(index, value, origin);
                    else container = array[index] is ConfigTable or ConfigArray ? array[index]! : throw NotAContainer(origin, keyPath, $"{walked}.{part}", path[i + 1]);
                    break;
                case ConfigTable table:
                    if (last)
                    {
                        table.Set(part, value, origin);
                    }
                    else if (table[part] is ConfigTable or ConfigArray)
                    {
                        container = table[part]!;
                    }
                    else if (table.ContainsKey(part))
                    {
                        throw NotAContainer(origin, keyPath, table.PathOf(part), path[i + 1]);
                    }
                    else
                    {
                        var next = new ConfigTable(origin);
                        table.Set(part, next, origin);
                        container = next;
                    }
                    break;
            }
        }
    }

    private static ConfigException NotAContainer(SourceLocation origin, string key, string at, string next) =>
        ConfigException.At(origin, key, $"'{at}' is not a table or a list, so it has no '{next}'.");

    /// <summary>
    /// The value of a <c>--cfg-options</c> assignment: a TOML value (<c>5</c>, <c>"x"</c>, <c>[5, 8]</c>, <c>{ a = 1 }</c>),
    /// or as MMEngine's command line takes them, a comma-separated list (<c>milestones=5,8</c>) or a bare string
    /// (<c>work_dir=/tmp/x</c>, <c>backbone=resnet18</c>). Text that starts like TOML (a bracket, a brace, a quote) must be TOML.
    /// </summary>
    private static object? OverrideValue(string text, string key)
    {
        if (TomlConfigReader.TryReadValue(text, "--cfg-options", out var value)) return value;
        if (text.Length == 0 || text[0] is '[' or '{' or '"' or '\'')
        {
            throw ConfigException.At(SourceLocation.CommandLine, key, $"'{(text.Length > 80 ? text[..60] + "…" : text)}' is not a TOML value.",
                "quote strings (name=\"x\"), write lists as [1, 2] or 1,2.");
        }
        if (!text.Contains(',')) return text;
        var list = new ConfigArray(SourceLocation.CommandLine) { Path = key };
        foreach (var item in text.Split(',').Select(item => item.Trim()))
            list.Add(TomlConfigReader.TryReadValue(item, "--cfg-options", out var parsed) ? parsed : item, SourceLocation.CommandLine);
        return list;
    }

    private static string DisplayName(string fullPath)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) ? fullPath : relative;
    }
}
