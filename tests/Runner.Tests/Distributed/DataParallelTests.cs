using System.Diagnostics;
using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

namespace Runner.Tests.Distributed;

/// <summary>
/// Data-parallel training under a real <c>mpirun</c>: the same results as one process (weights, losses, metrics),
/// the default job's accuracy, rank-0-only records, a killed rank reported by the others and an exact resume of
/// the 2-rank run, and a stopped rank named after the timeout.
/// </summary>
[TestClass]
public sealed class DataParallelTests
{
    private static readonly string[] ToyJob = ["--config", TestEnvironment.ToyConfig, "--cfg-options", "default_hooks.logger.interval=1"];

    private static readonly string[] DigitsJob = ["--config", TestEnvironment.DigitsConfig, "--launcher", "mpi", "--cfg-options", "env_cfg.num_threads=1"];

    /// <summary>An uninterrupted 2-rank run of the default job (train, then test), shared by the tests that compare with it.</summary>
    private static readonly Lazy<(string WorkDir, HostTester.Result Result)> TwoRankDigits = new(() =>
    {
        var workDir = TestEnvironment.NewTempDir("ddp-digits");
        return (workDir, MpiRun.Run(2, [.. DigitsJob, "--work-dir", workDir]));
    });

    [TestMethod]
    [DataRow("overlap")]
    [DataRow("flat_buffers")]
    [DataRow("accumulation")]
    public void TwoRanksOfBatch16_EndLikeOneProcessOfBatch32(string mode)
    {
        // Arrange. overlap: buckets small enough that two of the toy MLP's three start during backward; flat_buffers:
        // the ranks average the one flat gradient; accumulation: two iterations per step, only the second communicates.
        MpiRun.RequireOpenMpi();
        var single = TestEnvironment.NewTempDir("ddp-toy-1");
        var ranks = TestEnvironment.NewTempDir("ddp-toy-2");
        string[] both = mode switch
        {
            "flat_buffers" => ["optim_wrapper.flat_buffers=true"],
            "accumulation" => ["optim_wrapper.accumulative_counts=2"],
            _ => [],
        };
        string[] twoOnly = mode switch
        {
            "overlap" => ["model_wrapper_cfg.bucket_cap_mb=0.01"],
            "flat_buffers" => ["model_wrapper_cfg.find_unused_parameters=true"],
            _ => [],
        };

        // Act
        var one = HostTester.RunProcess(["train", .. ToyJob, .. both, "--work-dir", single]);
        var two = MpiRun.Run(2, ["train", .. ToyJob, "train_dataloader.batch_size=16", .. both, .. twoOnly, "--launcher", "mpi", "--work-dir", ranks]);

        // Assert: the weights per element, each iteration's loss (the mean over the ranks), each validation's accuracy.
        Assert.AreEqual(0, one.ExitCode, one.Stderr);
        Assert.AreEqual(0, two.ExitCode, two.Stdout + two.Stderr);
        using var expected = CheckpointFile.Load(Path.Combine(single, "epoch_3.ckpt"));
        using var actual = CheckpointFile.Load(Path.Combine(ranks, "epoch_3.ckpt"));
        foreach (var (name, tensor) in expected.StateDict)
        {
            var difference = (tensor - actual.StateDict[name]).abs().max().item<float>();
            Assert.IsTrue(difference <= 1e-5, $"{name} differs by {difference}");
        }
        var losses = (One: RunRecords.Scalars(single, "loss"), Two: RunRecords.Scalars(ranks, "loss"));
        Assert.AreEqual(3 * 128, losses.One.Count, "one record per iteration");
        Assert.AreEqual(losses.One.Count, losses.Two.Count);
        for (var i = 0; i < losses.One.Count; i++) Assert.AreEqual(losses.One[i], losses.Two[i], 1e-5, $"iteration {i + 1}");
        CollectionAssert.AreEqual(RunRecords.Scalars(single, "accuracy/top1"), RunRecords.Scalars(ranks, "accuracy/top1"));
        if (mode != "accumulation") CollectionAssert.AreEqual(new[] { 29.98046875, 34.5703125, 35.05859375 }, RunRecords.Scalars(ranks, "accuracy/top1"), "MMEngine's figures");
        var log = RunRecords.LogLines(ranks);
        StringAssert.Contains(log.First(l => l.Contains("World size", StringComparison.Ordinal)), "World size: 2");
        Assert.AreEqual(mode == "flat_buffers", log.Any(l => l.Contains("find_unused_parameters has no effect with optim_wrapper.flat_buffers", StringComparison.Ordinal)));
        var steps = mode == "accumulation" ? 192 : 384;
        var end = log.Single(l => l.Contains("Data parallel: ", StringComparison.Ordinal) && l.Contains("per step", StringComparison.Ordinal));
        StringAssert.Contains(end, $"per step ({steps})", "with accumulation, only the stepping iterations communicate");
        if (mode == "overlap")
        {
            StringAssert.Contains(log.First(l => l.Contains("Data parallel over 2 ranks", StringComparison.Ordinal)), "3 to begin with), each all-reduced during backward");
            Assert.IsFalse(end.Contains("of which during backward 0.00 ms", StringComparison.Ordinal), end);
        }
    }

