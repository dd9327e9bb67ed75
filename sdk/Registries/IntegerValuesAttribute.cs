namespace Runner.Sdk.Registries;

/// <summary>
/// An enum whose config values may also be any integer in [<paramref name="minimum"/>, <paramref name="maximum"/>]
/// (hook priorities: <c>"HIGH"</c> or <c>30</c>). The config builder converts such integers for any enum marked so.
/// </summary>
[AttributeUsage(AttributeTargets.Enum, Inherited = false)]
internal sealed class IntegerValuesAttribute(long minimum, long maximum) : Attribute
{
    /// <summary>The smallest number accepted.</summary>
    public long Minimum { get; } = minimum;

    /// <summary>The largest number accepted.</summary>
    public long Maximum { get; } = maximum;
}
