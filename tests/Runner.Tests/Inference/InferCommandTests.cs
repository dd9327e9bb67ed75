using System.Text.Json;
using Runner.Tests.Support;

namespace Runner.Tests.Inference;

/// <summary><c>runner-host infer</c> on the vision-digits example's checkpoint and images.</summary>
[TestClass]
public sealed class InferCommandTests
{
    private static List<JsonElement> JsonLines(string path) =>
        File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement).ToList();

    [TestMethod]
    public void Infer_OnTheTestFolder_ShowsARowPerImage_AndWritesRecords_ThatAgreeWithPredict()
    {
        // Arrange
        var dir = TestEnvironment.NewTempDir("infer");
        var test = Path.Combine(TrainedVisionDigits.Data, "test");
        var inferred = Path.Combine(dir, "infer.jsonl");
        var predicted = Path.Combine(dir, "predict.jsonl");

        // Act
        var infer = HostTester.Run("infer", "--checkpoint", TrainedVisionDigits.Checkpoint, test, "--topk", "3", "--out", inferred);
        var predict = HostTester.Run(["predict", "--config", Path.Combine(TestEnvironment.RepoRoot, "configs", "vision-digits.toml"), "--checkpoint", TrainedVisionDigits.Checkpoint,
            "--work-dir", Path.Combine(dir, "work"), "--out", predicted, "--cfg-options", .. TrainedVisionDigits.CfgOptions]);

        // Assert: the console's table, a row per image with its class and probability.
        Assert.AreEqual(0, infer.ExitCode, infer.Stderr);
        Assert.AreEqual(0, predict.ExitCode, predict.Stderr);
        var rows = infer.Stdout.Split('\n').Where(line => line.Contains(".png", StringComparison.Ordinal)).ToList();
        Assert.HasCount(270, rows);
        StringAssert.Matches(rows[0], new System.Text.RegularExpressions.Regex(@"^\S+/test/0/\d{4}\.png\s+0\s+[01]\.\d{4}\s+0 [01]\.\d{4}  \d [01]\.\d{4}  \d [01]\.\d{4}$"));
        StringAssert.Contains(infer.Stdout, $"Predicted 270 input(s), skipped 0, in ");
        StringAssert.Contains(infer.Stdout, $"wrote the records to {inferred}.");

        // The records: mmpretrain's fields, probabilities that sum to 1, the same classes as predict's for the same files.
        var records = JsonLines(inferred);
        Assert.HasCount(270, records);
        foreach (var record in records)
        {
            var label = record.GetProperty("pred_label").GetInt64();
            Assert.AreEqual(label.ToString(System.Globalization.CultureInfo.InvariantCulture), record.GetProperty("pred_class").GetString(), "the digits' class names are the digits");
            var scores = record.GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToList();
            Assert.HasCount(10, scores);
            Assert.AreEqual(1.0, scores.Sum(), 1e-5);
            Assert.AreEqual(scores.IndexOf(scores.Max()), (int)label);
        }
        var byFile = JsonLines(predicted).ToDictionary(r => Path.GetFullPath(r.GetProperty("img_path").GetString()!), r => r);
        Assert.HasCount(270, byFile);
        foreach (var record in records)
        {
            var same = byFile[record.GetProperty("img_path").GetString()!];
            Assert.AreEqual(same.GetProperty("pred_label").GetInt64(), record.GetProperty("pred_label").GetInt64());
            var theirs = same.GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToList();
            var ours = record.GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToList();
            for (var c = 0; c < 10; c++) Assert.AreEqual(theirs[c], ours[c], 1e-6);
        }
        Assert.IsTrue(byFile.Values.All(r => r.TryGetProperty("gt_label", out _) && r.TryGetProperty("sample_idx", out _)), "predict's records also carry the truth and the sample's index");
    }

    [TestMethod]
    public void Infer_NamesAndSkipsWhatItCannotRead_AndCountsThem_WhileGlobsAndFilesWork()
    {
        var dir = TestEnvironment.NewTempDir("infer-skip");
        var notAnImage = Path.Combine(dir, "note.png");
        File.WriteAllText(notAnImage, "not an image");
        var missing = Path.Combine(dir, "missing.png");
        var glob = Path.Combine(TrainedVisionDigits.Data, "test", "3", "*.png");
        var oneFile = Directory.GetFiles(Path.Combine(TrainedVisionDigits.Data, "test", "7")).Order(StringComparer.Ordinal).First();

        var result = HostTester.Run("infer", "--checkpoint", TrainedVisionDigits.WorkDir, glob, notAnImage, missing, oneFile, "--batch-size", "4");
        var nothing = HostTester.Run("infer", "--checkpoint", TrainedVisionDigits.WorkDir, missing);
        var badBatch = HostTester.Run("infer", "--checkpoint", TrainedVisionDigits.WorkDir, oneFile, "--batch-size", "0");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var threes = Directory.GetFiles(Path.Combine(TrainedVisionDigits.Data, "test", "3"), "*.png").Length;
        StringAssert.Contains(result.Stdout, $"Predicted {threes + 1} input(s), skipped 2, in ");
        StringAssert.Contains(result.Stderr, $"skipped {missing}: no such file or folder.");
        StringAssert.Contains(result.Stderr, $"skipped {notAnImage}: ");
        StringAssert.Contains(result.Stderr, "is not an image SkiaSharp can read");
        Assert.IsFalse(result.Stderr.Contains("   at ", StringComparison.Ordinal));
        Assert.AreEqual(1, nothing.ExitCode);
        StringAssert.Contains(nothing.Stdout, "Predicted 0 input(s), skipped 1");
        Assert.AreEqual(1, badBatch.ExitCode);
        StringAssert.Contains(badBatch.Stderr, "--batch-size: must be from 1 to 65536, got 0.");
    }

    [TestMethod]
    public void Infer_WithTheDefaultJobsModel_ReadsDigitImages_AsTheSamplesTheyWereMadeFrom()
    {
        // Arrange: the default job (the digits CNN, whose dataset reads a CSV), and its test split as 8×8 PNGs (exact up
        // to rounding to bytes) and as the default 32×32 PNGs (upscaled smoothly, as the vision example reads them).
        var dir = TestEnvironment.NewTempDir("infer-digits");
        var work = Path.Combine(dir, "work");
        var exact = Path.Combine(dir, "png8");
        var note = Path.Combine(dir, "note.png");
        File.WriteAllText(note, "not an image");
        var train = HostTester.Run("train", "--config", TestEnvironment.DigitsConfig, "--work-dir", work, "--cfg-options", "train_cfg.max_epochs=3");
        var written = HostTester.Run("data", "digits-to-folder", exact, "--size", "8");
        Assert.AreEqual(0, train.ExitCode, train.Stderr);
        Assert.AreEqual(0, written.ExitCode, written.Stderr);

        // Act
        var predict = HostTester.Run("predict", "--config", TestEnvironment.DigitsConfig, "--checkpoint", work, "--work-dir", Path.Combine(dir, "predict"), "--out", Path.Combine(dir, "predict.jsonl"));
        var fromExact = HostTester.Run("infer", "--checkpoint", work, Path.Combine(exact, "test"), note, "--out", Path.Combine(dir, "exact.jsonl"));
        var fromUpscaled = HostTester.Run("infer", "--checkpoint", work, Path.Combine(TrainedVisionDigits.Data, "test"), "--out", Path.Combine(dir, "upscaled.jsonl"));

        // Assert: each image's prediction against predict's for the sample it was written from (its file name is its index).
        Assert.AreEqual(0, predict.ExitCode, predict.Stderr);
        Assert.AreEqual(0, fromExact.ExitCode, fromExact.Stderr);
        Assert.AreEqual(0, fromUpscaled.ExitCode, fromUpscaled.Stderr);
        StringAssert.Contains(fromExact.Stdout, "Predicted 270 input(s), skipped 1, in ");
        StringAssert.Contains(fromExact.Stderr, $"skipped {note}: ");
        StringAssert.Contains(fromExact.Stderr, "is not an image SkiaSharp can read");
        var bySample = JsonLines(Path.Combine(dir, "predict.jsonl")).ToDictionary(r => r.GetProperty("sample_idx").GetInt64());
        (int Same, double LargestScoreGap) Compare(string records)
        {
            var (same, gap) = (0, 0.0);
            foreach (var record in JsonLines(records))
            {
                var theirs = bySample[long.Parse(Path.GetFileNameWithoutExtension(record.GetProperty("img_path").GetString()!), System.Globalization.CultureInfo.InvariantCulture)];
                if (theirs.GetProperty("pred_label").GetInt64() == record.GetProperty("pred_label").GetInt64()) same++;
                var scores = theirs.GetProperty("pred_score").EnumerateArray().Zip(record.GetProperty("pred_score").EnumerateArray());
                gap = Math.Max(gap, scores.Max(pair => Math.Abs(pair.First.GetDouble() - pair.Second.GetDouble())));
            }
            return (same, gap);
        }
        var (exactSame, exactGap) = Compare(Path.Combine(dir, "exact.jsonl"));
        var (upscaledSame, _) = Compare(Path.Combine(dir, "upscaled.jsonl"));
        Assert.AreEqual(270, exactSame, "8×8 images are the samples, to a byte's rounding");
        Assert.IsLessThan(0.02, exactGap, "the probabilities differ by the rounding of pixels to bytes only");
        Assert.IsGreaterThanOrEqualTo(256, upscaledSame, "at least 95 % of the upscaled images get their sample's class");
    }

    [TestMethod]
    public void Infer_WithAModelWhoseDatasetReadsNoFiles_SaysSoOnce_AndHowToPredictItsTestSet()
    {
        var file = Path.Combine(TestEnvironment.NewTempDir("infer-no-reader"), "digit.png");
        File.WriteAllText(file, "an input the toy job's dataset cannot read");

        var result = HostTester.Run("infer", "--checkpoint", TrainedToy.WorkDir(1), file, file);

        var error = Refusal.AssertOneLine(result, "infer reads files, and the test dataset, ToyDataset, makes its samples from its own data and has no pipeline");
        StringAssert.Contains(result.Stderr, "hint: for files, train a model whose test dataset reads them");
        StringAssert.Contains(result.Stderr, "runner-host predict --config CONFIG --checkpoint ");
        Assert.IsFalse(result.Stderr.Contains("skipped", StringComparison.Ordinal), error);
    }
}
