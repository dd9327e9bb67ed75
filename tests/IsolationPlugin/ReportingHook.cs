using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;

#if FLAVOR_B
[assembly: Runner.Sdk.Registries.PluginScope("isolation_b")]
#else
[assembly: Runner.Sdk.Registries.PluginScope("isolation_a")]
#endif

namespace IsolationPlugin;

/// <summary>Reports which build of IsolationLib its plugin got.</summary>
[Register]
public sealed class ReportingHook : Hook
{
#if FLAVOR_B
    public override string ToString() => IsolationLib.LibInfo.Describe();
#else
    public override string ToString() => "lib v" + typeof(IsolationLib.LibInfo).Assembly.GetName().Version!.Major;
#endif
}
