using System.Globalization;
using System.Text.RegularExpressions;

namespace Runner.Bench;

/// <summary>
/// Case 7 (issues 14 and 28): data parallel over Open MPI on this machine. (a) The share of the train steps' time
/// that averaging the gradients takes, for a ~1 M-parameter MLP (the toy job with hidden = 1000: 1.04 M weights) on 2
/// ranks, as the runner itself reports it at the end of training, with its parts per step (waiting, copies, transfer);
/// and the transfer against a lone all-reduce of the same bytes over the same communicator, measured in the same run
/// (<see cref="RawAllReduce"/>). (b) The same share for ResNet-18 at 32×32, whose backward pass is long enough for
/// the all-reduces to overlap it, with the default bucket size and with 5 MB buckets. (c) The default digits job's training time on 2 ranks
/// with 1 torch thread each against 1 process with 2 threads: the same cores, used two ways.
/// </summary>
internal sealed class DataParallelCase(string repo, string scratch, int repetitions)
{
    private string Host => Path.Combine(repo, "artifacts", "host", "runner-host.dll");

    /// <summary>The runner's line at the end of a data-parallel training: all-reduces, the steps' wait and share, then per step its parts.</summary>
    private static readonly Regex EndOfTraining = new(@"Data parallel: (\d+) gradient all-reduces; the steps waited ([0-9.]+) s for them, ([0-9.]+) % of the train steps' ([0-9.]+) s; per step \((\d+)\): waiting for the other ranks ([0-9.]+) ms, copying gradients ([0-9.]+) ms, transfer ([0-9.]+) ms, of which during backward ([0-9.]+) ms");

