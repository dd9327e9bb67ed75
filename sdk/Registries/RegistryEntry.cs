namespace Runner.Sdk.Registries;

/// <summary>One registered component: its name, its class, the scope it lives in and who provided it.</summary>
/// <param name="Provider">The plugin or assembly that registered it, for error messages and <c>runner-host list</c>.</param>
public sealed record RegistryEntry(string Name, Type Type, string Scope, string Provider);
