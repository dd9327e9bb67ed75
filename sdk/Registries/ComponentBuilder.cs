using System.Collections;
using System.Reflection;
using Runner.Sdk.Configuration;

namespace Runner.Sdk.Registries;

/// <summary>
/// Builds components from config tables (MMEngine's <c>build_from_cfg</c>): <c>type</c> picks the class through the
/// registry of the requested kind; every other key binds to a constructor parameter or a settable property, matched
/// by snake_case name (<c>max_epochs</c> ↔ <c>maxEpochs</c>), with conversion to the parameter's type. A nested table
/// with a <c>type</c> for a component-typed parameter is built recursively; <c>_scope_</c> switches the scope for a
/// table and everything inside it.
/// In validation mode nothing is constructed: every name, key and value is checked, so a config fails before any
/// work starts, with the file, line and key of the mistake.
/// </summary>
public sealed class ComponentBuilder
{
    private const string TypeKey = "type";
    private const string ScopeKey = "_scope_";

    /// <summary>A placeholder for values the runner supplies only at build time (a dataset, the runner…).</summary>
    internal static readonly object Supplied = new();

    /// <summary>A builder resolving <c>type</c> names in <paramref name="registries"/>, plain names in <paramref name="defaultScope"/> first.</summary>
    /// <param name="registries">Where components are registered.</param>
    /// <param name="defaultScope">The scope plain names are looked up in (then its parents).</param>
    /// <param name="validateOnly">Check mode: resolve, bind and convert everything, construct plain options only (what <c>config validate</c> does).</param>
    public ComponentBuilder(RegistryRoot registries, string defaultScope, bool validateOnly = false)
    {
        Registries = registries;
        DefaultScope = defaultScope;
        ValidateOnly = validateOnly;
    }

    /// <summary>Where components are looked up.</summary>
    public RegistryRoot Registries { get; }

    /// <summary>The scope plain names are looked up in first.</summary>
    public string DefaultScope { get; }

    /// <summary>Check everything, construct nothing (<see cref="Build"/> returns null).</summary>
    public bool ValidateOnly { get; }

    /// <summary>Objects offered to any constructor parameter of a matching type (the runner, the model…).</summary>
    internal List<object> Services { get; } = [];

    /// <summary>Types that will be offered as services at build time (so validation does not ask for them).</summary>
    internal List<Type> ServiceTypes { get; } = [];

    /// <summary>Builds a <typeparamref name="T"/> from <paramref name="table"/> through the registry of its kind.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "Build<T> and Build(Type, ...) differ in generic arity and first parameter: no call can mean both.")]
    public T? Build<T>(ConfigTable table, IReadOnlyDictionary<string, object?>? defaults = null, string? scope = null) where T : class =>
        (T?)Build(typeof(T), table, defaults, scope);

    /// <summary>Builds the component <paramref name="table"/> describes: resolves its <c>type</c> among the components of <paramref name="kind"/>, binds the other keys to the constructor's parameters by snake_case name, converts and checks them, and constructs it. Errors name the table's file, line and key.</summary>
    /// <param name="kind">The component kind's base type (e.g. <c>typeof(Hook)</c>).</param>
    /// <param name="table">The component's table.</param>
    /// <param name="defaults">Values for keys the table leaves out (e.g. a scheduler's <c>optim_wrapper</c>).</param>
    /// <param name="scope">The scope to resolve in, when not the default one.</param>
    /// <returns>The component; null in check mode.</returns>
    /// <example><code>var backbone = (BaseModel)builder.Build(typeof(BaseModel), (ConfigTable)cfg["backbone"]!)!;</code></example>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "Build<T> and Build(Type, ...) differ in generic arity and first parameter: no call can mean both.")]
    public object? Build(Type kind, ConfigTable table, IReadOnlyDictionary<string, object?>? defaults = null, string? scope = null) =>
        BuildType(ResolveType(kind, table, defaults, scope), table, defaults, ScopeOf(table, scope));

