using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using Runner.Sdk.Running.Loops;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>val_cfg</c> / <c>test_cfg</c> part: a loop <c>type</c> deriving from <typeparamref name="TLoop"/>, or
/// <typeparamref name="TLoop"/> itself, with the table's options. The builder supplies the runner, the dataloader
/// and the evaluator (or, checking, stands in for them).
/// </summary>
internal static class EvalLoopPart<TLoop> where TLoop : BaseLoop
{
    public static TLoop? Decode(ComponentBuilder builder, ConfigTable loopCfg) =>
        loopCfg.TypeName is not null ? builder.Build<TLoop>(loopCfg) : (TLoop?)builder.BuildType(typeof(TLoop), loopCfg);
}
