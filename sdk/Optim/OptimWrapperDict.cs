using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// Several optimizer wrappers by name (MMEngine's <c>OptimWrapperDict</c>), for models that train parts with
/// different optimizers (a GAN's generator and discriminator). Built by a plugin's optim-wrapper constructor; the
/// model's <c>TrainStep</c> calls each wrapper itself, so <see cref="UpdateParams"/>, <see cref="Backward"/> and
/// <see cref="Step"/> are not available on the dict. Schedulers are built per wrapper.
/// </summary>
public sealed class OptimWrapperDict : OptimWrapper
{
    private readonly List<(string Name, OptimWrapper Wrapper)> _wrappers;

    /// <summary>One wrapper per named part of the model (MMEngine's <c>OptimWrapperDict</c>, e.g. a GAN's <c>generator</c> and <c>discriminator</c>).</summary>
    public OptimWrapperDict(IEnumerable<KeyValuePair<string, OptimWrapper>> wrappers)
    {
        _wrappers = wrappers.Select(kv => (kv.Key, kv.Value)).ToList();
        if (_wrappers.Count == 0) throw new ArgumentException("an OptimWrapperDict needs at least one wrapper.");
        if (_wrappers.Any(w => w.Wrapper is OptimWrapperDict)) throw new ArgumentException("an OptimWrapperDict cannot hold another OptimWrapperDict.");
        if (_wrappers.Select(w => w.Name).Distinct().Count() != _wrappers.Count) throw new ArgumentException("the wrapper names must differ.");
    }

    /// <summary>The wrapper called <paramref name="name"/>.</summary>
    public OptimWrapper this[string name] => _wrappers.FirstOrDefault(w => w.Name == name).Wrapper
        ?? throw new KeyNotFoundException($"The OptimWrapperDict has no '{name}' (it has {string.Join(", ", Keys)}).");

    /// <summary>The wrappers' names.</summary>
    public IEnumerable<string> Keys => _wrappers.Select(w => w.Name);

    /// <summary>The number of wrappers.</summary>
    public int Count => _wrappers.Count;

    /// <inheritdoc/>
    public override optim.Optimizer Optimizer =>
        throw new InvalidOperationException($"An OptimWrapperDict holds several optimizers ({string.Join(", ", Keys)}); use dict[name].Optimizer.");

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, OptimWrapper Wrapper)> NamedWrappers() => _wrappers;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> LrForLogging() =>
        _wrappers.ToDictionary(w => $"{w.Name}.lr", w => w.Wrapper.GetLr()[0]);

    /// <inheritdoc/>
    public override void InitializeCountStatus(int initCounts, int maxCounts)
    {
        foreach (var (_, wrapper) in _wrappers) wrapper.InitializeCountStatus(initCounts, maxCounts);
    }

    /// <inheritdoc/>
    public override void UpdateParams(Tensor loss) => throw NotForDict(nameof(UpdateParams));

    /// <inheritdoc/>
    public override void Backward(Tensor loss) => throw NotForDict(nameof(Backward));

    /// <inheritdoc/>
    public override void Step() => throw NotForDict(nameof(Step));

    /// <inheritdoc/>
    public override void ZeroGrad()
    {
        foreach (var (_, wrapper) in _wrappers) wrapper.ZeroGrad();
    }

    /// <inheritdoc/>
    public override byte[] SaveOptimizerState() => throw NotForDict(nameof(SaveOptimizerState));

    /// <inheritdoc/>
    public override void LoadOptimizerState(byte[] state) => throw NotForDict(nameof(LoadOptimizerState));

    private InvalidOperationException NotForDict(string method) =>
        new($"{method} is not available on an OptimWrapperDict ({string.Join(", ", Keys)}): the model's TrainStep calls each wrapper, e.g. optimWrapper[\"{_wrappers[0].Name}\"].{method}(...).");
}