    [TestMethod]
    public void APluginModelWithItsOwnTrainStep_OnTwoRanks_LogsAndTrainsAsTheBuiltInStepDoes()
    {
        // Arrange: tests/CustomStepPlugin's model is the toy MLP with a TrainStep of its own, which averages its
        // logged loss over the ranks with OptimWrapper.ReduceLogVars.
        MpiRun.RequireOpenMpi();
        var plugin = TestEnvironment.NewTempDir("custom-step-plugin");
        DotnetCli.Run(TestEnvironment.RepoRoot, "build", "tests/CustomStepPlugin/CustomStep.Plugin.csproj", "-c", DotnetCli.Configuration, "-o", plugin,
            "-p:BuildProjectReferences=false", "-nologo", "-v", "quiet");
        var builtIn = TestEnvironment.NewTempDir("ddp-step-builtin");
        var own = TestEnvironment.NewTempDir("ddp-step-own");
        string[] job = ["train", .. ToyJob, "train_dataloader.batch_size=16", "train_cfg.max_epochs=1"];

        // Act
        var reference = MpiRun.Run(2, [.. job, "--launcher", "mpi", "--work-dir", builtIn]);
        var custom = MpiRun.Run(2, [.. job, "model={ type = \"customstep.OwnStepModel\" }", "--launcher", "mpi", "--work-dir", own, "--plugins", plugin]);

        // Assert: every iteration's logged loss (rank 0's log: the mean over the ranks) and the weights.
        Assert.AreEqual(0, reference.ExitCode, reference.Stdout + reference.Stderr);
        Assert.AreEqual(0, custom.ExitCode, custom.Stdout + custom.Stderr);
        var expected = RunRecords.Scalars(builtIn, "loss");
        var actual = RunRecords.Scalars(own, "loss");
        Assert.HasCount(128, expected, "4096 samples in batches of 2 x 16, logged every iteration");
        Assert.HasCount(expected.Count, actual);
        for (var i = 0; i < expected.Count; i++) Assert.AreEqual(expected[i], actual[i], 1e-6, $"iteration {i + 1}");
        using var expectedWeights = CheckpointFile.Load(Path.Combine(builtIn, "epoch_1.ckpt"));
        using var actualWeights = CheckpointFile.Load(Path.Combine(own, "epoch_1.ckpt"));
        foreach (var (name, tensor) in expectedWeights.StateDict)
            Assert.IsTrue((tensor - actualWeights.StateDict[name]).abs().max().item<float>() <= 1e-6, name);
    }

    [TestMethod]
    public void ThreeRanksOnDataTheyDoNotDivide_GiveOneProcesssMetricsAndPredictions()
    {
        // Arrange: weights to evaluate; 1024 validation samples over 3 ranks leaves them 342 + 341 + 341 (one padded each on two ranks).
        MpiRun.RequireOpenMpi();
        var trained = TrainedToy.WorkDir(1);
        var single = TestEnvironment.NewTempDir("ddp-val-1");
        var ranks = TestEnvironment.NewTempDir("ddp-val-3");

        // Act
        var one = HostTester.RunProcess(["val", "--config", TestEnvironment.ToyConfig, "--checkpoint", trained, "--work-dir", single, "--out", Path.Combine(single, "predictions.jsonl")]);
        var three = MpiRun.Run(3, ["val", "--config", TestEnvironment.ToyConfig, "--checkpoint", trained, "--work-dir", ranks, "--launcher", "mpi",
            "--out", Path.Combine(ranks, "predictions.jsonl")]);

        // Assert: the same accuracy, and the same predictions file, line for line (each sample once, in order).
        Assert.AreEqual(0, one.ExitCode, one.Stderr);
        Assert.AreEqual(0, three.ExitCode, three.Stdout + three.Stderr);
        var accuracy = (One: Metric(one.Stdout), Three: Metric(three.Stdout));
        Assert.AreEqual(accuracy.One, accuracy.Three);
        var lines = (One: File.ReadAllLines(Path.Combine(single, "predictions.jsonl")), Three: File.ReadAllLines(Path.Combine(ranks, "predictions.jsonl")));
        Assert.AreEqual(1024, lines.One.Length);
        CollectionAssert.AreEqual(lines.One, lines.Three);
    }

