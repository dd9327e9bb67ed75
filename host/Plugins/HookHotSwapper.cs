using Runner.Sdk.Data;
using Runner.Sdk.Plugins;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Host.Plugins;

/// <summary>
/// <c>--watch</c>: at iteration boundaries (at most every <c>checkInterval</c>), checks whether a plugin's DLL
/// changed, by a hash of its content — rebuilt in place or replaced by a rename alike, with no file-system event to
/// miss, and no false alarm from a touched file. When a plugin that provides only hooks changed, its new build is loaded in a new load context, its hooks
/// are rebuilt from their config tables and put in the old ones' places (same priority, same position), their
/// <see cref="Hook.StateDict"/> is carried over, and the old context is unloaded. A build that fails to load or to
/// construct leaves the old hooks running. A plugin that also provides other components is not swapped: the change
/// takes effect on the next run.
/// </summary>
public sealed class HookHotSwapper : Hook
{
    private readonly PluginCatalog _catalog;
    private readonly RegistryRoot _registries;
    private readonly Dictionary<string, ulong?> _handled = new(StringComparer.Ordinal);
    private readonly TimeSpan _checkInterval;
    private readonly System.Diagnostics.Stopwatch _sinceCheck = System.Diagnostics.Stopwatch.StartNew();

    /// <param name="checkInterval">The least time between two checks; default half a second.</param>
    public HookHotSwapper(PluginCatalog catalog, RegistryRoot registries, TimeSpan? checkInterval = null)
    {
        _catalog = catalog;
        _registries = registries;
        _checkInterval = checkInterval ?? TimeSpan.FromMilliseconds(500);
        foreach (var plugin in catalog.Plugins) _handled[plugin.Path] = ContentHash(plugin.Path);
        Priority = Priority.Highest;
    }

    /// <summary>How many hot swaps happened.</summary>
    public int Swaps { get; private set; }

    /// <summary>The file's XXH3, or null while it is missing or cannot be read (in the middle of a replace).</summary>
    private static ulong? ContentHash(string path)
    {
        try
        {
            return System.IO.Hashing.XxHash3.HashToUInt64(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The iteration boundary: before any other hook sees this iteration.</summary>
    public override void BeforeTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch)
    {
        if (_sinceCheck.Elapsed < _checkInterval) return;
        _sinceCheck.Restart();
        foreach (var plugin in _catalog.Plugins.ToList())
        {
            var now = ContentHash(plugin.Path);
            if (now is null || now == _handled[plugin.Path]) continue;
            _handled[plugin.Path] = now;
            Reload(runner, plugin);
        }
    }

    private void Reload(TrainingRunner runner, LoadedPlugin old)
    {
        if (old.Registered.Any(e => !typeof(Hook).IsAssignableFrom(e.Type)))
        {
            runner.Logger.Warn($"Plugin {old.Name} changed; it provides more than hooks, so the change takes effect on the next run.");
            return;
        }
        var oldHooks = runner.CallHooks.Hooks.Where(h => h.GetType().Assembly == old.Assembly).ToList();
        if (oldHooks.FirstOrDefault(h => runner.ConfigOf(h) is null) is { } instance)
        {
            runner.Logger.Warn($"Plugin {old.Name} changed, but hook {instance.GetType().Name} was registered as an object, not built from the config, " +
                "so it cannot be rebuilt; the old build keeps running.");
            return;
        }

        var provider = $"plugin {old.Name}";
        PluginContext? loader = null;
        try
        {
            (var inspection, loader, var assembly) = PluginCatalog.Open(old.Path, _catalog.InMemory);
            var components = assembly.GetTypes().Where(t => t.IsDefined(typeof(RegisterAttribute), inherit: false)).ToList();
            if (components.Any(t => !typeof(Hook).IsAssignableFrom(t)))
            {
                runner.Logger.Warn($"Plugin {old.Name} changed; its new build provides more than hooks, so the change takes effect on the next run.");
                loader.Dispose();
                return;
            }

            // Build every successor (with its predecessor's state) before replacing any, so a failure changes nothing.
            _registries.Unregister(provider);
            IReadOnlyList<RegistryEntry> registered;
            var successors = new List<Hook>();
            try
            {
                registered = _registries.RegisterAssembly(assembly, provider);
                foreach (var hook in oldHooks)
                {
                    var successor = runner.BuildHook(runner.ConfigOf(hook)!);
                    try
                    {
                        if (hook.StateDict() is { } state) successor.LoadStateDict(state);
                    }
                    catch (Exception e) when (e is not Runner.Sdk.RunnerException)
                    {
                        // The new build loaded; what failed is handing the running hook's state to it.
                        throw new Runner.Sdk.RunnerException(
                            $"the new {successor.GetType().Name} could not take over the running hook's state (StateDict → LoadStateDict): {e.GetType().Name}: {e.Message}", e);
                    }
                    successors.Add(successor);
                }
            }
            catch
            {
                _registries.Unregister(provider);
                _registries.RegisterAssembly(old.Assembly, provider);
                throw;
            }

            for (var i = 0; i < oldHooks.Count; i++)
            {
                runner.CallHooks.Replace(oldHooks[i], successors[i]);
                // The version rarely changes between two builds; the build's own id and time tell them apart.
                runner.Logger.Info($"Hook {successors[i].GetType().Name} reloaded from {old.Path} ({inspection.Version.ToString(3)}, build {assembly.ManifestModule.ModuleVersionId.ToString()[..8]} of {File.GetLastWriteTime(old.Path):HH:mm:ss})");
            }
            _catalog.Replace(old, new LoadedPlugin(old.Name, old.Path, inspection.Version, inspection.SdkVersion, assembly, loader, registered));
            old.Loader.Dispose(); // the old load context unloads once its hooks are collected
            Swaps++;
        }
        catch (Exception e)
        {
            loader?.Dispose();
            var problem = e is Runner.Sdk.RunnerException ? e.Message : PluginLoadException.Failed(old.Name, old.Path, e).Message;
            runner.Logger.Error($"Hot swap of plugin {old.Name} failed, so its old build keeps running: {problem}");
        }
    }
}
