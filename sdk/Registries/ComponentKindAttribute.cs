namespace Runner.Sdk.Registries;

/// <summary>
/// Marks the base type of a kind of component (a model, a hook, a metric…): <see cref="RegistryRoot"/> makes one
/// registry tree per marked type it finds, so the registries need not know the kinds — they sit at the bottom of
/// the SDK, as MMEngine's <c>registry/</c> does, and a kind is declared where its base type is.
/// </summary>
/// <param name="name">The kind's name in messages and listings ("model", "data sampler").</param>
/// <param name="order">Where the kind comes in listings (smaller first).</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = false)]
internal sealed class ComponentKindAttribute(string name, int order) : Attribute
{
    /// <summary>The kind's name in messages and listings (<c>model</c>, <c>hook</c>…).</summary>
    public string Name { get; } = name;

    /// <summary>Where the kind comes in listings.</summary>
    public int Order { get; } = order;
}
