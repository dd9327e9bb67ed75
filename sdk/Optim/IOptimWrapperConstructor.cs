using Runner.Sdk.Models;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim;

/// <summary>
/// Builds a model's optimizer wrapper from the <c>optim_wrapper</c> table (MMEngine's optim-wrapper constructors).
/// Named by <c>optim_wrapper.constructor</c>; the default is <see cref="DefaultOptimWrapperConstructor"/>. A plugin
/// may register its own, e.g. to give parts of a model different optimizers or settings.
/// </summary>
[ComponentKind("optim wrapper constructor", 11)]
public interface IOptimWrapperConstructor
{
    /// <summary>Builds the optimizer wrapper for <paramref name="model"/> (the runner calls it once, on <c>Train()</c>).</summary>
    OptimWrapper Build(BaseModel model);
}
