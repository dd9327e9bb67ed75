namespace Runner.Sdk.Registries;

/// <summary>A public settable property that a config may not set (runtime state such as <c>StopTraining</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotConfigurableAttribute : Attribute;
