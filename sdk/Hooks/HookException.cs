namespace Runner.Sdk.Hooks;

/// <summary>A hook threw: names the hook, the plugin that provides it, the hook point, and where the run was.</summary>
public sealed class HookException : RunnerException
{
    private HookException(string message, Exception inner) : base(message, inner) { }

    internal static HookException Failed(Hook hook, HookPoint point, int epoch, int iter, Exception inner) =>
        Failed(hook, point.ToString(), epoch, iter, inner);

    internal static HookException Failed(Hook hook, string point, int epoch, int iter, Exception inner)
    {
        var provider = hook.GetType().Assembly.GetName();
        return new HookException(
            $"Hook {hook.GetType().Name} (from {provider.Name} {provider.Version}) failed in {point} at epoch {epoch}, iter {iter}: " +
            $"{inner.GetType().Name}: {inner.Message}", inner);
    }
}
