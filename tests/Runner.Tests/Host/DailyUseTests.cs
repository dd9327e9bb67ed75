using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>What a newcomer trips over on the command line: each gives a result, or a message that says what to do.</summary>
[TestClass]
public sealed class DailyUseTests
{
    private static string Trained() => TrainedToy.WorkDir(1);

    [TestMethod]
    [DataRow("val")]
    [DataRow("test")]
    public void EvaluatingWithoutWeights_IsAnError_BeforeAnythingIsCreated(string mode)
    {
        var workDir = Path.Combine(TestEnvironment.NewTempDir("noweights"), "work");

        var result = HostTester.Run(mode, "--config", TestEnvironment.ToyConfig, "--work-dir", workDir);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, $"{mode} needs trained weights, and none were named: work_dir '{workDir}' holds no checkpoint.");
        StringAssert.Contains(result.Stderr, "pass --checkpoint CKPT");
        Assert.AreEqual("", result.Stdout);
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void Test_WithoutCheckpoint_UsesTheWorkDirsNewestCheckpoint()
    {
        var result = HostTester.Run("test", "--config", TestEnvironment.ToyConfig, "--work-dir", Trained());

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, $"Load checkpoint from {Path.Combine(Trained(), "epoch_1.ckpt")}");
        Assert.IsTrue(RunRecords.LogDirs(Trained()).Any(d => Path.GetFileName(d).StartsWith("test_", StringComparison.Ordinal)), "the test run's records apart from the training run's");
        Assert.IsTrue(Directory.GetFiles(Trained(), "test_*.toml").Length > 0);
        Assert.AreEqual(28.3203125, RunRecords.TestMetrics(Trained())["accuracy/top1"], 1e-4, "the weights trained for one epoch (random ones score about 10)");
    }

    [TestMethod]
    public void AMissingCheckpoint_IsReportedBeforeTheBanner_AndCreatesNothing()
    {
        var workDir = Path.Combine(TestEnvironment.NewTempDir("missing"), "work");

        var result = HostTester.Run("test", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--checkpoint", "/nonexistent/epoch_9.ckpt");

        Assert.AreEqual(1, result.ExitCode);
        Assert.AreEqual("error: Checkpoint '/nonexistent/epoch_9.ckpt' does not exist.", result.Stderr.Trim());
        Assert.AreEqual("", result.Stdout);
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void ADamagedCheckpoint_IsReportedBeforeTheBanner_AndCreatesNothing()
    {
        var dir = TestEnvironment.NewTempDir("damaged");
        var workDir = Path.Combine(dir, "work");
        var truncated = Path.Combine(dir, "truncated.ckpt");
        var bytes = File.ReadAllBytes(Path.Combine(Trained(), "epoch_1.ckpt"));
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 100)]);

        var result = HostTester.Run("test", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--checkpoint", truncated);
        var resume = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--resume", truncated);

        foreach (var run in new[] { result, resume })
        {
            Assert.AreEqual(1, run.ExitCode);
            StringAssert.Contains(run.Stderr, $"Checkpoint '{truncated}' is corrupt or truncated");
            Assert.AreEqual("", run.Stdout);
        }
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void Export_TakesTheFormatFromTheExtension_AndRefusesAMismatch()
    {
        var dir = TestEnvironment.NewTempDir("export");
        var pt = Path.Combine(dir, "weights.pt");
        var safetensors = Path.Combine(dir, "weights.safetensors");

        var toPt = HostTester.Run("export", "--checkpoint", Trained(), "--out", pt);
        var toSafetensors = HostTester.Run("export", "--checkpoint", Path.Combine(Trained(), "last_checkpoint"), "--out", safetensors);
        var mismatch = HostTester.Run("export", "--checkpoint", Trained(), "--out", Path.Combine(dir, "x.pt"), "--format", "safetensors");

        Assert.AreEqual(0, toPt.ExitCode, toPt.Stderr);
        Assert.AreEqual(0, toSafetensors.ExitCode, toSafetensors.Stderr);
        CollectionAssert.AreEqual("PK"u8.ToArray(), File.ReadAllBytes(pt)[..2], "torch.save's zip format");
        Assert.AreEqual((byte)'{', File.ReadAllBytes(safetensors)[8], "a safetensors header");
        Assert.AreEqual(1, mismatch.ExitCode);
        StringAssert.Contains(mismatch.Stderr, "names a pt file, but --format is safetensors");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "x.pt")));
    }

    [TestMethod]
    public void Export_ToANameOfNeitherFormat_NeedsFormat_AndAMissingFolderIsNamed()
    {
        var dir = TestEnvironment.NewTempDir("export-names");
        var onnx = Path.Combine(dir, "weights.onnx");

        var unnamed = HostTester.Run("export", "--checkpoint", Trained(), "--out", onnx);
        var forced = HostTester.Run("export", "--checkpoint", Trained(), "--out", onnx, "--format", "safetensors");
        var missingFolder = HostTester.Run("export", "--checkpoint", Trained(), "--out", Path.Combine(dir, "no", "such", "w.pt"));

        Assert.AreEqual(1, unnamed.ExitCode);
        StringAssert.Contains(unnamed.Stderr, "does not say which format to write: export writes safetensors (.safetensors) or a torch.save state dict (.pt, .pth, .bin), not '.onnx' files.");
        Assert.AreEqual(0, forced.ExitCode, forced.Stderr);
        Assert.AreEqual((byte)'{', File.ReadAllBytes(onnx)[8], "safetensors, as --format says");
        Assert.AreEqual(1, missingFolder.ExitCode);
        StringAssert.Contains(missingFolder.Stderr, $"Cannot write '{Path.Combine(dir, "no", "such", "w.pt")}': the folder '{Path.Combine(dir, "no", "such")}' does not exist.");
    }

    [TestMethod]
    public void List_WithAnUnknownKindOrScope_IsAnError_NamingThem_AndAPluralKindIsTheKind()
    {
        var plural = HostTester.Run("list", "--kind", "metrics");
        var unknownKind = HostTester.Run("list", "--kind", "metricz");
        var unknownScope = HostTester.Run("list", "--scope", "nosuch");

        Assert.AreEqual(0, plural.ExitCode, plural.Stderr);
        StringAssert.Contains(plural.Stdout, "metric             Accuracy");
        Refusal.AssertOneLine(unknownKind, "--kind: 'metricz' is not a kind of component.");
        StringAssert.Contains(unknownKind.Stderr, "the kinds are: data_preprocessor, data_sampler,");
        Refusal.AssertOneLine(unknownScope, "--scope: 'nosuch' is not a scope.");
        StringAssert.Contains(unknownScope.Stderr, "the scopes are: digits, runner, toy, vision.");
        Assert.AreEqual("", unknownKind.Stdout + unknownScope.Stdout, "nothing printed before the error");
    }

    [TestMethod]
    public void UnknownScope_SuggestsLoadingThePlugin()
    {
        var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig, "--cfg-options", "default_scope=\"mylab\"");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "is the plugin that provides 'mylab' loaded? Pass --plugins DIR");
    }

    /// <summary>runner-host as its own process, with OpenMP's wait settings cleared and then <paramref name="name"/> set; its standard output.</summary>
    private static string RunWithEnvironment(string name, string? value, params string[] args)
    {
        var result = HostTester.RunProcessWith(new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null, [name] = value }, args);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        return result.Stdout;
    }

    [TestMethod]
    public void OpenMpThreads_SpinBriefly_UnlessTheUserChose()
    {
        string[] job = ["test", "--config", TestEnvironment.ToyConfig, "--work-dir", Trained(), "--verbose"];

        StringAssert.Contains(RunWithEnvironment("GOMP_SPINCOUNT", null, job), "OpenMP wait: GOMP_SPINCOUNT=1000 (Runner's default");
        StringAssert.Contains(RunWithEnvironment("OMP_WAIT_POLICY", "ACTIVE", job), "OpenMP wait: OMP_WAIT_POLICY=ACTIVE (yours)");
    }

    [TestMethod]
    public void FastDevRun_RunsOneBatchOfEveryLoop_InAScratchWorkDir_ThatIsRemoved_AndSaysItPassed()
    {
        var result = HostTester.Run("--config", TestEnvironment.ToyConfig, "--fast-dev-run");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var scratch = System.Text.RegularExpressions.Regex.Match(result.Stdout, @"Fast dev run: 1 batch\(es\) per loop, in a scratch work_dir removed at the end \((.+)\)").Groups[1].Value;
        Assert.AreNotEqual("", scratch, result.Stdout);
        Assert.IsFalse(Directory.Exists(scratch), "the scratch work dir (and its checkpoint) is gone");
        StringAssert.Contains(result.Stdout, "Fast dev run passed: every loop of the config ran 1 batch(es) without an error.");
        StringAssert.Contains(result.Stdout, "Epoch(train) [1][1/1]");
        StringAssert.Contains(result.Stdout, "Epoch(val) [1][1/1]");
        StringAssert.Contains(result.Stdout, "Epoch(test) [1/1]");
        Assert.IsFalse(result.Stdout.Contains("Epoch(train) [2]", StringComparison.Ordinal));
    }

    [TestMethod]
    public void FastDevRun_RefusesALoopValueItWouldReplace_AsTheRealRunWould()
    {
        // The fast dev run sets val_interval and max_epochs itself; the ones written must still be ones a real run takes.
        var config = Path.Combine(TestEnvironment.NewTempDir("fast-dev-run-check"), "job.toml");
        File.WriteAllText(config, $"_base_ = [\"{TestEnvironment.ToyConfig}\"]\ntrain_cfg = {{ max_epochs = {{}} }}\n");

        var fromFile = HostTester.Run("--config", config, "--fast-dev-run");
        var fromOption = HostTester.Run("--config", TestEnvironment.ToyConfig, "--fast-dev-run", "--cfg-options", "train_cfg.val_interval=0");

        Refusal.AssertOneLine(fromFile, "job.toml(2,", "train_cfg.max_epochs: expected an integer, got a table.");
        Refusal.AssertOneLine(fromOption, "--cfg-options: train_cfg.val_interval: must be at least 1, got the integer 0.");
        Assert.IsFalse((fromFile.Stdout + fromOption.Stdout).Contains("Fast dev run passed", StringComparison.Ordinal));
    }

    [TestMethod]
    public void TheDefaultJob_PrintsAShortHead_AndASummary_WhileTheLogKeepsEverything()
    {
        var workDir = TestEnvironment.NewTempDir("short-console");
        var verboseDir = TestEnvironment.NewTempDir("verbose-console");

        var result = HostTester.Run("--config", TestEnvironment.DigitsConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=2");
        var verbose = HostTester.Run("train", "--config", TestEnvironment.DigitsConfig, "--work-dir", verboseDir, "--cfg-options", "train_cfg.max_epochs=1", "--verbose");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var lines = result.Stdout.Split('\n');
        var firstTrain = Array.FindIndex(lines, l => l.Contains("Epoch(train)", StringComparison.Ordinal));
        Assert.IsLessThanOrEqualTo(30, firstTrain, "lines before the first training line:\n" + string.Join('\n', lines.Take(firstTrain)));
        StringAssert.Contains(result.Stdout, "Runner 2.0.0 · runner.toml · device cpu · libtorch 2.10.0 · 1 process · seed 0");
        StringAssert.Matches(result.Stdout, new System.Text.RegularExpressions.Regex(@"Summary of the run:\n\s+metric\s+last\s+best\n\s+val/accuracy/top1\s+[0-9.]+\s+[0-9.]+\n\s+test/accuracy/top1"));
        StringAssert.Contains(result.Stdout, $"    log:         {RunRecords.LogDirs(workDir).Single()}");
        StringAssert.Contains(result.Stdout, $"    checkpoint:  {Path.Combine(workDir, "epoch_2.ckpt")}");
        var log = string.Join('\n', RunRecords.LogLines(workDir));
        foreach (var record in new[] { "System environment:", "Runtime environment:", "Config:", "before_run:", "Summary of the run:" })
            StringAssert.Contains(log, record, "the log file keeps what MMEngine's does");
        StringAssert.Contains(verbose.Stdout, "System environment:", "--verbose prints the long records too");
    }

    [TestMethod]
    public void HostRuns_LeaveNothingInTheTempFolder()
    {
        // The runtime's debugger pipes (skipped by the quick exit), a fast dev run's work dir, the plots' fonts: none stays.
        var temp = TestEnvironment.NewTempDir("empty-temp");
        var cache = TestEnvironment.NewTempDir("cache");
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = temp, ["XDG_CACHE_HOME"] = cache };

        var fastDevRun = HostTester.RunProcessWith(environment, "--config", TestEnvironment.ToyConfig, "--fast-dev-run");
        var list = HostTester.RunProcessWith(environment, "list");

        Assert.AreEqual(0, fastDevRun.ExitCode, fastDevRun.Stderr);
        Assert.AreEqual(0, list.ExitCode, list.Stderr);
        CollectionAssert.AreEquivalent(Array.Empty<string>(), Directory.GetFileSystemEntries(temp).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void AmpAndAutoScaleLr_AsOnMmenginesTrainPy()
    {
        var workDir = TestEnvironment.NewTempDir("flags");

        var amp = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--amp", "--fast-dev-run", "2", "--verbose");
        var noBase = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--auto-scale-lr");
        var scaled = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--auto-scale-lr", "--fast-dev-run",
            "--cfg-options", "auto_scale_lr.base_batch_size=64");

        Assert.AreEqual(0, amp.ExitCode, amp.Stderr);
        StringAssert.Contains(amp.Stdout, "type = \"AmpOptimWrapper\"");
        Assert.AreEqual(1, noBase.ExitCode);
        StringAssert.Contains(noBase.Stderr, "--auto-scale-lr needs the batch size the learning rate was tuned for.");
        Assert.AreEqual(0, scaled.ExitCode, scaled.Stderr);
        StringAssert.Contains(scaled.Stdout, "LR is set based on batch size of 64 and the current batch size is 32. Scaling the original LR by 0.5.");
    }

    private static List<System.Text.Json.JsonElement> JsonLines(string path) =>
        File.ReadAllLines(path).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement).ToList();

    [TestMethod]
    public void TestOut_WritesEveryPrediction_ThatTheMetricCounted()
    {
        var dir = TestEnvironment.NewTempDir("out");
        var results = Path.Combine(dir, "predictions.jsonl");

        var result = HostTester.Run("test", "--config", TestEnvironment.ToyConfig, "--work-dir", Path.Combine(dir, "work"), "--checkpoint", Trained(), "--out", results);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, $"Wrote the predictions to {results}.");
        var rows = JsonLines(results);
        Assert.HasCount(1024, rows);
        CollectionAssert.AreEqual(Enumerable.Range(0, rows.Count).ToList(), rows.Select(r => r.GetProperty("sample_idx").GetInt32()).ToList(), "the test loader does not shuffle");
        Assert.AreEqual(10, rows[0].GetProperty("scores").GetArrayLength());
        Assert.AreEqual(1.0, rows[0].GetProperty("pred_score").EnumerateArray().Sum(p => p.GetDouble()), 1e-5, "probabilities");
        Assert.AreEqual(System.Text.Json.JsonValueKind.Number, rows[0].GetProperty("pred_label").ValueKind);
        Assert.IsFalse(rows[0].GetProperty("pred_label").GetRawText().Contains('.', StringComparison.Ordinal), "a class index is written as an integer");
        var correct = rows.Count(r => r.GetProperty("pred_label").GetInt64() == r.GetProperty("gt_label").GetInt64());
        Assert.AreEqual(RunRecords.TestMetrics(Path.Combine(dir, "work"))["accuracy/top1"], 100.0 * correct / rows.Count, 1e-9);
    }

    [TestMethod]
    public void Predict_WritesPredictions_WithoutAMetric()
    {
        var dir = TestEnvironment.NewTempDir("predict");
        var results = Path.Combine(dir, "predictions.jsonl");

        var result = HostTester.Run("predict", "--config", TestEnvironment.ToyConfig, "--work-dir", Path.Combine(dir, "work"), "--checkpoint", Trained(), "--out", results);
        var withoutOut = HostTester.Run("predict", "--config", TestEnvironment.ToyConfig, "--checkpoint", Trained());

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, $"Wrote the predictions to {results}.");
        Assert.IsFalse(result.Stdout.Contains("accuracy", StringComparison.Ordinal));
        Assert.HasCount(1024, JsonLines(results));
        Assert.AreEqual(1, withoutOut.ExitCode);
        StringAssert.Contains(withoutOut.Stderr, "Option '--out' is required.");
    }

    [TestMethod]
    public void ACommandLineThatDoesNotParse_GetsItsErrors_TheNearestName_AndWhereTheOptionsAre_NotTheWholeHelp()
    {
        var misspelt = HostTester.Run("train", "--confg", TestEnvironment.ToyConfig);
        var notANumber = HostTester.Run("--config", TestEnvironment.ToyConfig, "--fast-dev-run", "abc");
        var tooLarge = HostTester.Run("summary", "--config", TestEnvironment.ToyConfig, "--depth", "99999999999");

        Assert.AreEqual(1, misspelt.ExitCode);
        StringAssert.StartsWith(misspelt.Stderr, "error: Unrecognized command or argument '--confg'.");
        StringAssert.Contains(misspelt.Stderr, "  hint: did you mean --config? runner-host train --help lists the options.");
        Assert.AreEqual(1, notANumber.ExitCode);
        StringAssert.StartsWith(notANumber.Stderr, "error: --fast-dev-run: 'abc' is not a whole number.");
        Assert.AreEqual(1, tooLarge.ExitCode);
        StringAssert.StartsWith(tooLarge.Stderr, "error: --depth: 99999999999 is out of range (from -2147483648 to 2147483647).");
        StringAssert.Contains(tooLarge.Stderr, "  hint: runner-host summary --help lists the options.");
        foreach (var result in new[] { misspelt, notANumber, tooLarge })
        {
            Assert.IsFalse(result.Stderr.Contains("Usage:", StringComparison.Ordinal) || result.Stdout.Contains("Usage:", StringComparison.Ordinal), result.Stderr);
            Assert.IsFalse(result.Stderr.Contains("System.Int32", StringComparison.Ordinal), result.Stderr);
        }
    }

    [TestMethod]
    public void Help_SaysWhatNoCommandDoes()
    {
        StringAssert.Contains(HostTester.Run("--help").Stdout, "Without a command it trains, then tests when the config has a test loop");
    }
}
