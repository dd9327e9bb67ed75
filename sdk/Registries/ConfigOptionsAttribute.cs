namespace Runner.Sdk.Registries;

/// <summary>
/// Marks a type as plain options: a record of settings (no registry, no side effects) that a config table binds to
/// wherever a parameter has this type — <c>clip_grad = { max_norm = 1.0 }</c> for a <c>ClipGradSettings</c>
/// parameter. Its constructor only checks and stores values, so it runs in check mode too: a bad value is reported
/// at its line before any work starts. Its <c>type</c> key, if it has one, is an ordinary option.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ConfigOptionsAttribute : Attribute;