    /// <summary>
    /// The registered type <paramref name="table"/>'s <c>type</c> (or the default's) names among the components of
    /// <paramref name="kind"/>, checked to be one, without building it. Errors name the table's file, line and key.
    /// </summary>
    internal Type ResolveType(Type kind, ConfigTable table, IReadOnlyDictionary<string, object?>? defaults = null, string? scope = null)
    {
        scope = ScopeOf(table, scope);
        var registry = Registries.ForType(kind) ?? throw new ArgumentException($"No registry holds {kind.Name}.");
        var typeName = table[TypeKey] ?? defaults?.GetValueOrDefault(TypeKey);
        if (typeName is not string name)
        {
            throw typeName is null
                ? ConfigException.At(table.Location, table.Path, $"this {registry.Name} table has no 'type' key.",
                    $"add type = \"...\" naming a registered {registry.Name}.")
                : ConfigException.At(table.LocationOf(TypeKey), table.PathOf(TypeKey), $"expected a string naming a {registry.Name}, got {ConfigValueText.Describe(typeName)}.");
        }
        var entry = Registries.Resolve(registry, name, scope, table.LocationOf(TypeKey), table.PathOf(TypeKey));
        if (!kind.IsAssignableFrom(entry.Type))
        {
            throw ConfigException.At(table.LocationOf(TypeKey), table.PathOf(TypeKey),
                $"'{name}' is a {entry.Type.Name}, which is not a {kind.Name}.");
        }
        return entry.Type;
    }

    /// <summary>Binds <paramref name="table"/> (its <c>type</c> key ignored) to the constructor and properties of <paramref name="concrete"/>.</summary>
    public object? BuildType(Type concrete, ConfigTable table, IReadOnlyDictionary<string, object?>? defaults = null, string? scope = null)
    {
        scope = ScopeOf(table, scope);
        var (constructor, parameters, properties, parameterRanges) = ShapeOf(concrete);
        if (constructor is null) throw ConfigException.At(table.Location, table.Path, $"{concrete.Name} has no public constructor.");

        // Plain options keep their "type" (clip_grad's "norm" or "value"); a component's names its class.
        var isOptions = IsOptionsType(concrete);
        var keys = table.Keys.Where(k => (isOptions || k is not TypeKey) && k is not ScopeKey).ToList();

        // Unknown keys first: a misspelt option is the likeliest reason for a "missing" one.
        foreach (var key in keys)
        {
            if (parameters.Any(p => SameName(key, p.Name!)) || properties.Any(p => SameName(key, p.Name))) continue;
            var valid = parameters.Where(p => !IsServiceParameter(p)).Select(p => SnakeCase(p.Name!))
                .Concat(properties.Select(p => SnakeCase(p.Name))).Distinct().ToList();
            var suggestion = NameSuggester.Closest(key, valid);
            throw ConfigException.At(table.LocationOf(key), table.PathOf(key), $"{concrete.Name} has no option '{key}'.",
                (suggestion.Count > 0 ? $"did you mean '{suggestion[0]}'? " : "") + $"valid keys: {string.Join(", ", valid)}.");
        }
        var used = new HashSet<string>(StringComparer.Ordinal);
        var arguments = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            var key = keys.FirstOrDefault(k => SameName(k, parameter.Name!));
            if (key is not null)
            {
                used.Add(key);
                arguments[i] = Convert(table[key], parameter.ParameterType, table.LocationOf(key), table.PathOf(key), scope);
                CheckRange(parameterRanges[i], table[key], table.LocationOf(key), table.PathOf(key));
            }
            else if (defaults is not null && defaults.FirstOrDefault(kv => SameName(kv.Key, parameter.Name!)) is { Key: not null } supplied)
            {
                arguments[i] = supplied.Value;
            }
            else if (parameter.ParameterType == typeof(PluginFiles))
            {
                arguments[i] = PluginFiles.Of(concrete); // the build context: the folder of the plugin that registered the component
            }
            else if (Services.FirstOrDefault(parameter.ParameterType.IsInstanceOfType) is { } service)
            {
                arguments[i] = service;
            }
            else if (ValidateOnly && ServiceTypes.Any(t => parameter.ParameterType.IsAssignableFrom(t)))
            {
                arguments[i] = Supplied;
            }
            else if (parameter.HasDefaultValue)
            {
                arguments[i] = parameter.DefaultValue;
            }
            else if (IsNullable(parameter))
            {
                arguments[i] = null;
            }
            else
            {
                throw ConfigException.At(table.Location, table.Path, $"{concrete.Name} needs '{SnakeCase(parameter.Name!)}', which is missing.",
                    $"add {SnakeCase(parameter.Name!)} = ... ({FriendlyType(parameter.ParameterType)}).");
            }
        }

