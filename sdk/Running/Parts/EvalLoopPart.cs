namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;
using global::Runner.Sdk.Registries;
using global::Runner.Sdk.Running.Loops;

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
