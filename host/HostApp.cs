namespace Runner.Host;

using System.CommandLine;
using Runner.Host.Plugins;
using Runner.Sdk;
using Runner.Sdk.Configuration;
using Runner.Sdk.Native;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>
/// The <c>runner-host</c> command line: <c>runner-host [train|val|test] --config FILE [options]</c>. Without a
/// command it trains, then tests when the config has a test loop. Runs in-process with injectable output, so the
/// tests drive exactly what the executable does.
/// </summary>
public static class HostApp
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        TorchNativeLibrary.EnsureLoadable();

        var config = new Option<string>("--config", "-c")
        {
            Description = "The job's TOML config file.",
            Required = true,
            Recursive = true,
        };
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "Where checkpoints, logs and the config dump go (overrides work_dir in the config).",
            Recursive = true,
        };
        var resume = new Option<string?>("--resume")
        {
            Description = "Resume training: from CKPT, or without a value from work_dir/last_checkpoint.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "CKPT",
            Recursive = true,
        };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Load model weights from CKPT before running (load_from); for val and test, the model to evaluate.",
            HelpName = "CKPT",
            Recursive = true,
        };
        var cfgOptions = new Option<string[]>("--cfg-options")
        {
            Description = "Override config keys, key.path=VALUE with a TOML value (lr=0.1, milestones=[1,2], name=\"x\"); repeatable.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
            HelpName = "KEY=VALUE",
            Recursive = true,
        };
        var plugins = new Option<string[]>("--plugins")
        {
            Description = "Another folder of plugins to load (repeatable); the built-in plugins are always loaded.",
            HelpName = "DIR",
            Recursive = true,
        };

        var root = new RootCommand("runner-host: trains, validates and tests TorchSharp models described by a TOML config (MMEngine's Runner for .NET).")
        {
            config, workDir, resume, checkpoint, cfgOptions, plugins,
        };
        Command Mode(string name, string description)
        {
            var command = new Command(name, description);
            command.SetAction(parsed => Execute(name, parsed));
            root.Subcommands.Add(command);
            return command;
        }
        Mode("train", "Train the model (then nothing else).");
        Mode("val", "Validate the model on the val set.");
        Mode("test", "Test the model on the test set.");
        root.SetAction(parsed => Execute(null, parsed));

        int Execute(string? mode, ParseResult parsed)
        {
            try
            {
                var configPath = parsed.GetValue(config)!;
                var cfg = ConfigLoader.Load(configPath, parsed.GetValue(cfgOptions) ?? []);
                if (parsed.GetValue(workDir) is { } dir) cfg.Set("work_dir", dir, SourceLocation.CommandLine);
                if (parsed.GetResult(resume) is not null)
                    cfg.Set("resume", parsed.GetValue(resume) is { } ckpt ? ckpt : true, SourceLocation.CommandLine);
                if (parsed.GetValue(checkpoint) is { } weights) cfg.Set("load_from", weights, SourceLocation.CommandLine);

                var registries = new RegistryRoot();
                using var catalog = PluginCatalog.Load(PluginFolders(cfg, configPath, parsed.GetValue(plugins) ?? []), registries);
                using var runner = Runner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = stdout, ConfigPath = configPath });
                switch (mode)
                {
                    case "train":
                        runner.Train();
                        break;
                    case "val":
                        runner.Val();
                        break;
                    case "test":
                        runner.Test();
                        break;
                    default:
                        runner.Train();
                        if (cfg.ContainsKey("test_cfg")) runner.Test();
                        break;
                }
                return 0;
            }
            catch (RunnerException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        var result = root.Parse(args);
        return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>The built-in plugins beside the host, then the config's <c>plugins</c> (relative to the config file), then <c>--plugins</c>.</summary>
    private static IEnumerable<(string Folder, string Origin)> PluginFolders(ConfigTable cfg, string configPath, string[] extra)
    {
        var builtin = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (Directory.Exists(builtin)) yield return (builtin, "the built-in plugins");
        if (cfg["plugins"] is ConfigArray fromConfig)
        {
            var baseDir = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
            for (var i = 0; i < fromConfig.Count; i++)
                yield return (Path.Combine(baseDir, (string)fromConfig[i]!), $"{fromConfig.LocationOf(i)} plugins");
        }
        foreach (var folder in extra) yield return (folder, "--plugins");
    }
}
