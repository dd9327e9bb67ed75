// Runner's benchmarks: what the runner adds to a raw TorchSharp loop, start-up, data loading, memory, checkpoint
// I/O and hook cost, measured in one run with interleaved repetitions. Writes bench/results/<date>.json and the
// table in docs/benchmarks.md. Run it with bench/run.
using Runner.Bench;
using Runner.Sdk.Hosting;

RunnerProcess.PrepareNativeLibraries();
// The bench makes tensors before any runner chooses a libtorch: the build's own, loaded by full path first, so that
// TorchSharp's search by name finds no other (and never starts its 480 MB fallback copy).
RunnerProcess.UseLibTorch(null, "the bench", needCuda: false);
// --raw-toy DATA_DIR: the hand-written toy job alone, as a process of its own (the reference of case 2).
if (args is ["--raw-toy", var dataDir])
{
    var outDir = Directory.CreateTempSubdirectory("runner-bench-raw-").FullName;
    Console.WriteLine(RawToyLoop.Run(dataDir, outDir));
    Directory.Delete(outDir, recursive: true);
    return 0;
}
// --raw-allreduce ELEMENTS: under mpirun, the all-reduce of that many floats alone (the reference of case 7).
if (args is ["--raw-allreduce", var elements]) return RawAllReduce.Run(long.Parse(elements, System.Globalization.CultureInfo.InvariantCulture));
var repo = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? Path.GetFullPath(args[0]) : FindRepo();
var quick = args.Contains("--quick");
// --only 1,4 runs just those cases (and does not rewrite the report).
var onlyIndex = Array.IndexOf(args, "--only");
var only = onlyIndex >= 0 && onlyIndex + 1 < args.Length ? args[onlyIndex + 1].Split(',').Select(int.Parse).ToHashSet() : null;
var suite = new BenchmarkSuite(repo, repetitions: quick ? 3 : 7);
// --timeline: case 1's raw loop and runner, cut into phases, to see where the runner's overhead goes.
if (args.Contains("--timeline"))
{
    suite.Timeline();
    return 0;
}
var figures = suite.RunAll(only);
if (only is null) Report.Write(repo, figures, suite.Machine);
foreach (var figure in figures)
    Console.WriteLine($"{figure.Met switch { true => "PASS", false => "MISS", null => "INFO" }}  {figure.Case}: {figure.Name} = {figure.Value:0.####} {figure.Unit} (goal {figure.Goal}) {figure.Detail}");
return 0;

static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Runner.sln"))) return dir.FullName;
    throw new InvalidOperationException("Runner.sln not found; pass the repository root as the first argument.");
}
