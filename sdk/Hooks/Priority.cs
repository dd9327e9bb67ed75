namespace Runner.Sdk.Hooks;

/// <summary>Hook priorities (MMEngine's <c>Priority</c>): a smaller number runs earlier; any integer 0–100 is allowed too.</summary>
[global::Runner.Sdk.Registries.IntegerValues(0, 100)]
public enum Priority
{
    Highest = 0,
    VeryHigh = 10,
    High = 30,
    AboveNormal = 40,
    Normal = 50,
    BelowNormal = 60,
    Low = 70,
    VeryLow = 90,
    Lowest = 100,
}
