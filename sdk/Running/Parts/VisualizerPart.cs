using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using Runner.Sdk.Visualization;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>visualizer</c> part: <c>vis_backends</c>, a list of backend tables (default: one
/// <see cref="LocalVisBackend"/>). The builder supplies each backend's <see cref="VisContext"/> (or, checking,
/// stands in for it).
/// </summary>
internal static class VisualizerPart
{
    public static List<IVisBackend> Decode(ComponentBuilder builder, ConfigTable cfg, VisContext? context)
    {
        if (ConfigShape.Table(cfg, "visualizer") is not { } visualizer || visualizer["vis_backends"] is null)
            return context is null ? [] : [new LocalVisBackend(context)];
        if (visualizer.Keys.FirstOrDefault(k => k != "vis_backends") is { } unknown)
            throw ConfigException.At(visualizer.LocationOf(unknown), visualizer.PathOf(unknown), $"the visualizer has no option '{unknown}'.", "valid keys: vis_backends.");
        if (visualizer["vis_backends"] is not ConfigArray list)
            throw ConfigException.At(visualizer.LocationOf("vis_backends"), "visualizer.vis_backends", "expected a list of backend tables.");
        var backends = new List<IVisBackend>();
        for (var i = 0; i < list.Count; i++)
        {
            var backend = list[i] switch
            {
                IVisBackend given => given,
                ConfigTable table => builder.Build<IVisBackend>(table),
                _ => throw ConfigException.At(list.LocationOf(i), $"visualizer.vis_backends[{i}]", "expected a backend table."),
            };
            if (backend is not null) backends.Add(backend);
        }
        return backends;
    }
}
