using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

[assembly: Runner.Sdk.Registries.PluginScope("hotswap")]

namespace HotSwap.Hooks;

/// <summary>Counts training iterations and logs each one with its build's version; the count survives a hot swap.</summary>
[Register]
public sealed class CountingHook : Hook
{
#if HOOK_V2
    private const int Build = 2;
#elif HOOK_V3
    private const int Build = 3;
#else
    private const int Build = 1;
#endif

    private long _seen;

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        _seen++;
        runner.Logger.Info($"CountingHook v{Build} iter {runner.Iter + 1} seen {_seen}");
    }

    public override IReadOnlyDictionary<string, object?>? StateDict() => new Dictionary<string, object?> { ["seen"] = _seen };

#if HOOK_V3
    // Build 3 changed its state's format and cannot read build 1's: the swap must fail and say so.
    public override void LoadStateDict(IReadOnlyDictionary<string, object?> state) => throw new InvalidOperationException("state format changed");
#else
    public override void LoadStateDict(IReadOnlyDictionary<string, object?> state) => _seen = Convert.ToInt64(state["seen"], System.Globalization.CultureInfo.InvariantCulture);
#endif
}
