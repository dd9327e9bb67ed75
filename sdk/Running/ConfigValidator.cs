using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Hooks;
using Runner.Sdk.Optim;
using Runner.Sdk.Registries;
using Runner.Sdk.Running.Loops;

namespace Runner.Sdk.Running;

/// <summary>
/// Checks a whole runner config without building anything: the top-level keys, every component's type and
/// options (including the parts the runner builds later), and MMEngine's consistency rules. A config that passes
/// fails later only for reasons a config cannot show (a missing data file, a bad checkpoint).
/// </summary>
internal static class ConfigValidator
{
    /// <summary>Throws the problems <see cref="FindProblems"/> finds: one as itself, several as one message listing them all.</summary>
    public static void Validate(ConfigTable cfg, RegistryRoot registries, string defaultScope)
    {
        var problems = FindProblems(cfg, registries, defaultScope);
        if (problems.Count == 1) throw problems[0];
        if (problems.Count > 1) throw ConfigException.Several(problems);
    }

    /// <summary>Every problem of the config, each section checked on its own (within a section, the first problem).</summary>
    public static IReadOnlyList<RunnerException> FindProblems(ConfigTable cfg, RegistryRoot registries, string defaultScope)
    {
        var problems = new List<RunnerException>();
        void Section(Action check)
        {
            try
            {
                check();
            }
            catch (RunnerException e)
            {
                problems.Add(e);
            }
        }

        Section(() => RunnerSettings.CheckKeys(cfg));
        Section(() =>
        {
            if (!registries.Scopes.Contains(defaultScope))
                throw RegistryException.UnknownScope(defaultScope, registries.Scopes, cfg.LocationOf("default_scope"), "default_scope");
        });
        if (problems.Count > 0 && !registries.Scopes.Contains(defaultScope)) return problems;

        var check = new ComponentBuilder(registries, defaultScope, validateOnly: true);
        check.ServiceTypes.AddRange([typeof(TrainingRunner), typeof(DataLoader), typeof(Evaluator), typeof(OptimWrapper), typeof(ComponentBuilder),
            typeof(Visualization.VisContext)]);
        ConfigTable WithIterDefault(ConfigTable table) => TrainLoopPart.WithIterDefault(cfg, table);

        // Each part is read by the code that builds it (Parts/*.cs), here with a builder that checks and builds nothing.
        RunnerSettings.Decode(check, cfg, Section);
        Section(() => ModelPart.Decode(check, cfg));
        Section(() => CheckTriple(cfg, "train_dataloader", "train_cfg", "optim_wrapper"));
        Section(() => CheckTriple(cfg, "val_dataloader", "val_cfg", "val_evaluator"));
        Section(() => CheckTriple(cfg, "test_dataloader", "test_cfg", "test_evaluator"));
        Section(() =>
        {
            if (cfg.ContainsKey("param_scheduler") && !cfg.ContainsKey("optim_wrapper"))
                throw ConfigException.At(cfg.LocationOf("param_scheduler"), "param_scheduler", "param_scheduler needs an optim_wrapper.");
        });
        foreach (var key in new[] { "train_dataloader", "val_dataloader", "test_dataloader" })
            Section(() =>
            {
                foreach (var (_, table) in DataLoaderPart.Tables(cfg, key) ?? []) DataLoaderPart.Decode(check, table, seed: 0);
            });
        Section(() => { if (ConfigShape.Table(cfg, "train_cfg") is { } table) TrainLoopPart.Decode(check, table); });
        Section(() => { if (ConfigShape.Table(cfg, "val_cfg") is { } table) EvalLoopPart<ValLoop>.Decode(check, table); });
        Section(() => { if (ConfigShape.Table(cfg, "test_cfg") is { } table) EvalLoopPart<TestLoop>.Decode(check, table); });
        foreach (var key in new[] { "val_evaluator", "test_evaluator" }) Section(() => EvaluatorPart.Decode(check, cfg, key));
        Section(() => OptimWrapperPart.Decode(check, cfg, model: null));
        Section(() => ParamSchedulerPart.Decode(check, cfg, wrapperName: null, Section));
        Section(() =>
        {
            foreach (var (_, table) in HooksPart.Entries(cfg, WithIterDefault, Section))
                if (table is not null) Section(() => check.Build<Hook>(table));
        });
        Section(() => VisualizerPart.Decode(check, cfg, context: null));
        Section(() => LogProcessorPart.Decode(check, cfg, WithIterDefault));
        return problems;
    }

    private static void CheckTriple(ConfigTable cfg, string a, string b, string c)
    {
        var present = new[] { a, b, c }.Where(cfg.ContainsKey).ToList();
        if (present.Count is 0 or 3) return;
        var missing = new[] { a, b, c }.Except(present);
        throw ConfigException.At(cfg.LocationOf(present[0]), present[0],
            $"{a}, {b} and {c} go together: the config sets {string.Join(" and ", present)} but not {string.Join(" and ", missing)}.",
            "set all three, or none.");
    }
}
