using System.Diagnostics;
using Runner.Sdk.Plugins;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using static TorchSharp.torch;

namespace Runner.Bench;

/// <summary>The cases of issue 8 (1-6), issue 14 (7, <see cref="DataParallelCase"/>) and issue 18 (8, <see cref="VisionCase"/>) and issue 25 (9, <see cref="InferenceCase"/>), each returning its figures.</summary>
internal sealed class BenchmarkSuite(string repo, int repetitions)
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("runner-bench-").FullName;

    public string Machine { get; } =
        $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
        $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, {get_num_threads()} torch threads";

    private const int HookCount = 20;

    /// <summary>Cases 1 and 6 compare figures a few percent apart on a machine whose runs vary by ±30 %: their minima
    /// need more repetitions to settle than the other cases'.</summary>
    private int OverheadRepetitions => repetitions < 7 ? repetitions : 40;

    private string ToyConfig => Path.Combine(repo, "configs", "toy.toml");

    /// <summary>The override that adds case 6's no-op hooks.</summary>
    private static string NoOpHooks => "custom_hooks=[" + string.Join(", ", Enumerable.Repeat("{ type = \"bench.NoOpHook\" }", HookCount)) + "]";

    /// <summary>Runs every case, or only those whose number is in <paramref name="only"/> (1 and 6 run together).</summary>
    public List<Figure> RunAll(IReadOnlySet<int>? only = null)
    {
        bool Wanted(params int[] cases) => only is null || only.Count == 0 || cases.Any(only.Contains);
        var figures = new List<Figure>();
        if (Wanted(1, 6)) figures.AddRange(Overhead());
        if (Wanted(2)) figures.AddRange(StartUp());
        if (Wanted(3)) figures.Add(DataLoading());
        if (Wanted(4)) figures.Add(Memory());
        if (Wanted(5)) figures.AddRange(Checkpoints());
        if (Wanted(7)) figures.AddRange(new DataParallelCase(repo, _scratch, repetitions).Run());
        if (Wanted(8)) figures.AddRange(new VisionCase(repo, _scratch, repetitions).Run());
        if (Wanted(9)) figures.AddRange(new InferenceCase(repo, _scratch, repetitions).Run());
        Directory.Delete(_scratch, recursive: true);
        return figures;
    }

    private (RegistryRoot Registries, PluginCatalog Catalog) Plugins()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(NoOpHook), new RegisterAttribute(), "bench", "bench");
        registries.Register(typeof(MemoryProbeHook), new RegisterAttribute(), "bench", "bench");
        var catalog = PluginCatalog.Load([(Path.Combine(AppContext.BaseDirectory, "plugins"), "bench")], registries);
        return (registries, catalog);
    }

    private TrainingRunner Toy(RegistryRoot registries, params string[] overrides)
    {
        var cfg = ConfigLoader.Load(ToyConfig, overrides);
        cfg.Set("work_dir", Path.Combine(_scratch, Guid.NewGuid().ToString("N")), SourceLocation.Code);
        return TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null, ConfigPath = ToyConfig });
    }

    /// <summary>Times <paramref name="action"/> after letting the previous run's garbage and finalizers settle, so runs do not pay for each other.</summary>
    internal static double Time(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Cases 1 and 6: raw loop, runner, runner with 20 no-op hooks, interleaved.</summary>
    private IEnumerable<Figure> Overhead()
    {
        var (registries, catalog) = Plugins();
        using var _ = catalog;
        var dataDir = Path.Combine(AppContext.BaseDirectory, "plugins", "Runner.Plugins.Toy", "data");
        var hooks = NoOpHooks;
        var raw = new List<double>();
        var runner = new List<double>();
        var hooked = new List<double>();
        double rawAccuracy = 0, runnerAccuracy = 0;
        var overheadRepetitions = OverheadRepetitions;
        for (var i = -1; i < overheadRepetitions; i++) // -1: warm-up, not counted
        {
            var rawDir = Directory.CreateDirectory(Path.Combine(_scratch, $"raw{i}")).FullName;
            var runs = new (List<double> Times, string[]? Overrides)[] { (raw, null), (runner, []), (hooked, [hooks]) };
            // Rotate the order each repetition, so no variant always runs first or last. Each runner is built just
            // before its run (construction is case 2) and disposed right after, so only one is alive at a time.
            for (var k = 0; k < runs.Length; k++)
            {
                var (times, overrides) = runs[(k + Math.Max(i, 0)) % runs.Length];
                double t;
                if (overrides is null)
                {
                    t = Time(() => rawAccuracy = RawToyLoop.Run(dataDir, rawDir));
                }
                else
                {
                    using var built = Toy(registries, overrides);
                    t = Time(built.Train);
                    runnerAccuracy = built.ValLoop!.LastMetrics!["accuracy/top1"];
                }
                if (i >= 0) times.Add(t);
            }
        }
        var rawT = new Timings(raw);
        var runT = new Timings(runner);
        var hookT = new Timings(hooked);
        var same = Math.Abs(rawAccuracy - runnerAccuracy) < 1e-9 ? "same final val accuracy" : $"val accuracy differs: raw {rawAccuracy}, runner {runnerAccuracy}";
        yield return new Figure("1 overhead", "runner / raw loop (min)", runT.Min / rawT.Min, "×", "≤ 1.10", runT.Min / rawT.Min <= 1.10,
            $"raw min {rawT.Min:0.000} s, median {rawT.Median:0.000} s; runner min {runT.Min:0.000} s, median {runT.Median:0.000} s; " +
            $"median of the paired ratios {runT.MedianPairedRatio(rawT):0.000}; {same}");
        // The hooks' cost (~0.1 % by --timeline) is far below the machine's noise in the minima (±2 %): the ratio of
        // paired runs cancels the machine's slow minutes, which the ratio of two minima, taken at different times, does not.
        var hookRatio = hookT.MedianPairedRatio(runT);
        yield return new Figure("6 hooks", "20 no-op hooks / runner (median of paired runs)", hookRatio, "×", "< 1.02", hookRatio < 1.02,
            $"with hooks min {hookT.Min:0.000} s, median {hookT.Median:0.000} s; ratio of the minima {hookT.Min / runT.Min:0.000}");
    }

    /// <summary>
    /// <c>bench/run --timeline</c>: where the time of case 1's raw loop, runner and runner with case 6's hooks goes.
    /// Each run is cut into the same phases (set-up, each epoch's training, checkpoint and validation, the end); each
    /// phase's minimum over interleaved runs is printed for each, with the runners' differences from the raw loop, then
    /// the distribution of one training iteration and the managed memory each run allocates.
    /// </summary>
    public void Timeline()
    {
        var (registries, catalog) = Plugins();
        using var _ = catalog;
        var dataDir = Path.Combine(AppContext.BaseDirectory, "plugins", "Runner.Plugins.Toy", "data");
        var raw = new Profile("raw loop");
        var runners = new[] { (Profile: new Profile("runner"), Overrides: Array.Empty<string>()), (Profile: new Profile("runner + 20 no-op hooks"), Overrides: new[] { NoOpHooks }) };
        for (var i = -1; i < OverheadRepetitions; i++)
        {
            var rawMarks = new List<(string Mark, long Ticks)>();
            var rawDir = Directory.CreateDirectory(Path.Combine(_scratch, $"timeline{i}")).FullName;
            raw.Measure(i >= 0, () => RawToyLoop.Run(dataDir, rawDir, m => rawMarks.Add((m, Stopwatch.GetTimestamp()))));
            if (i >= 0)
            {
                raw.Phases.Add(Phases(rawMarks, "epoch start", "epoch trained", "checkpoint saved", "validated"));
                raw.IterationMs.AddRange(Periods(rawMarks, "iter done"));
            }
            foreach (var (profile, overrides) in runners)
            {
                var marks = new List<(string Mark, long Ticks)>();
                using (var built = Toy(registries, overrides))
                {
                    built.CallHooks.Register(new TimelineHook(marks, "first") { Priority = Sdk.Hooks.Priority.Highest });
                    built.CallHooks.Register(new TimelineHook(marks, "last") { Priority = Sdk.Hooks.Priority.Lowest });
                    profile.Measure(i >= 0, () =>
                    {
                        marks.Add(("start", Stopwatch.GetTimestamp()));
                        built.Train();
                        marks.Add(("end", Stopwatch.GetTimestamp()));
                    });
                }
                if (i < 0) continue;
                profile.Phases.Add(Phases(marks, "BeforeTrainEpoch first", "AfterTrainEpoch first", "AfterTrainEpoch last", "AfterVal last"));
                profile.IterationMs.AddRange(Periods(marks, "AfterTrainIter last"));
            }
        }
        var all = new[] { raw }.Concat(runners.Select(r => r.Profile)).ToList();
        Console.WriteLine($"minimum (ms)  {string.Join("", all.Select(p => $"{p.Name,26}"))}");
        foreach (var phase in raw.Phases[0].Keys)
        {
            var rawMin = raw.Phases.Min(p => p[phase]);
            Console.WriteLine($"{phase,-13} {rawMin,26:0.00}" + string.Concat(runners.Select(r =>
            {
                var min = r.Profile.Phases.Min(p => p[phase]);
                return $"{$"{min:0.00} ({min - rawMin:+0.00;-0.00})",26}";
            })));
        }
        foreach (var profile in all)
        {
            var sorted = profile.IterationMs.Order().ToList();
            Console.WriteLine($"{profile.Name}: one training iteration (end to end, within an epoch): min {sorted[0] * 1000:0.0} µs, " +
                $"10th percentile {sorted[sorted.Count / 10] * 1000:0.0} µs, median {sorted[sorted.Count / 2] * 1000:0.0} µs; " +
                $"{profile.AllocatedBytes / profile.Phases.Count / 1024} KB of managed memory allocated per run, {profile.Collections} gen0 collections in {profile.Phases.Count} runs");
        }
    }

    /// <summary>What --timeline gathers for one variant.</summary>
    private sealed class Profile(string name)
    {
        public string Name { get; } = name;

        public List<Dictionary<string, double>> Phases { get; } = [];

        public List<double> IterationMs { get; } = [];

        public long AllocatedBytes { get; private set; }

        public int Collections { get; private set; }

        /// <summary>Runs <paramref name="run"/> as <see cref="Time"/> does (after the previous run's garbage settles),
        /// counting what it allocates and the collections it causes when <paramref name="counted"/>.</summary>
        public void Measure(bool counted, Action run) => Time(() =>
        {
            var (collections, allocated) = (GC.CollectionCount(0), GC.GetAllocatedBytesForCurrentThread());
            run();
            if (!counted) return;
            Collections += GC.CollectionCount(0) - collections;
            AllocatedBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
        });
    }

    /// <summary>Milliseconds between consecutive marks named <paramref name="mark"/> with no other mark between them.</summary>
    private static IEnumerable<double> Periods(List<(string Mark, long Ticks)> marks, string mark)
    {
        for (var i = 1; i < marks.Count; i++)
            if (marks[i].Mark == mark && marks[i - 1].Mark == mark)
                yield return Stopwatch.GetElapsedTime(marks[i - 1].Ticks, marks[i].Ticks).TotalMilliseconds;
    }

    /// <summary>Milliseconds per phase of one run, from its marks: set-up, then per epoch training, checkpoint and validation, then the end.</summary>
    private static Dictionary<string, double> Phases(List<(string Mark, long Ticks)> marks, string epochStart, string trained, string saved, string validated)
    {
        double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
        var phases = new Dictionary<string, double> { ["set-up"] = Ms(marks[0].Ticks, marks.First(m => m.Mark == epochStart).Ticks) };
        var starts = marks.Where(m => m.Mark == epochStart).ToList();
        var ends = marks.Where(m => m.Mark == trained).ToList();
        var savedAt = marks.Where(m => m.Mark == saved).ToList();
        var validatedAt = marks.Where(m => m.Mark == validated).ToList();
        for (var e = 0; e < starts.Count; e++)
        {
            phases[$"train {e + 1}"] = Ms(starts[e].Ticks, ends[e].Ticks);
            phases[$"checkpoint {e + 1}"] = Ms(ends[e].Ticks, savedAt[e].Ticks);
            phases[$"val {e + 1}"] = Ms(savedAt[e].Ticks, validatedAt[e].Ticks);
        }
        phases["end"] = Ms(validatedAt[^1].Ticks, marks[^1].Ticks);
        phases["total"] = Ms(marks[0].Ticks, marks[^1].Ticks);
        return phases;
    }

    /// <summary>
    /// Case 2: the whole <c>runner-host</c> process for the toy job, as <c>build/runner-host</c> runs it (the ReadyToRun
    /// publish in artifacts/host), against the hand-written loop doing the same job in a process of its own, published
    /// the same way (artifacts/bench); and runner construction alone.
    /// </summary>
    private IEnumerable<Figure> StartUp()
    {
        var host = Path.Combine(repo, "artifacts", "host", "runner-host.dll");
        var bench = Path.Combine(repo, "artifacts", "bench", "Runner.Bench.dll");
        var dataDir = Path.Combine(repo, "artifacts", "host", "plugins", "Runner.Plugins.Toy", "data");
        var process = new List<double>();
        var rawProcess = new List<double>();
        for (var i = -1; i < repetitions; i++)
        {
            var runs = new[]
            {
                (Times: process, Args: new[] { host, "train", "--config", ToyConfig, "--work-dir", Path.Combine(_scratch, $"proc{i}") }),
                (Times: rawProcess, Args: new[] { bench, "--raw-toy", dataDir }),
            };
            for (var k = 0; k < runs.Length; k++)
            {
                var (times, arguments) = runs[(k + Math.Max(i, 0)) % runs.Length];
                var t = Time(() => RunProcess(arguments));
                if (i >= 0) times.Add(t);
            }
        }
        var (registries, catalog) = Plugins();
        using var _ = catalog;
        var construction = new List<double>();
        for (var i = -1; i < repetitions; i++)
        {
            TrainingRunner? built = null;
            var t = Time(() => built = Toy(registries));
            built!.Dispose();
            if (i >= 0) construction.Add(t);
        }
        var p = new Timings(process);
        var r = new Timings(rawProcess);
        var c = new Timings(construction);
        yield return new Figure("2 start-up", "runner-host process, toy job (min)", p.Min, "s", "≤ 0.8 s", p.Min <= 0.8, $"median {p.Median:0.000} s");
        yield return new Figure("2 start-up", "hand-written TorchSharp process, same job (min)", r.Min, "s", "—", null,
            $"median {r.Median:0.000} s; runner-host / this: {p.Min / r.Min:0.00} × (min), {p.Median / r.Median:0.00} × (median)");
        yield return new Figure("2 start-up", "runner construction (min)", c.Min, "s", "≤ 0.1 s", c.Min <= 0.1, $"median {c.Median:0.000} s");
    }

    /// <summary>Runs <c>dotnet ARGS</c> to its end, as a user would: without the bench's own runtime settings.</summary>
    private static void RunProcess(string[] arguments) => RunProcess("dotnet", arguments);

    /// <summary>Runs <paramref name="file"/> to its end without the bench's own runtime settings (as a user would); returns its standard output.</summary>
    internal static string RunProcess(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in arguments) start.ArgumentList.Add(arg);
        foreach (var setting in new[] { "DOTNET_TieredCompilation", "DOTNET_ReadyToRun" }) start.Environment.Remove(setting);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} failed: {stderr.Result}");
        return stdout;
    }

    /// <summary>Trains <paramref name="config"/>'s job in <paramref name="workDir"/>; the run's data_time and time histories.</summary>
    internal static (Runner.Sdk.Logging.HistoryBuffer Data, Runner.Sdk.Logging.HistoryBuffer Time) TrainTimes(RegistryRoot registries, string config, string[] overrides, string workDir)
    {
        var cfg = ConfigLoader.Load(config, overrides);
        cfg.Set("work_dir", workDir, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null, ConfigPath = config });
        runner.Train();
        return (runner.MessageHub.GetScalar("train/data_time")!, runner.MessageHub.GetScalar("train/time")!);
    }

    /// <summary>Case 3: the digits job with one loader worker; data_time over the iteration time.</summary>
    private Figure DataLoading()
    {
        var (registries, catalog) = Plugins();
        using var _ = catalog;
        var (data, time) = TrainTimes(registries, Path.Combine(repo, "runner.toml"), ["train_cfg.max_epochs=5"], Path.Combine(_scratch, "digits"));
        var share = data.GlobalSum / time.GlobalSum;
        return new Figure("3 data loading", "data_time / time, digits CNN, 1 worker", share * 100, "%", "< 5 %", share < 0.05,
            $"{time.GlobalCount} iterations, mean time {time.GlobalSum / time.GlobalCount * 1000:0.00} ms, mean data_time {data.GlobalSum / data.GlobalCount * 1000:0.000} ms");
    }

    /// <summary>Case 4: a 10,000-iteration toy run; resident memory at iteration 1,000 and 10,000.</summary>
    private Figure Memory()
    {
        var (registries, catalog) = Plugins();
        using var _ = catalog;
        using var runner = Toy(registries, "train_cfg.max_epochs=79", "train_cfg.val_interval=10", "default_hooks.checkpoint.interval=20");
        var hook = new MemoryProbeHook(1000, 10000);
        runner.CallHooks.Register(hook);
        var seconds = Time(runner.Train);
        var early = hook.ResidentBytes[1000];
        var late = hook.ResidentBytes[10000];
        var growth = (double)(late - early) / early;
        return new Figure("4 memory", "RSS growth from iteration 1,000 to 10,000", growth * 100, "%", "< 5 %", growth < 0.05,
            $"{early / 1048576.0:0.0} MB → {late / 1048576.0:0.0} MB over {runner.Iter} iterations in {seconds:0.0} s " +
            $"(GC-committed {hook.ManagedBytes[1000] / 1048576.0:0.0} MB → {hook.ManagedBytes[10000] / 1048576.0:0.0} MB)");
    }

    /// <summary>Case 5: saving and loading a ~100 MB checkpoint against the disk's sequential write speed.</summary>
    private IEnumerable<Figure> Checkpoints()
    {
        const int floats = 25_000_000; // 100 MB
        var bytes = new byte[floats * 4];
        Random.Shared.NextBytes(bytes);
        var rawPath = Path.Combine(_scratch, "disk.bin");
        var disk = new List<double>();
        var save = new List<double>();
        var load = new List<double>();
        using var weights = rand(floats / 1000, 1000);
        for (var i = -1; i < Math.Min(repetitions, 5); i++)
        {
            var d = Time(() =>
            {
                using var stream = new FileStream(rawPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            });
            var path = Path.Combine(_scratch, "big.ckpt");
            var s = Time(() =>
            {
                using var checkpoint = new Checkpoint();
                checkpoint.StateDict["weight"] = weights.alias();
                checkpoint.Meta["epoch"] = 1L;
                CheckpointFile.Save(checkpoint, path);
            });
            var l = Time(() =>
            {
                using var loaded = CheckpointFile.Load(path);
            });
            if (i < 0) continue;
            disk.Add(bytes.Length / d / 1e6);
            save.Add(bytes.Length / s / 1e6);
            load.Add(bytes.Length / l / 1e6);
        }
        var diskSpeed = disk.Max();
        var saveSpeed = save.Max();
        var loadSpeed = load.Max();
        yield return new Figure("5 checkpoints", "save speed / disk write speed", saveSpeed / diskSpeed * 100, "%", "≥ 80 %", saveSpeed / diskSpeed >= 0.8,
            $"disk {diskSpeed:0} MB/s, save {saveSpeed:0} MB/s (best of {disk.Count}; 100 MB, fsync'd)");
        yield return new Figure("5 checkpoints", "load speed / disk write speed", loadSpeed / diskSpeed * 100, "%", "≥ 80 %", loadSpeed / diskSpeed >= 0.8,
            $"load {loadSpeed:0} MB/s, checksum verified");
    }
}
