using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Runner.Host.Plugins;
using Runner.Sdk.Plugins;
using Runner.Sdk;
using Runner.Sdk.Configuration;
using Runner.Sdk.Hooks;
using Runner.Sdk.Hosting;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Host;

/// <summary>
/// The <c>runner-host</c> command line: <c>runner-host [train|val|test] --config FILE [options]</c>, plus
/// <c>config print|validate</c> and <c>list</c>. Without a command it trains, then tests when the config has a test
/// loop. Runs in-process with injectable output, so the tests drive exactly what the executable does.
/// </summary>
public static class HostApp
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        PluginLoaderWarmUp.Start();
        RunnerProcess.PrepareNativeLibraries();
        var options = new HostOptions();

        var root = new RootCommand("runner-host: trains, validates and tests TorchSharp models described by a TOML config (MMEngine's Runner for .NET). " +
            "Without a command it trains, then tests when the config has a test loop (test_cfg).");
        HostOptions.AddTo(root, options.Training);
        root.SetAction(parsed => Guard(stderr, () => RunJob(null, parsed, options, stdout, stderr)));
        foreach (var (name, description) in new[]
                 {
                     ("train", "Train the model (then nothing else)."),
                     ("val", "Validate the model on the val set."),
                     ("test", "Test the model on the test set."),
                     ("predict", "Run the model on the test set and write its predictions to --out FILE, without metrics (test_dataloader; labels optional)."),
                 })
        {
            var command = new Command(name, description);
            HostOptions.AddTo(command, name == "train" ? options.Training : options.Evaluation);
            if (name is "val" or "test") command.Options.Add(options.Out);
            if (name is "predict") command.Options.Add(options.PredictOut);
            command.SetAction(parsed => Guard(stderr, () => RunJob(name, parsed, options, stdout, stderr)));
            root.Subcommands.Add(command);
        }

        var config = new Command("config", "Config utilities.");
        var print = new Command("print", "Print the fully resolved config (after _base_ and --cfg-options) as TOML.") { options.Config, options.CfgOptions };
        print.SetAction(parsed => Guard(stderr, () =>
        {
            stdout.Write(LoadConfig(parsed, options).ToToml());
            return 0;
        }));
        var validate = new Command("validate", "Check the config and build every component it describes, without running anything; report every problem found.");
        HostOptions.AddTo(validate, options.Building);
        validate.SetAction(parsed => Guard(stderr, () => Validate(parsed, options, stdout, stderr)));
        config.Subcommands.Add(print);
        config.Subcommands.Add(validate);
        root.Subcommands.Add(config);

        var format = new Option<string?>("--format") { Description = "safetensors, or pt (a torch.save state dict that torch.load(weights_only=True) reads); default: from --out's extension (.pt, .pth, .bin: pt; .safetensors: safetensors; another extension needs --format)." };
        format.AcceptOnlyFromAmong("safetensors", "pt");
        var output = new Option<string>("--out") { Description = "The file to write.", Required = true, HelpName = "FILE" };
        var export = new Command("export", "Write a checkpoint's model weights for PyTorch: --checkpoint CKPT --format safetensors|pt --out FILE.") { options.Checkpoint, format, output, options.LibTorch };
        export.SetAction(parsed => Guard(stderr, () =>
        {
            var checkpointPath = parsed.GetValue(options.Checkpoint)
                ?? throw ConfigException.At(null, null, "no checkpoint given.", "pass --checkpoint CKPT.");
            var target = parsed.GetValue(output)!;
            var byExtension = Path.GetExtension(target).ToLowerInvariant() switch
            {
                ".pt" or ".pth" or ".bin" => "pt",
                ".safetensors" => "safetensors",
                _ => null,
            };
            if (byExtension is null && parsed.GetValue(format) is null)
            {
                throw ConfigException.At(null, "--out", $"'{target}' does not say which format to write: export writes safetensors (.safetensors) or a torch.save state dict (.pt, .pth, .bin), not {(Path.GetExtension(target) is { Length: > 0 } extension ? $"'{extension}' files" : "files without an extension")}.",
                    "end --out's name in .safetensors or .pt, or give --format to write one of them under this name.");
            }
            var chosen = parsed.GetValue(format) ?? byExtension!;
            if (byExtension is not null && chosen != byExtension)
            {
                throw ConfigException.At(null, "--format", $"'{target}' names a {byExtension} file, but --format is {chosen}: the file would not load as what its name says.",
                    $"use --format {byExtension}, or an --out name ending in {(chosen == "pt" ? ".pt" : ".safetensors")}.");
            }
            var count = CheckpointTools.ExportWeights(checkpointPath, target, chosen == "pt" ? ExportFormat.PyTorch : ExportFormat.Safetensors);
            stdout.WriteLine($"Wrote {count} tensors from {checkpointPath} to {target}.");
            return 0;
        }));
        root.Subcommands.Add(export);

        var scope = new Option<string?>("--scope") { Description = "Only components of this scope." };
        var kind = new Option<string?>("--kind") { Description = "Only components of this kind (model, dataset, hook, …)." };
        var list = new Command("list", "List the loaded plugins and every registered component: kind, name, scope, provider.") { scope, kind, options.Config, options.Plugins, options.SkipBrokenPlugins };
        list.SetAction(parsed => Guard(stderr, () =>
        {
            var registries = new RegistryRoot();
            var cfg = parsed.GetValue(options.Config) is { } path ? ConfigLoader.Load(path) : null;
            using var catalog = LoadPlugins(cfg, parsed.GetValue(options.Config), parsed, options, registries, stderr);
            ComponentListing.Write(stdout, registries, catalog, parsed.GetValue(scope), parsed.GetValue(kind));
            return 0;
        }));
        root.Subcommands.Add(list);
        root.Subcommands.Add(DataCommands.Create(options, action => Guard(stderr, action), stdout));
        root.Subcommands.Add(InferCommand.Create(options, action => Guard(stderr, action), stdout, stderr));
        root.Subcommands.Add(SummaryCommand.Create(options.Building, action => Guard(stderr, action), parsed =>
        {
            var cfg = LoadConfig(parsed, options);
            var registries = new RegistryRoot();
            return (cfg, registries, LoadPlugins(cfg, parsed.GetValue(options.Config), parsed, options, registries, stderr));
        }, stdout));

        var parsedArgs = root.Parse(args);
        if (parsedArgs.Action is ParseErrorAction) return RefuseCommandLine(parsedArgs, stderr);
        return parsedArgs.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>
    /// A command line that does not parse: its errors as Runner writes errors, and one hint (the nearest option or
    /// command to a misspelt one, and where the options are listed) instead of System.CommandLine's whole help text,
    /// which would push the error off the screen.
    /// </summary>
    private static int RefuseCommandLine(ParseResult parsed, TextWriter stderr)
    {
        foreach (var error in parsed.Errors) stderr.WriteLine($"error: {error.Message}");
        var command = parsed.CommandResult.Command;
        var names = command.Options.SelectMany(option => option.Aliases.Prepend(option.Name)).Concat(command.Subcommands.Select(sub => sub.Name)).ToList();
        var nearest = parsed.UnmatchedTokens.SelectMany(token => NameSuggester.Closest(token, names, max: 1)).Distinct().ToList();
        var didYouMean = nearest.Count > 0 ? $"did you mean {string.Join(", ", nearest)}? " : "";
        stderr.WriteLine($"  hint: {didYouMean}{HelpCommandOf(parsed.CommandResult)} lists the options.");
        return 1;
    }

    /// <summary><c>runner-host [command …] --help</c> for the command a command line reached.</summary>
    private static string HelpCommandOf(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? at = command; at is CommandResult reached; at = at.Parent) names.Insert(0, reached.Command.Name);
        names[0] = "runner-host";
        return string.Join(' ', names) + " --help";
    }

    private static int RunJob(string? mode, ParseResult parsed, HostOptions options, TextWriter stdout, TextWriter stderr)
    {
        string? scratch = null;
        try
        {
            var code = RunJob(mode, parsed, options, stdout, stderr, folder => scratch = folder);
            if (parsed.GetResult(options.FastDevRun) is not null && code == 0)
                stdout.WriteLine($"Fast dev run passed: every loop of the config ran {parsed.GetValue(options.FastDevRun) ?? 1} batch(es) without an error.");
            return code;
        }
        finally
        {
            // A fast dev run's work dir is scratch (its checkpoint can be 100 MB): nothing of it is kept.
            if (scratch is not null && Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    private static int RunJob(string? mode, ParseResult parsed, HostOptions options, TextWriter stdout, TextWriter stderr, Action<string> scratchMade)
    {
        var cfg = LoadConfig(parsed, options);
        if (parsed.GetValue(options.WorkDir) is { } dir) cfg.Set("work_dir", dir, Option("--work-dir"));
        if (parsed.GetResult(options.Resume) is not null)
            cfg.Set("resume", parsed.GetValue(options.Resume) is { } ckpt ? RequireCheckpoint(ckpt, weightsOnly: false) : true, Option("--resume"));
        if (parsed.GetValue(options.Checkpoint) is { } weights) cfg.Set("load_from", RequireCheckpoint(weights, weightsOnly: true), Option("--checkpoint"));
        if (parsed.GetValue(options.Launcher) is { } launcher) cfg.Set("launcher", launcher, Option("--launcher"));
        if (mode is null or "train" && cfg["resume"] is null && SlurmRequeue.IsRequeuedRun(cfg))
            cfg.Set("resume", true, new SourceLocation("(a requeued Slurm job: SLURM_RESTART_COUNT)"));
        if (parsed.GetValue(options.Device) is { } device) cfg.Set("device", device, Option("--device"));
        if (parsed.GetValue(options.LibTorch) is { } libtorch) ConfigLoader.Set(cfg, "env_cfg.libtorch", Path.GetFullPath(libtorch), Option("--libtorch"));

        var configPath = parsed.GetValue(options.Config)!;
        if (parsed.GetValue(options.Amp)) ConfigLoader.Set(cfg, "optim_wrapper.type", "AmpOptimWrapper", Option("--amp"));
        if ((parsed.GetValue(options.Out) ?? parsed.GetValue(options.PredictOut)) is { } outPath) CheckpointTools.CheckOutput(outPath, "--out"); // a link or a folder is refused before any work
        if (mode is "val" or "test" && parsed.GetValue(options.Out) is { } outFile) DumpPredictions(cfg, mode + "_evaluator", outFile);
        if (mode is "predict")
        {
            var target = parsed.GetValue(options.PredictOut) ?? throw ConfigException.At(null, "--out", "predict writes the predictions to a file.", "pass --out FILE.");
            // The test loop with one metric: the dump (the test set's labels are not needed, and no metric is computed).
            var only = new ConfigArray(OutOrigin);
            cfg.Set("test_evaluator", only, OutOrigin);
            if (!cfg.ContainsKey("test_cfg")) cfg.Set("test_cfg", new ConfigTable(OutOrigin), OutOrigin);
            DumpPredictions(cfg, "test_evaluator", target);
        }
        if (parsed.GetValue(options.AutoScaleLr))
        {
            if ((cfg["auto_scale_lr"] as ConfigTable)?["base_batch_size"] is null)
            {
                throw ConfigException.At(cfg.LocationOf("auto_scale_lr"), "auto_scale_lr",
                    "--auto-scale-lr needs the batch size the learning rate was tuned for.", "add auto_scale_lr = { base_batch_size = 256 } to the config.");
            }
            ConfigLoader.Set(cfg, "auto_scale_lr.enable", true, Option("--auto-scale-lr"));
        }
        // A fast dev run replaces the loop lengths (and the work dir): the config as written is kept to be checked whole,
        // so a value the real run would refuse (val_interval = 0) is not hidden by the one that replaced it.
        var asWritten = parsed.GetResult(options.FastDevRun) is not null ? cfg.Clone() : null;
        if (asWritten is not null && FastDevRun(cfg, parsed.GetValue(options.FastDevRun) ?? 1, workDirGiven: parsed.GetValue(options.WorkDir) is not null, stdout) is { } scratch)
            scratchMade(scratch);
        if (mode is "val" or "test" or "predict" && cfg["load_from"] is null && cfg["resume"] is null or false)
        {
            // Evaluating the random initial weights is never what was meant (MMEngine's test.py requires a checkpoint):
            // without one named, the work dir's newest checkpoint is used, and without that it is an error, before
            // anything is created.
            var workDir = JobConfig.WorkDirOf(cfg, configPath);
            if (!CheckpointTools.HasCheckpoints(workDir))
            {
                throw ConfigException.At(null, null, $"{mode} needs trained weights, and none were named: work_dir '{workDir}' holds no checkpoint.",
                    "pass --checkpoint CKPT (a checkpoint, a last_checkpoint file or a work dir), or set load_from in the config.");
            }
            cfg.Set("load_from", workDir, new SourceLocation("(the work dir's newest checkpoint)"));
        }
        var registries = new RegistryRoot();
        var watch = parsed.GetValue(options.Watch);
        using var catalog = LoadPlugins(cfg, configPath, parsed, options, registries, stderr, inMemory: watch);
        if (asWritten is not null && JobConfig.FindProblems(asWritten, registries, JobConfig.DefaultScopeOf(asWritten)) is { Count: > 0 } problems)
            throw problems.Count == 1 ? problems[0] : ConfigException.Several(problems);
        // Hooks of the host's own, registered with the config's so the hook-order table lists them: the hot swapper
        // (--watch, training only), and a progress bar for validation and testing, on a terminal only (stderr, so
        // stdout stays clean for logs).
        var hostHooks = new List<Hook>();
        var rank = RunnerProcess.Rank;
        if (watch && cfg["launcher"] is not (null or "none"))
            throw ConfigException.At(null, "--watch", "hot-swapping hooks works in a single process: the ranks would swap at different iterations.",
                "drop --watch, or develop the hook with launcher = \"none\".");
        if (watch && mode is "val" or "test" or "predict") stderr.WriteLine("warning: --watch reloads hooks during training only; it has no effect on val or test.");
        else if (watch) hostHooks.Add(new HookHotSwapper(catalog, registries));
        if (rank == 0 && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected) hostHooks.Add(new ProgressBarHook(always: true)); // on standard error, which is a terminal here
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = stdout, ConfigPath = configPath, ExtraHooks = hostHooks, Mode = mode switch { "val" => Mode.Val, "test" or "predict" => Mode.Test, _ => Mode.Train }, Verbose = parsed.GetValue(options.Verbose) });
        if (hostHooks.OfType<HookHotSwapper>().Any()) runner.Logger.Info($"Watching {catalog.Plugins.Count} plugin(s) for new builds of their hooks (--watch).");
        // Ctrl-C or a kill: finish the iteration, save a checkpoint, exit 130 / 143. A second signal ends the process at once.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = StopGracefully(runner, "SIGINT", 130));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = StopGracefully(runner, "SIGTERM", 143));
        // In a Slurm job: SIGUSR1 (sbatch --signal=USR1@90) saves a checkpoint at the next iteration and requeues the job.
        using var sigusr1 = SlurmRequeue.Handles(runner) ? PosixSignalRegistration.Create(SlurmRequeue.Signal, c => c.Cancel = StopGracefully(runner, SlurmRequeue.SignalName, 0)) : null;
        try
        {
            Run(runner, mode, parsed, options, cfg, stdout);
        }
        catch (TrainingInterruptedException e) when (e.Signal == SlurmRequeue.SignalName)
        {
            // Every rank saved and stopped after the same iteration: rank 0 now puts the job back in the queue.
            if (runner.IsMainProcess && !SlurmRequeue.Requeue(e.Checkpoint, stdout, stderr)) return 1;
        }
        return 0;
    }

    private static void Run(TrainingRunner runner, string? mode, ParseResult parsed, HostOptions options, ConfigTable cfg, TextWriter stdout)
    {
        switch (mode)
        {
            case "train":
                runner.Train();
                break;
            case "val":
                runner.Val();
                break;
            case "test" or "predict":
                runner.Test();
                break;
            default:
                runner.Train();
                if (cfg.ContainsKey("test_cfg")) runner.Test();
                break;
        }
        if (mode is "val" or "test" or "predict" && (parsed.GetValue(options.Out) ?? parsed.GetValue(options.PredictOut)) is { } written)
            stdout.WriteLine($"Wrote the predictions to {Path.GetFullPath(written)}.");
        runner.LogSummary();
    }

    /// <summary>Where a value set by a command-line option comes from, as errors name it (<c>--device: device: …</c>).</summary>
    private static SourceLocation Option(string name) => SourceLocation.Option(name);

    private static readonly SourceLocation FastDevRunOrigin = Option("--fast-dev-run");

    private static readonly SourceLocation OutOrigin = Option("--out");

    /// <summary>
    /// --fast-dev-run N: every dataloader stops after N batches, training runs one epoch (or N iterations) and validates
    /// once, in a new temporary work_dir unless one was given, so a real run's checkpoints are never touched.
    /// </summary>
    /// <returns>The scratch work dir it chose (removed when the run ends), or null when --work-dir names one.</returns>
    private static string? FastDevRun(ConfigTable cfg, int batches, bool workDirGiven, TextWriter stdout)
    {
        if (batches < 1) throw ConfigException.At(null, "--fast-dev-run", $"N must be at least 1, got {batches}.");
        if (cfg["resume"] is not (null or false))
            throw ConfigException.At(null, "--fast-dev-run", "a fast dev run starts afresh; it cannot resume.", "drop --resume.");
        foreach (var key in new[] { "train_dataloader", "val_dataloader", "test_dataloader" })
            foreach (var table in JobConfig.DataLoaderTablesOf(cfg, key)) table.Set("num_batch_per_epoch", (long)batches, FastDevRunOrigin);
        if (cfg["train_cfg"] is ConfigTable train)
        {
            var byIteration = JobConfig.TrainsByIteration(cfg);
            if (byIteration) train.Set("max_iters", (long)batches, FastDevRunOrigin);
            else train.Set("max_epochs", 1L, FastDevRunOrigin);
            train.Set("val_interval", byIteration ? (long)batches : 1L, FastDevRunOrigin);
        }
        string? scratch = null;
        if (!workDirGiven)
        {
            scratch = Path.Combine(Path.GetTempPath(), $"runner-fast-dev-run-{DateTime.Now:yyyyMMdd_HHmmss}-{Environment.ProcessId}");
            cfg.Set("work_dir", scratch, FastDevRunOrigin);
            stdout.WriteLine($"Fast dev run: {batches} batch(es) per loop, in a scratch work_dir removed at the end ({scratch})");
        }
        cfg.AssignPaths();
        return scratch;
    }

    /// <summary>--out FILE: a <c>DumpResults</c> metric beside the evaluator's own (MMEngine's test.py --out).</summary>
    private static void DumpPredictions(ConfigTable cfg, string key, string outFile)
    {
        var dump = new ConfigTable(OutOrigin);
        dump.Set("type", "DumpResults", OutOrigin);
        dump.Set("out_file_path", Path.GetFullPath(outFile), OutOrigin);
        switch (cfg[key])
        {
            case ConfigTable { } evaluator when evaluator["metrics"] is ConfigArray metrics:
                metrics.Add(dump, OutOrigin);
                break;
            case ConfigArray metrics:
                metrics.Add(dump, OutOrigin);
                break;
            case ConfigTable single:
                var both = new ConfigArray(cfg.LocationOf(key));
                both.Add(single, cfg.LocationOf(key));
                both.Add(dump, OutOrigin);
                cfg.Set(key, both, cfg.LocationOf(key));
                break;
            default:
                throw ConfigException.At(null, "--out", $"the config has no {key} to add the predictions' dump to.");
        }
        cfg.AssignPaths();
    }

    /// <summary>A checkpoint named on the command line, checked before anything is printed or created: it (or, for a
    /// folder or a last_checkpoint file, what it names) must exist and have a sound structure (a damaged byte in its
    /// data is found when it is loaded). A folder's checkpoints are tried newest first when loaded, so one is enough.</summary>
    private static string RequireCheckpoint(string given, bool weightsOnly)
    {
        CheckpointTools.Check(given, weightsOnly);
        return given;
    }

    private static int Validate(ParseResult parsed, HostOptions options, TextWriter stdout, TextWriter stderr)
    {
        var cfg = LoadConfig(parsed, options);
        var configPath = parsed.GetValue(options.Config)!;
        var registries = new RegistryRoot();
        using var catalog = LoadPlugins(cfg, configPath, parsed, options, registries, stderr);
        var scope = JobConfig.DefaultScopeOf(cfg);
        var problems = JobConfig.FindProblems(cfg, registries, scope);
        if (problems.Count == 0)
        {
            // Build for real, in a scratch work_dir, so the components' own checks (and their data files) run too.
            var scratch = Path.Combine(Path.GetTempPath(), $"runner-validate-{Guid.NewGuid():N}");
            cfg.Set("work_dir", scratch, new SourceLocation("(config validate's scratch folder)"));
            try
            {
                using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null, ConfigPath = configPath });
                problems = runner.BuildAll();
            }
            catch (RunnerException e)
            {
                problems = [e];
            }
            finally
            {
                if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
            }
        }
        if (problems.Count == 0)
        {
            stdout.WriteLine($"{configPath}: OK (every component was built).");
            return 0;
        }
        stderr.WriteLine($"{configPath}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:");
        foreach (var problem in problems) stderr.WriteLine("- " + problem.Message.Replace(Environment.NewLine, Environment.NewLine + "  "));
        return 1;
    }

    private static ConfigTable LoadConfig(ParseResult parsed, HostOptions options)
    {
        var path = parsed.GetValue(options.Config)
            ?? throw ConfigException.At(null, null, "no config given.", "pass --config FILE (runner-host --help lists the options).");
        return ConfigLoader.Load(path, parsed.GetValue(options.CfgOptions) ?? []);
    }

    private static bool StopGracefully(TrainingRunner runner, string signal, int exitCode)
    {
        // A rank waiting for the others gives up after a grace period (a launcher ending the run signals every rank).
        RunnerProcess.Interrupt(runner, signal);
        if (runner.StopRequested || !runner.IsTraining) return false;
        runner.RequestStop(signal, exitCode);
        return true;
    }

    /// <summary>
    /// Prints a Runner error as one short message and turns it into exit code 1; with several ranks, prefixed with the
    /// rank, and the run's processes then end together (or, if some are still waiting for this one, are aborted).
    /// </summary>
    private static int Guard(TextWriter stderr, Func<int> action)
    {
        var rank = RunnerProcess.Rank;
        var writer = rank > 0 ? new RankPrefixedWriter(stderr, rank) : stderr;
        var code = GuardedRun(writer, action);
        writer.Flush();
        return RunnerProcess.End(code);
    }

    private static int GuardedRun(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (TrainingInterruptedException e)
        {
            stderr.WriteLine(e.Message);
            return e.ExitCode;
        }
        catch (RunnerException e)
        {
            // Messages that quote libtorch keep its sentence, not its C++ stack (the run's log has the whole text).
            stderr.WriteLine($"error: {RunnerProcess.ConsoleMessage(e.Message)}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The machine said no (a full disk, a folder without write permission): the user's to fix, not a defect.
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (RunnerProcess.IsLibTorchError(e, out var summary))
        {
            // libtorch refused an operation (a label past the model's classes, a shape that does not fit): its own
            // sentence says what; its C++ stack is no help to the user.
            stderr.WriteLine($"error: libtorch refused an operation: {summary}");
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect in Runner itself, not a mistake of the user's: say so, with the details needed to report it.
            stderr.WriteLine($"error: internal error: {e.GetType().Name}: {e.Message}");
            stderr.WriteLine(e.StackTrace);
            return 70;
        }
    }

    /// <summary>Loads the plugins of <see cref="PluginFolders"/>; with --skip-broken-plugins, says on stderr which were skipped and why.</summary>
    private static PluginCatalog LoadPlugins(ConfigTable? cfg, string? configPath, ParseResult parsed, HostOptions options, RegistryRoot registries,
        TextWriter stderr, bool inMemory = false)
    {
        var catalog = PluginCatalog.Load(PluginFolders(cfg, configPath, parsed.GetValue(options.Plugins) ?? []), registries,
            skipBroken: parsed.GetValue(options.SkipBrokenPlugins), inMemory: inMemory);
        foreach (var warning in catalog.Warnings) stderr.WriteLine($"warning: {warning}");
        if (catalog.Skipped.Count > 0)
        {
            stderr.WriteLine($"warning: skipped {catalog.Skipped.Count} broken plugin(s) (--skip-broken-plugins):");
            foreach (var skipped in catalog.Skipped) stderr.WriteLine($"  {skipped.Message}");
        }
        return catalog;
    }

    /// <summary>The built-in plugins beside the host, then the config's <c>plugins</c> (relative to the config file), then <c>--plugins</c>.</summary>
    private static IEnumerable<(string Folder, string Origin)> PluginFolders(ConfigTable? cfg, string? configPath, string[] extra)
    {
        var builtin = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (Directory.Exists(builtin)) yield return (builtin, "the built-in plugins");
        if (cfg?["plugins"] is ConfigArray fromConfig && configPath is not null)
        {
            var baseDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
            for (var i = 0; i < fromConfig.Count; i++)
            {
                if (fromConfig[i] is not string folder)
                    throw ConfigException.At(fromConfig.LocationOf(i), $"plugins[{i}]", "expected a folder name.");
                yield return (Path.Combine(baseDir, folder), $"{fromConfig.LocationOf(i)} plugins");
            }
        }
        foreach (var folder in extra) yield return (folder, "--plugins");
    }
}
