using Runner.Sdk.Configuration;
using Runner.Sdk.Models;
using Runner.Sdk.Optim;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>optim_wrapper</c> part: the constructor named by <c>constructor</c> (default
/// <see cref="DefaultOptimWrapperConstructor"/>) is given the rest of the table and <c>paramwise_cfg</c>, and builds
/// the optimizer and its wrapper over the model's parameters. Checking, the default constructor checks its tables
/// with the code it builds them with.
/// </summary>
internal static class OptimWrapperPart
{
    public static OptimWrapper? Decode(ComponentBuilder builder, ConfigTable cfg, BaseModel? model)
    {
        if (cfg["optim_wrapper"] is OptimWrapper given) return given;
        if (ConfigShape.Table(cfg, "optim_wrapper") is not { } table) return null;
        var (constructorTable, defaults) = ConstructorTable(table);
        var constructor = builder.Build<IOptimWrapperConstructor>(constructorTable, defaults);
        if (constructor is not null) return constructor.Build(model!);
        if (builder.ResolveType(typeof(IOptimWrapperConstructor), constructorTable) == typeof(DefaultOptimWrapperConstructor))
            DefaultOptimWrapperConstructor.Check(builder, (ConfigTable)defaults["optim_wrapper_cfg"]!, defaults["paramwise_cfg"] as ConfigTable);
        return null;
    }

    /// <summary>Splits optim_wrapper into the constructor's own table (its type) and what it is given.</summary>
    public static (ConfigTable Constructor, Dictionary<string, object?> Defaults) ConstructorTable(ConfigTable optimWrapper)
    {
        var rest = optimWrapper.Clone();
        var constructor = new ConfigTable(optimWrapper.Location) { Path = optimWrapper.PathOf("constructor") };
        constructor.Set("type", optimWrapper["constructor"] ?? nameof(DefaultOptimWrapperConstructor), optimWrapper.LocationOf("constructor"));
        var paramwise = optimWrapper["paramwise_cfg"];
        rest.Remove("constructor");
        rest.Remove("paramwise_cfg");
        return (constructor, new Dictionary<string, object?> { ["optim_wrapper_cfg"] = rest, ["paramwise_cfg"] = paramwise });
    }
}
