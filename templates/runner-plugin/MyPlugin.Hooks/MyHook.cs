using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace MyPlugin.Hooks;

/// <summary>Logs the lowest training loss seen so far at the end of each epoch.</summary>
[Register]
public sealed class MyHook : Hook
{
    private double _lowest = double.PositiveInfinity;

    /// <summary>The lowest loss seen so far.</summary>
    public double Lowest => _lowest;

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        if (outputs.TryGetValue("loss", out var loss)) _lowest = Math.Min(_lowest, loss);
    }

    public override void AfterTrainEpoch(TrainingRunner runner) => runner.Logger.Info($"MyHook: lowest loss so far {_lowest:0.0000}");

    // Kept when runner-host --watch swaps in a new build of this hook.
    public override IReadOnlyDictionary<string, object?>? StateDict() => new Dictionary<string, object?> { ["lowest"] = _lowest };

    public override void LoadStateDict(IReadOnlyDictionary<string, object?> state) => _lowest = Convert.ToDouble(state["lowest"]);
}