        var propertyValues = new List<(PropertyInfo Property, object? Value)>();
        foreach (var key in keys.Where(k => !used.Contains(k)))
        {
            var property = properties.First(p => SameName(key, p.Name));
            propertyValues.Add((property, Convert(table[key], property.PropertyType, table.LocationOf(key), table.PathOf(key), scope)));
            CheckRange(property.GetCustomAttribute<System.ComponentModel.DataAnnotations.RangeAttribute>(), table[key], table.LocationOf(key), table.PathOf(key));
        }

        // Plain options are constructed in check mode too: their constructors only check values.
        if (ValidateOnly && !isOptions) return null;

        object instance;
        try
        {
            instance = constructor.Invoke(arguments);
            foreach (var (property, value) in propertyValues) property.SetValue(instance, value);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or InvalidOperationException or FormatException)
        {
            var key = KeyBlamed(e.InnerException, table, parameters);
            // A message about one parameter reads after its key path; any other names the component.
            var aboutKey = key is not null && e.InnerException is ArgumentException { ParamName: { } name } && SameName(key, name);
            throw ConfigException.At(key is null ? table.Location : table.LocationOf(key), key is null ? table.Path : table.PathOf(key),
                (aboutKey ? "" : $"{concrete.Name}: ") + InConfigWords(e.InnerException, parameters));
        }
        catch (TargetInvocationException e) when (e.InnerException is RunnerException inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            throw; // not reached
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner and not OutOfMemoryException)
        {
            throw ComponentException.ConstructionFailed(concrete, table.Location is { } at ? $"{table.Path} at {at}" : table.Path, inner);
        }
        return instance;
    }

    /// <summary>Whether <paramref name="type"/> is plain options (<see cref="ConfigOptionsAttribute"/>).</summary>
    internal static bool IsOptionsType(Type type) => type.IsDefined(typeof(ConfigOptionsAttribute), inherit: false);

    /// <summary>
    /// Checks a value against the parameter's <see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/>
    /// (each item, for a list), in validation mode too: a value out of range fails at its own line before any work.
    /// NaN is never in range.
    /// </summary>
    private static void CheckRange(System.ComponentModel.DataAnnotations.RangeAttribute? range, object? value, SourceLocation? location, string path)
    {
        if (range is null || value is null) return;
        if (value is ConfigArray items)
        {
            for (var i = 0; i < items.Count; i++) CheckRange(range, items[i], items.LocationOf(i), $"{path}[{i}]");
            return;
        }
        if (value is not (long or double)) return;
        var number = System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        var min = System.Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
        var max = System.Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
        var inRange = !double.IsNaN(number)
            && (range.MinimumIsExclusive ? number > min : number >= min)
            && (range.MaximumIsExclusive ? number < max : number <= max);
        if (inRange) return;
        static string Text(double d) => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var unbounded = max is int.MaxValue or long.MaxValue or double.MaxValue; // the "no upper bound" sentinels
        var wanted = unbounded
            ? (range.MinimumIsExclusive ? $"greater than {Text(min)}" : $"at least {Text(min)}") + (max == double.MaxValue ? " and finite" : "")
            : $"between {Text(min)} and {Text(max)}";
        throw ConfigException.At(location, path, $"must be {wanted}, got {ConfigValueText.Describe(value)}.");
    }

    /// <summary>The key of <paramref name="table"/> a constructor's exception is about: its parameter name, else the
    /// first key the message names.</summary>
    private static string? KeyBlamed(Exception error, ConfigTable table, ParameterInfo[] parameters)
    {
        if (error is ArgumentException { ParamName: { } name } && parameters.FirstOrDefault(p => p.Name == name) is { } parameter)
        {
            var key = table.Keys.FirstOrDefault(k => SameName(k, parameter.Name!));
            if (key is not null) return key;
        }
        return table.Keys.Where(k => k is not TypeKey and not ScopeKey)
            .FirstOrDefault(k => System.Text.RegularExpressions.Regex.IsMatch(error.Message, $@"(?<![\w.]){System.Text.RegularExpressions.Regex.Escape(k)}(?!\w)"));
    }

    /// <summary>An exception's message with the .NET parameter names in it written as config keys (<c>batchSize</c> → <c>batch_size</c>).</summary>
    private static string InConfigWords(Exception error, ParameterInfo[] parameters)
    {
        var message = error.Message;
        if (error is ArgumentException { ParamName: { } name })
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        foreach (var parameter in parameters)
        {
            if (parameter.Name is not { } dotnetName || SnakeCase(dotnetName) == dotnetName) continue;
            message = System.Text.RegularExpressions.Regex.Replace(message, $@"\b{dotnetName}\b", SnakeCase(dotnetName));
        }
        return message;
    }

    /// <summary>What a config table binds to in a type: the public constructor with the most parameters, and the settable properties.</summary>
    private sealed record TypeShape(ConstructorInfo? Constructor, ParameterInfo[] Parameters, IReadOnlyList<PropertyInfo> Properties,
        System.ComponentModel.DataAnnotations.RangeAttribute?[] ParameterRanges);

    // Reflected once per type (attribute lookups are slow, and every component is built twice: validated, then
    // constructed). Weakly keyed, so a plugin's collectible load context can still be unloaded.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Type, TypeShape> Shapes = [];

    private static TypeShape ShapeOf(Type concrete) => Shapes.GetValue(concrete, type =>
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && !p.IsDefined(typeof(NotConfigurableAttribute), inherit: true))
            .ToList();
        var parameters = constructor?.GetParameters() ?? [];
        return new TypeShape(constructor, parameters, properties,
            parameters.Select(p => p.GetCustomAttribute<System.ComponentModel.DataAnnotations.RangeAttribute>()).ToArray());
    });

    private string ScopeOf(ConfigTable table, string? scope)
    {
        if (table[ScopeKey] is { } value)
        {
            if (value is not string s)
                throw ConfigException.At(table.LocationOf(ScopeKey), table.PathOf(ScopeKey), $"expected a scope name, got {ConfigValueText.Describe(value)}.");
            if (!Registries.Scopes.Contains(s))
                throw RegistryException.UnknownScope(s, Registries.Scopes, table.LocationOf(ScopeKey), table.PathOf(ScopeKey));
            return s;
        }
        return scope ?? DefaultScope;
    }

    private bool IsServiceParameter(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(PluginFiles) || Services.Any(parameter.ParameterType.IsInstanceOfType) || ServiceTypes.Any(t => parameter.ParameterType.IsAssignableFrom(t));

    /// <summary>Converts a config value to <paramref name="target"/>, or fails naming the key and the expected type.</summary>
    public object? Convert(object? value, Type target, SourceLocation? location, string path, string? scope = null)
    {
        if (value is null) return null;
        if (value == Supplied) return value;
        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        if (underlying.IsInstanceOfType(value) && value is not ConfigArray && !(value is ConfigTable && underlying == typeof(object)))
            return value;

        switch (value)
        {
            case long l when underlying == typeof(int):
                return l is >= int.MinValue and <= int.MaxValue ? (int)l
                    : throw ConfigException.At(location, path, $"{l} is out of range: it must be between {int.MinValue} and {int.MaxValue}.");
            case long l when underlying == typeof(long):
                return l;
            case long l when underlying == typeof(double):
                return (double)l;
            case long l when underlying == typeof(float):
                return (float)l;
            case double d when underlying == typeof(double):
                return d;
            case double d when underlying == typeof(float):
                return (float)d;
            case long l when underlying.IsEnum && underlying.GetCustomAttribute<IntegerValuesAttribute>() is { } range:
                return l >= range.Minimum && l <= range.Maximum ? Enum.ToObject(underlying, l)
                    : throw ConfigException.At(location, path, $"{SnakeCase(underlying.Name)} must be between {range.Minimum} and {range.Maximum}, got {l}.");
            case string s when underlying.IsEnum:
                return ParseEnum(s, underlying, location, path);
            case ConfigTable table when underlying == typeof(ConfigTable):
                return table;
            case ConfigTable table when IsOptionsType(underlying):
                return BuildType(underlying, table, null, scope);
            case string one when underlying != typeof(string) && ListElementType(underlying) == typeof(string):
                // A single name where a list of names is taken (MMEngine's "str or list of str").
                var single = new ConfigArray(location) { Path = path };
                single.Add(one, location);
                return ConvertList(single, underlying, typeof(string), scope);
            case long or double when underlying != typeof(object) && ListElementType(underlying) is { } number
                                     && (number == typeof(int) || number == typeof(long) || number == typeof(double) || number == typeof(float)):
                // A single number where a list of numbers is taken (MMEngine's "int or tuple": Resize scale = 32).
                var alone = new ConfigArray(location) { Path = path };
                alone.Add(value, location);
                return ConvertList(alone, underlying, number, scope);
            case ConfigTable table when Registries.ForType(underlying) is not null && !underlying.IsSealed:
                return Build(underlying, table, null, scope);
            case ConfigTable table when DictionaryValueType(underlying) is { } valueType:
                return ConvertDictionary(table, valueType, scope);
            case ConfigArray array when ListElementType(underlying) is { } elementType:
                return ConvertList(array, underlying, elementType, scope);
            case ConfigTable or ConfigArray or string or long or double or bool when underlying == typeof(object):
                return value;
        }
        throw Mismatch(value, target, location, path);
    }

    private object ConvertList(ConfigArray array, Type target, Type elementType, string? scope)
    {
        var items = Enumerable.Range(0, array.Count)
            .Select(i => Convert(array[i], elementType, array.LocationOf(i), $"{array.Path}[{i}]", scope))
            .ToList();
        // Checking, a list of components holds placeholders; a list of plain values is made for real (plain options
        // that take it are constructed in check mode too).
        if (ValidateOnly && items.Any(item => item is null || !elementType.IsInstanceOfType(item))) return items;
        if (target.IsArray)
        {
            var result = Array.CreateInstance(elementType, items.Count);
            for (var i = 0; i < items.Count; i++) result.SetValue(items[i], i);
            return result;
        }
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
        foreach (var item in items) list.Add(item);
        return list;
    }

    private object ConvertDictionary(ConfigTable table, Type valueType, string? scope)
    {
        var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
        foreach (var (key, value) in table) dictionary[key] = Convert(value, valueType, table.LocationOf(key), table.PathOf(key), scope);
        return dictionary;
    }

    private static object ParseEnum(string text, Type enumType, SourceLocation? location, string path)
    {
        var match = Enum.GetNames(enumType).FirstOrDefault(n => SameName(text, n));
        if (match is not null) return Enum.Parse(enumType, match);
        var valid = Enum.GetNames(enumType).Select(SnakeCase).ToList();
        throw ConfigException.At(location, path, $"'{text}' is not one of: {string.Join(", ", valid)}.");
    }

    private static Type? ListElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
            || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(ICollection<>)
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static Type? DictionaryValueType(Type type)
    {
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        return (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            && args[0] == typeof(string) ? args[1] : null;
    }

    private static bool IsNullable(ParameterInfo parameter) =>
        Nullable.GetUnderlyingType(parameter.ParameterType) is not null
        || new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;

    private static ConfigException Mismatch(object value, Type target, SourceLocation? location, string path) =>
        ConfigException.At(location, path, $"expected {FriendlyType(target)}, got {ConfigValueText.Describe(value)}.");

    /// <summary>How a type reads in an error message ("an integer", "a list of numbers"…).</summary>
    internal static string FriendlyType(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(int) || underlying == typeof(long)) return "an integer";
        if (underlying == typeof(double) || underlying == typeof(float)) return "a number";
        if (underlying == typeof(bool)) return "true or false";
        if (underlying == typeof(string)) return "a string";
        if (underlying == typeof(ConfigTable)) return "a table";
        if (underlying == typeof(ConfigArray)) return "a list";
        if (underlying.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(underlying).Select(n => $"\"{SnakeCase(n)}\""));
        if (ListElementType(underlying) is { } element) return "a list of " + Plural(FriendlyType(element));
        if (DictionaryValueType(underlying) is not null) return "a table";
        return $"a table with type = \"...\" ({underlying.Name})";
    }

    private static string Plural(string friendly) => friendly switch
    {
        "an integer" => "integers",
        "a number" => "numbers",
        "a string" => "strings",
        "true or false" => "booleans",
        _ => friendly,
    };

    /// <summary>Whether a config key and a .NET name mean the same thing (case and underscores ignored).</summary>
    internal static bool SameName(string configKey, string dotnetName)
    {
        // Underscores skipped, case ignored, nothing allocated (this runs for every key against every parameter).
        int i = 0, j = 0;
        while (true)
        {
            while (i < configKey.Length && configKey[i] == '_') i++;
            while (j < dotnetName.Length && dotnetName[j] == '_') j++;
            if (i == configKey.Length || j == dotnetName.Length) return i == configKey.Length && j == dotnetName.Length;
            if (char.ToUpperInvariant(configKey[i]) != char.ToUpperInvariant(dotnetName[j])) return false;
            i++;
            j++;
        }
    }

    /// <summary><c>maxEpochs</c> / <c>MaxEpochs</c> → <c>max_epochs</c>.</summary>
    internal static string SnakeCase(string name)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))) && name[i - 1] != '_')
                text.Append('_');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
