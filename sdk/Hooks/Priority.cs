using Runner.Sdk.Registries;

namespace Runner.Sdk.Hooks;

/// <summary>Hook priorities (MMEngine's <c>Priority</c>): a smaller number runs earlier; any integer 0–100 is allowed too.</summary>
[IntegerValues(0, 100)]
public enum Priority
{
    /// <summary>0: Runs first.</summary>
    Highest = 0,
    /// <summary>10: Before high.</summary>
    VeryHigh = 10,
    /// <summary>30: Before above-normal.</summary>
    High = 30,
    /// <summary>40: Before normal.</summary>
    AboveNormal = 40,
    /// <summary>50: The default.</summary>
    Normal = 50,
    /// <summary>60: After normal.</summary>
    BelowNormal = 60,
    /// <summary>70: After below-normal.</summary>
    Low = 70,
    /// <summary>90: After low.</summary>
    VeryLow = 90,
    /// <summary>100: Runs last.</summary>
    Lowest = 100,
}
