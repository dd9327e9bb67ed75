using Runner.Sdk.Data;
using Runner.Sdk.Optim;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Sdk.Models;

/// <summary>
/// The base of every model the runner trains (MMEngine's <c>BaseModel</c>): a TorchSharp module with one
/// <see cref="Forward"/> in three modes, and the train/val/test steps the loops call. Submodules are fields,
/// registered with <c>RegisterComponents()</c> at the end of the subclass constructor.
/// </summary>
[ComponentKind("model", 0)]
public abstract class BaseModel : nn.Module
{
    private readonly string? _name;

    /// <summary>A model named after its class (<see cref="GetName"/>).</summary>
    protected BaseModel() : this(null) { }

    /// <summary>A model with the name <paramref name="name"/>; null names it after its class.</summary>
    protected BaseModel(string? name) : base(name ?? "") => _name = name;

    /// <summary>The name given to the constructor, or the class's name.</summary>
    public override string GetName() => _name ?? GetType().Name;

    /// <summary>Prepares each batch (device, dtype, normalisation) before <see cref="Forward"/>.</summary>
    public BaseDataPreprocessor DataPreprocessor { get; set; } = new();

    /// <summary>Runs the model on a prepared batch.</summary>
    /// <param name="batch">The output of <see cref="DataPreprocessor"/>.</param>
    /// <param name="mode"><see cref="ForwardMode.Loss"/>: a dictionary of losses; <see cref="ForwardMode.Predict"/>:
    /// predictions; <see cref="ForwardMode.Tensor"/>: the raw output.</param>
    public abstract ModelOutput Forward(DataBatch batch, ForwardMode mode);

    /// <summary>
    /// One training step: preprocess, forward in loss mode, sum the losses, and let the optimizer wrapper do
    /// backward, step and zero-grad. Returns the logged values (each loss and their total, <c>loss</c>).
    /// </summary>
    public virtual IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, OptimWrapper optimWrapper)
    {
        var data = DataPreprocessor.Process(batch, training: true);
        var output = Forward(data, ForwardMode.Loss);
        var losses = output.Losses ?? throw new InvalidOperationException($"{GetType().Name}.Forward in Loss mode returned no losses.");
        var (loss, parsed) = ParseLosses(losses);
        // With several ranks: the mean over them, so the log shows the whole batch's loss and a non-finite loss on
        // one rank is seen by all (which then skip or stop together, instead of waiting for each other).
        var logVars = optimWrapper.ReduceLogVars(parsed);
        if (logVars.Values.Any(v => !double.IsFinite(v)))
        {
            // Before any backward pass, so the weights stay as they were.
            if (!optimWrapper.SkipNonfiniteLoss) throw NonfiniteLossException.For(logVars);
            optimWrapper.CountNonfiniteSkip();
            return new Dictionary<string, double> { ["nonfinite_skipped"] = optimWrapper.NonfiniteSkipped };
        }
        optimWrapper.UpdateParams(loss);
        return logVars;
    }

    /// <summary>One validation step: preprocess and forward in predict mode.</summary>
    public virtual DataBatch ValStep(DataBatch batch) => Predict(batch);

    /// <summary>One test step: preprocess and forward in predict mode.</summary>
    public virtual DataBatch TestStep(DataBatch batch) => Predict(batch);

    private DataBatch Predict(DataBatch batch)
    {
        var data = DataPreprocessor.Process(batch, training: false);
        return Forward(data, ForwardMode.Predict).Predictions
            ?? throw new InvalidOperationException($"{GetType().Name}.Forward in Predict mode returned no predictions.");
    }

    /// <summary>
    /// MMEngine's <c>parse_losses</c>: every entry whose name contains <c>loss</c> is averaged and summed into the
    /// total; all entries are logged as plain numbers.
    /// </summary>
    public static (Tensor Loss, Dictionary<string, double> LogVars) ParseLosses(IReadOnlyDictionary<string, Tensor> losses)
    {
        var logVars = new Dictionary<string, double>(StringComparer.Ordinal);
        if (losses.Count == 1 && losses.TryGetValue("loss", out var only) && only.dim() == 0)
        {
            // The usual single loss: one read of its value instead of two.
            logVars["loss"] = ToDouble(only);
            return (only, logVars);
        }
        Tensor? total = null;
        foreach (var (name, value) in losses)
        {
            var mean = value.dim() == 0 ? value : value.mean();
            logVars[name] = ToDouble(mean);
            if (name.Contains("loss", StringComparison.Ordinal)) total = total is null ? mean : total + mean;
        }
        if (total is null) throw new InvalidOperationException("The model returned no entry whose name contains 'loss'.");
        logVars["loss"] = ToDouble(total);
        return (total, logVars);
    }

    /// <summary>A scalar tensor's value, whatever its floating-point dtype (float32, bfloat16, float16…).</summary>
    private static double ToDouble(Tensor value)
    {
        if (value.dtype == ScalarType.Float32) return value.item<float>();
        using var wide = value.to_type(ScalarType.Float64);
        return wide.item<double>();
    }
}