    public IEnumerable<Figure> Run()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "mpirun"))))
        {
            yield return new Figure("7 distributed", "all-reduce share of the step, 1 M weights, 2 ranks", double.NaN, "%", "—", null, "not measured: mpirun is not installed (apt-get install openmpi-bin)");
            yield break;
        }
        // The toy MLP with hidden = 1000: 32·1000 + 1000 + 1000·1000 + 1000 + 1000·10 + 10 weights, one bucket of float32.
        const long Weights = 1_044_010;
        var runs = new List<(double Share, double Transfer, string Detail)>();
        var raw = new List<double>();
        for (var i = 0; i < Math.Max(3, repetitions / 2); i++)
        {
            var output = Mpi(2, ["train", "--config", Path.Combine(repo, "configs", "toy.toml"), "--launcher", "mpi", "--work-dir", Path.Combine(scratch, $"ddp-share-{i}"),
                "--cfg-options", "model.hidden=1000", "env_cfg.num_threads=1"]);
            var match = EndOfTraining.Match(output);
            if (!match.Success) throw new InvalidOperationException("the 2-rank run did not report its all-reduce time:\n" + output);
            double Number(int group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
            runs.Add((Number(3), Number(8),
                $"{match.Groups[1].Value} all-reduces of {Weights * 4 / 1e6:0.0} MB in all per step ({Number(1) / Number(5):0.0} per step over {match.Groups[5].Value} steps) made the steps wait {match.Groups[2].Value} s of {match.Groups[4].Value} s of train steps; " +
                $"per step, waiting for the other rank {match.Groups[6].Value} ms, copies {match.Groups[7].Value} ms, transfer {match.Groups[8].Value} ms"));
            // The reference, in the same run: the all-reduce of the same bytes over the same communicator, alone.
            var reference = BenchmarkSuite.RunProcess("mpirun", [.. MpiArguments(2), "dotnet", Path.Combine(AppContext.BaseDirectory, "Runner.Bench.dll"), "--raw-allreduce", Weights.ToString(CultureInfo.InvariantCulture)]);
            var rawMatch = Regex.Match(reference, @"median ([0-9.]+) ms");
            if (!rawMatch.Success) throw new InvalidOperationException("the raw all-reduce did not report its time:\n" + reference);
            raw.Add(double.Parse(rawMatch.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        var (share, transfer, detail) = runs.OrderBy(r => r.Share).ElementAt(runs.Count / 2);
        yield return new Figure("7 distributed", "all-reduce share of the train step, 1 M weights, 2 ranks (median)", share, "%", "≤ 15 % (issue 28)", share <= 15,
            $"{detail} (the run with the median share); toy job, hidden = 1000, batch 32 per rank, 1 torch thread per rank");
        var rawMedian = raw.Order().ElementAt(raw.Count / 2);
        var ratio = transfer / rawMedian;
        yield return new Figure("7 distributed", "gradient transfer per step / raw all-reduce of the same bytes, 2 ranks", ratio, "×", "≤ 1.3 (issue 28)", ratio <= 1.3,
            $"transfer {transfer:0.00} ms per step (the median-share run) against {rawMedian:0.000} ms for a lone all-reduce of {Weights * 4 / 1e6:0.0} MB over the same communicator " +
            $"(median of 200 calls, median of {raw.Count} runs), in the same bench run");

        // ResNet-18 at 32×32, batch 32 per rank, where backward is long enough for the all-reduces to hide in it:
        // 3 epochs of 20 steps (the first step of a run only learns the buckets' order, and copies).
        var data = Path.Combine(scratch, "ddp-digits-png");
        BenchmarkSuite.RunProcess("dotnet", [Host, "data", "digits-to-folder", data]);
        foreach (var cap in new[] { 25, 5 })
        {
            var resnet = new List<(double Share, string Detail)>();
            for (var i = 0; i < Math.Max(3, repetitions / 2); i++)
            {
                var output = Mpi(2, ["train", "--config", Path.Combine(repo, "configs", "vision-digits.toml"), "--launcher", "mpi", "--work-dir", Path.Combine(scratch, $"ddp-resnet-{cap}-{i}"),
                    "--cfg-options", $"train_dataloader.dataset.data_root='{data}/train'", $"val_dataloader.dataset.data_root='{data}/val'", $"test_dataloader.dataset.data_root='{data}/test'",
                    "train_dataloader.batch_size=32", "train_dataloader.num_workers=0", "train_cfg.max_epochs=3", "train_cfg.val_interval=10", "env_cfg.num_threads=1",
                    $"model_wrapper_cfg.bucket_cap_mb={cap}"]);
                var match = EndOfTraining.Match(output);
                if (!match.Success) throw new InvalidOperationException("the 2-rank ResNet-18 run did not report its all-reduce time:\n" + output);
                double Number(int group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
                var steps = Number(5);
                resnet.Add((Number(3), $"the steps waited {Number(2) * 1000 / steps:0.0} ms per step after backward, of {Number(4) * 1000 / steps:0} ms per train step; transfer {Number(8):0.0} ms per step, " +
                    $"{Number(9):0.0} ms of it during backward; {match.Groups[1].Value} all-reduces over {steps} steps"));
            }
            var (resnetShare, resnetDetail) = resnet.OrderBy(r => r.Share).ElementAt(resnet.Count / 2);
            yield return new Figure("7 distributed", $"all-reduce share of the train step, ResNet-18 32², 2 ranks, bucket_cap_mb = {cap} (median)", resnetShare, "%", "≤ 5 % (issue 28)", resnetShare <= 5,
                $"{resnetDetail} (the run with the median share); configs/vision-digits.toml, batch 32 per rank, 3 epochs, 1 torch thread per rank, no loader workers");
        }

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

    private string Mpi(int ranks, string[] arguments) => BenchmarkSuite.RunProcess("mpirun", [.. MpiArguments(ranks), "dotnet", Host, .. arguments]);

    private static List<string> MpiArguments(int ranks)
    {
        List<string> mpirun = ["--oversubscribe", "-np", ranks.ToString(CultureInfo.InvariantCulture)];
        if (Environment.UserName == "root") mpirun.Add("--allow-run-as-root");
        return mpirun;
    }

    private static string Dotnet(string[] arguments) => BenchmarkSuite.RunProcess("dotnet", arguments);
}
