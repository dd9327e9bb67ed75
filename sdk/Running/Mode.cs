namespace Runner.Sdk.Running;

/// <summary>
/// What a loop is doing: training, validating or testing (prediction runs the test loop). Hooks' per-mode methods
/// (<see cref="Hooks.Hook"/>'s <c>BeforeEpoch</c>, <c>AfterIter</c>…) receive it; <see cref="ModeNames.Key"/> gives the
/// lower-case name used in log keys (<c>train/loss</c>) and log lines (<c>Epoch(val)</c>).
/// </summary>
public enum Mode
{
    /// <summary>The train loop.</summary>
    Train,

    /// <summary>The val loop.</summary>
    Val,

    /// <summary>The test loop (also used by prediction).</summary>
    Test,
}

/// <summary>The names of the <see cref="Mode"/> values as MMEngine writes them.</summary>
internal static class ModeNames
{
    /// <summary><c>train</c>, <c>val</c> or <c>test</c>: the prefix of the mode's message-hub keys and its name in log lines.</summary>
    public static string Key(this Mode mode) => mode switch
    {
        Mode.Train => "train",
        Mode.Val => "val",
        Mode.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a Mode value"),
    };
}
