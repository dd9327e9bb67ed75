using System.Reflection;

namespace Runner.Sdk;

/// <summary>Facts about this build of Runner.</summary>
public static class RunnerInfo
{
    /// <summary>The SDK's version (semantic), also written into checkpoints.</summary>
    public static string Version { get; } =
        typeof(RunnerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(RunnerInfo).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
