using System.Globalization;
using System.Text.RegularExpressions;

namespace Runner.Bench;

/// <summary>
/// Case 7 (issue 14): data parallel over Open MPI on this machine. (a) The share of the train steps' time that the
/// gradient all-reduces take, for a ~1 M-parameter MLP (the toy job with hidden = 1000: 1.04 M weights) on 2 ranks,
/// as the runner itself reports it at the end of training. (b) The default digits job's training time on 2 ranks
/// with 1 torch thread each against 1 process with 2 threads: the same cores, used two ways.
/// </summary>
internal sealed class DataParallelCase(string repo, string scratch, int repetitions)
{
    private string Host => Path.Combine(repo, "artifacts", "host", "runner-host.dll");

    public IEnumerable<Figure> Run()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "mpirun"))))
        {
            yield return new Figure("7 distributed", "all-reduce share of the step, 1 M weights, 2 ranks", double.NaN, "%", "—", null, "not measured: mpirun is not installed (apt-get install openmpi-bin)");
            yield break;
        }
        var shares = new List<(double Share, string Detail)>();
        for (var i = 0; i < Math.Max(3, repetitions / 2); i++)
        {
            var output = Mpi(2, ["train", "--config", Path.Combine(repo, "configs", "toy.toml"), "--launcher", "mpi", "--work-dir", Path.Combine(scratch, $"ddp-share-{i}"),
                "--cfg-options", "model.hidden=1000", "env_cfg.num_threads=1"]);
            var match = Regex.Match(output, @"Data parallel: (\d+) gradient all-reduces took ([0-9.]+) s, ([0-9.]+) % of the train steps' ([0-9.]+) s; per step \((\d+)\): waiting for the other ranks ([0-9.]+) ms, copying gradients ([0-9.]+) ms, transfer ([0-9.]+) ms");
            if (!match.Success) throw new InvalidOperationException("the 2-rank run did not report its all-reduce time:\n" + output);
            shares.Add((double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture),
                $"{match.Groups[1].Value} all-reduces of 4.2 MB (one bucket per step) took {match.Groups[2].Value} s of {match.Groups[4].Value} s of train steps: " +
                $"per step, waiting for the other rank {match.Groups[6].Value} ms, copies {match.Groups[7].Value} ms, transfer {match.Groups[8].Value} ms"));
        }
        var (share, detail) = shares.OrderBy(s => s.Share).ElementAt(shares.Count / 2);
        yield return new Figure("7 distributed", "all-reduce share of the train step, 1 M weights, 2 ranks (median)", share, "%", "—", null,
            $"{detail} (the run with the median share); " +
            "toy job, hidden = 1000, batch 32 per rank, 1 torch thread per rank");

        var oneProcess = new List<double>();
        var twoRanks = new List<double>();
        for (var i = -1; i < Math.Max(3, repetitions / 2); i++)
        {
            var digits = new[] { "train", "--config", Path.Combine(repo, "runner.toml") };
            var single = BenchmarkSuite.Time(() => Dotnet([Host, .. digits, "--work-dir", Path.Combine(scratch, $"ddp-one-{i}"), "--cfg-options", "env_cfg.num_threads=2"]));
            var ranks = BenchmarkSuite.Time(() => Mpi(2, [.. digits, "--launcher", "mpi", "--work-dir", Path.Combine(scratch, $"ddp-two-{i}"), "--cfg-options", "env_cfg.num_threads=1"]));
            if (i < 0) continue; // the first round warms the disk cache
            oneProcess.Add(single);
            twoRanks.Add(ranks);
        }
        var one = new Timings(oneProcess);
        var two = new Timings(twoRanks);
        yield return new Figure("7 distributed", "default job: 2 ranks × 1 thread / 1 process × 2 threads (time, min)", two.Min / one.Min, "×", "—", null,
            $"1 process {one.Min:0.00} s (median {one.Median:0.00} s), 2 ranks {two.Min:0.00} s (median {two.Median:0.00} s); whole processes, start-up included, 20 epochs then no test");
    }

    private string Mpi(int ranks, string[] arguments)
    {
        List<string> mpirun = ["--oversubscribe", "-np", ranks.ToString(CultureInfo.InvariantCulture)];
        if (Environment.UserName == "root") mpirun.Add("--allow-run-as-root");
        return BenchmarkSuite.RunProcess("mpirun", [.. mpirun, "dotnet", Host, .. arguments]);
    }

    private static string Dotnet(string[] arguments) => BenchmarkSuite.RunProcess("dotnet", arguments);
}
