namespace Runner.Sdk.Registries;

/// <summary>
/// The registry scope of a plugin assembly (MMEngine's <c>scope</c>, e.g. <c>mmdet</c>). A config reaches the
/// plugin's components as <c>scope.Type</c>, or as plain <c>Type</c> when <c>default_scope</c> is this scope.
/// Without the attribute the scope is the assembly name.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class PluginScopeAttribute(string scope) : Attribute
{
    /// <summary>The scope the assembly's components register in.</summary>
    public string Scope { get; } = scope;
}
