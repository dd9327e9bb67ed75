namespace Runner.Sdk.Registries;

/// <summary>
/// Registers a component class into the registry of its kind (chosen from its base type: a model, dataset, hook,
/// metric, loop, optimizer, scheduler…), under the scope of its assembly (<see cref="PluginScopeAttribute"/>).
/// The name defaults to the class name; that is the <c>type</c> a config writes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RegisterAttribute : Attribute
{
    /// <summary>Registers the class under <paramref name="name"/>, or under its own name when null.</summary>
    public RegisterAttribute(string? name = null) => Name = name;

    /// <summary>The registered name; null means the class name.</summary>
    public string? Name { get; }

    /// <summary>Further names the component can be built by.</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>Replace an entry of the same name in the same scope instead of failing.</summary>
    public bool Force { get; init; }
}