    [TestMethod]
    public void DefaultJobOnTwoRanks_ReachesOneProcesssAccuracy_AndOnlyRankZeroWrites()
    {
        // Act
        MpiRun.RequireOpenMpi();
        var (workDir, result) = TwoRankDigits.Value;

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stdout + result.Stderr);
        StringAssert.Matches(result.Stdout, new System.Text.RegularExpressions.Regex(
            @"Data parallel: \d+ gradient all-reduces; the steps waited [0-9.]+ s for them, [0-9.]+ % of the train steps' [0-9.]+ s; per step \(400\): waiting for the other ranks [0-9.]+ ms, copying gradients [0-9.]+ ms, transfer [0-9.]+ ms, of which during backward [0-9.]+ ms\."),
            "the end of training tells waiting, copies, transfer and overlap apart");
        Assert.IsTrue(RunRecords.TestMetrics(workDir)["accuracy/top1"] >= 98.0, $"test accuracy {RunRecords.TestMetrics(workDir)["accuracy/top1"]}");
        Assert.HasCount(1, RunRecords.LogDirs(workDir), "one run folder, rank 0's");
        Assert.HasCount(1, Directory.GetFiles(workDir, "*.toml"), "one config dump");
        Assert.IsFalse(result.Stdout.Contains("[rank 1]", StringComparison.Ordinal), "rank 1 logs warnings and errors only, and there were none");
        Assert.IsFalse((result.Stdout + result.Stderr).Contains('\u001b'), "no terminal codes in the output mpirun forwards");
        Assert.AreEqual(1, result.Stdout.Split('\n').Count(l => l.Contains("Epoch(test) [3/3]", StringComparison.Ordinal)), "one test line: rank 0's");
    }

    [TestMethod]
    public void RankKilled_TheRunEndsNamingIt_AndItsResumeEndsBitIdentical()
    {
        // Arrange
        MpiRun.RequireOpenMpi();
        var (reference, referenceRun) = TwoRankDigits.Value;
        Assert.AreEqual(0, referenceRun.ExitCode, referenceRun.Stderr);
        var workDir = TestEnvironment.NewTempDir("ddp-kill");
        string[] job = ["train", .. DigitsJob, "--work-dir", workDir];

        // Act: SIGKILL rank 1 once epoch 8 is logged.
        var watch = Stopwatch.StartNew();
        using var run = MpiRun.Start(2, job);
        var stderr = run.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        while (run.StandardOutput.ReadLine() is { } line)
        {
            output.AppendLine(line);
            if (!TrainLine(line, epoch: 8)) continue;
            var victim = MpiRun.PidOfRank(run, 1) ?? throw new AssertFailedException("rank 1's process was not found");
            Process.GetProcessById(victim).Kill();
            break;
        }
        output.Append(run.StandardOutput.ReadToEnd());
        Assert.IsTrue(run.WaitForExit(TimeSpan.FromMinutes(2)), "the surviving rank did not end");
        var ended = watch.Elapsed;
        var resumed = MpiRun.Run(2, [.. job, "--resume"]);

        // Assert: a non-zero end that names rank 1, then a resume to the uninterrupted run's weights.
        Assert.AreNotEqual(0, run.ExitCode);
        StringAssert.Matches(output + stderr.Result, new System.Text.RegularExpressions.Regex(@"rank 1\b"));
        Assert.IsTrue(ended < TimeSpan.FromSeconds(90), $"ended after {ended}");
        Assert.AreEqual(0, resumed.ExitCode, resumed.Stdout + resumed.Stderr);
        StringAssert.Contains(resumed.Stdout, "resumed epoch:");
        CheckpointAssert.SameWeights(Path.Combine(reference, "epoch_20.ckpt"), Path.Combine(workDir, "epoch_20.ckpt"));
    }

    [TestMethod]
    public void CtrlCOnMpirun_EveryRankStopsAfterTheSameIteration_AndTheResumeEndsBitIdentical()
    {
        // Arrange
        MpiRun.RequireOpenMpi();
        var (reference, referenceRun) = TwoRankDigits.Value;
        Assert.AreEqual(0, referenceRun.ExitCode, referenceRun.Stderr);
        var workDir = TestEnvironment.NewTempDir("ddp-sigint");
        string[] job = ["train", .. DigitsJob, "--work-dir", workDir];

        // Act: SIGINT to mpirun once epoch 3's checkpoint is on disk (mpirun passes it on to every rank as SIGTERM).
        // Its file, not its log line: mpirun forwards the ranks' output in bursts a second or two late, by which time
        // a fast machine has trained to the end.
        using var run = MpiRun.Start(2, job);
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!File.Exists(Path.Combine(workDir, "epoch_3.ckpt")) && !run.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(10);
        if (run.HasExited) Assert.Fail("the run ended before epoch 3's checkpoint: " + stdout.Result + stderr.Result);
        Signal(run.Id, "INT");
        Assert.IsTrue(run.WaitForExit(TimeSpan.FromMinutes(1)), "the ranks did not stop");
        var rest = stdout.Result;
        var stops = System.Text.RegularExpressions.Regex.Matches(rest + stderr.Result, @"Training stopped on SIGTERM; resume with --resume \(checkpoint (\S+)\)");
        // Looked at before the resume, which retires it in its turn (max_keep_ckpts).
        var saved = stops.Count > 0 && File.Exists(stops[0].Groups[1].Value.TrimEnd('.'));
        var resumed = MpiRun.Run(2, [.. job, "--resume"]);

        // Assert: one agreed stop (both ranks name the same checkpoint), then an exact resume.
        Assert.AreNotEqual(0, run.ExitCode);
        Assert.HasCount(2, stops, rest + stderr.Result);
        Assert.AreEqual(stops[0].Groups[1].Value, stops[1].Groups[1].Value, "both ranks stopped after the same iteration");
        Assert.IsTrue(saved, "rank 0 saved the interrupted checkpoint");
        Assert.AreEqual(0, resumed.ExitCode, resumed.Stdout + resumed.Stderr);
        CheckpointAssert.SameWeights(Path.Combine(reference, "epoch_20.ckpt"), Path.Combine(workDir, "epoch_20.ckpt"));
    }

    [TestMethod]
    public void RankStopped_TheOtherTimesOutNamingIt()
    {
        // Arrange: a 3-second timeout; rank 1 is stopped (SIGSTOP: alive to the launcher, silent to the others).
        MpiRun.RequireOpenMpi();
        var workDir = TestEnvironment.NewTempDir("ddp-stop");
        using var run = MpiRun.Start(2, ["train", .. DigitsJob, "env_cfg.dist_cfg.timeout=3", "--work-dir", workDir]);
        var stderr = run.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        int? stopped = null;
        try
        {
            // Act
            while (run.StandardOutput.ReadLine() is { } line)
            {
                output.AppendLine(line);
                if (stopped is null && TrainLine(line, epoch: 2))
                {
                    stopped = MpiRun.PidOfRank(run, 1) ?? throw new AssertFailedException("rank 1's process was not found");
                    Signal(stopped.Value, "STOP");
                }
            }
            Assert.IsTrue(run.WaitForExit(TimeSpan.FromMinutes(1)), "the waiting rank did not give up");

            // Assert
            Assert.AreNotEqual(0, run.ExitCode);
            var all = output + stderr.Result;
            StringAssert.Contains(all, "did not complete within 3 s: rank 1 did not answer");
        }
        finally
        {
            if (stopped is { } pid) Signal(pid, "CONT");
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    [TestMethod]
    public void UnevenShares_AreRefusedBeforeTheFirstStep()
    {
        // 4,096 samples without round_up on 3 ranks: 1,366 + 1,365 + 1,365 batches of one, so rank 0 would step alone at the end.
        var workDir = TestEnvironment.NewTempDir("ddp-uneven");

        var result = MpiRun.Run(3, ["train", "--config", TestEnvironment.ToyConfig, "--launcher", "mpi", "--work-dir", workDir,
            "--cfg-options", "train_dataloader.sampler.round_up=false", "train_dataloader.batch_size=1"]);

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Stderr, "error: rank 0: the ranks' train dataloaders yield between 1365 and 1366 batches per epoch");
        StringAssert.Contains(result.Stderr, "[rank 1] error: rank 1:");
        Assert.IsFalse(File.Exists(Path.Combine(workDir, "epoch_1.ckpt")));
    }

    private static bool TrainLine(string line, int epoch) => System.Text.RegularExpressions.Regex.IsMatch(line, $@"Epoch\(train\)\s+\[{epoch}\]");

    private static void Signal(int pid, string signal) => Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    private static double Metric(string stdout) =>
        double.Parse(System.Text.RegularExpressions.Regex.Matches(stdout, @"accuracy/top1: ([0-9.]+)")[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
