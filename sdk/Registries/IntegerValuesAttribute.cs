namespace Runner.Sdk.Registries;

/// <summary>
/// An enum whose config values may also be any integer in [<paramref name="minimum"/>, <paramref name="maximum"/>]
/// (hook priorities: <c>"HIGH"</c> or <c>30</c>). The config builder converts such integers for any enum marked so.
/// </summary>
[AttributeUsage(AttributeTargets.Enum, Inherited = false)]
public sealed class IntegerValuesAttribute(long minimum, long maximum) : Attribute
{
    public long Minimum { get; } = minimum;

    public long Maximum { get; } = maximum;
}
