namespace Runner.Sdk;

/// <summary>A component (model, dataset, metric…) threw: names the component, the assembly (plugin) providing it, what it was doing, and where the run was.</summary>
public sealed class ComponentException : RunnerException
{
    private ComponentException(string message, Exception inner) : base(message, inner) { }

    internal static ComponentException Failed(object component, string action, int epoch, int iter, Exception inner)
    {
        var provider = component.GetType().Assembly.GetName();
        return new ComponentException(
            $"{component.GetType().Name} (from {provider.Name} {provider.Version}) failed in {action} at epoch {epoch}, iter {iter}: " +
            Cause(inner), inner);
    }

    /// <summary>A component's constructor threw something other than a config problem: names the component, where it
    /// comes from and the config table that described it.</summary>
    public static ComponentException ConstructionFailed(Type component, string? configPath, Exception inner)
    {
        var provider = component.Assembly.GetName();
        var where = configPath is null ? "" : $" (for {configPath})";
        return new ComponentException(
            $"{component.Name} (from {provider.Name} {provider.Version}) failed while being built{where}: {Cause(inner)}", inner);
    }

    /// <summary>
    /// What went wrong: the exception's type and message (a plugin's author reads the type), except for libtorch's
    /// errors, whose .NET type says nothing: those are "libtorch: …" without its C++ stack.
    /// </summary>
    private static string Cause(Exception inner) => inner is System.Runtime.InteropServices.ExternalException
        ? $"libtorch: {Native.NativeErrorText.WithoutNativeFrames(inner.Message)}"
        : $"{inner.GetType().Name}: {inner.Message}";

    /// <summary>Runs <paramref name="step"/>, turning any non-Runner exception into a <see cref="ComponentException"/>.</summary>
    public static T Guard<T>(object component, string action, int epoch, int iter, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is not RunnerException and not OperationCanceledException)
        {
            throw Failed(component, action, epoch, iter, e);
        }
    }
}
