using System.Text.Json;
using Runner.Sdk.Inference;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Inference;

/// <summary>The SDK's <see cref="Inferencer"/> on the vision-digits example's checkpoint: the same answers as <c>infer</c>, from many threads at once.</summary>
[TestClass]
public sealed class InferencerTests
{
    [TestMethod]
    public void Inferencer_GivesInfersProbabilities_FromEightThreadsAtOnce_ForPathsBytesAndStreams()
    {
        // Arrange: infer's records for the test images.
        var dir = TestEnvironment.NewTempDir("inferencer");
        var records = Path.Combine(dir, "infer.jsonl");
        var infer = HostTester.Run("infer", "--checkpoint", TrainedVisionDigits.Checkpoint, Path.Combine(TrainedVisionDigits.Data, "test"), "--out", records);
        Assert.AreEqual(0, infer.ExitCode, infer.Stderr);
        var expected = File.ReadAllLines(records).Select(line => JsonDocument.Parse(line).RootElement)
            .ToDictionary(r => r.GetProperty("img_path").GetString()!, r => r.GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToArray());
        var files = expected.Keys.Order(StringComparer.Ordinal).ToList();
        var warnings = new System.Collections.Concurrent.ConcurrentBag<string>();

        // Act: 8 threads, each predicting every image one at a time, by path, by bytes or by stream in turn.
        using var inferencer = Inferencer.FromCheckpoint(TrainedVisionDigits.Checkpoint, new InferencerOptions { Warn = warnings.Add });
        var answers = new Prediction[8][];
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            answers[t] = files.Select((file, i) => ((i + t) % 3) switch
            {
                0 => inferencer.Predict(file),
                1 => inferencer.Predict(File.ReadAllBytes(file), file),
                _ => PredictFromStream(inferencer, file),
            }).ToArray();
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => Assert.IsTrue(thread.Join(TimeSpan.FromMinutes(10)), "a thread did not finish"));

        // Assert
        Assert.IsEmpty(warnings, string.Join("; ", warnings));
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), inferencer.Classes!.ToList());
        for (var t = 0; t < 8; t++)
        {
            Assert.HasCount(files.Count, answers[t]);
            for (var i = 0; i < files.Count; i++)
            {
                var prediction = answers[t][i];
                Assert.AreEqual(files[i], prediction.Source);
                var probabilities = expected[files[i]];
                for (var c = 0; c < 10; c++) Assert.AreEqual(probabilities[c], prediction.Scores![c], 1e-6, $"thread {t}, {files[i]}, class {c}");
                Assert.AreEqual(Array.IndexOf(probabilities, probabilities.Max()), (int)prediction.Label!.Value);
                Assert.AreEqual(prediction.Label.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), prediction.ClassName);
                Assert.AreEqual(probabilities.Max(), prediction.Score!.Value, 1e-6);
                var top = prediction.TopK(3);
                Assert.AreEqual(prediction.Label, top[0].Label);
                Assert.IsTrue(top[0].Probability >= top[1].Probability && top[1].Probability >= top[2].Probability);
            }
        }
    }

    private static Prediction PredictFromStream(Inferencer inferencer, string file)
    {
        using var stream = File.OpenRead(file);
        return inferencer.Predict(stream, file);
    }

    [TestMethod]
    public void Inferencer_OnPreparedTensors_GivesWhatItGivesForTheFiles_AndRefusesAMissingFile()
    {
        using var inferencer = Inferencer.FromCheckpoint(TrainedVisionDigits.WorkDir, new InferencerOptions { Warn = _ => { } });
        var files = Directory.GetFiles(Path.Combine(TrainedVisionDigits.Data, "test", "5")).Order(StringComparer.Ordinal).Take(4).ToList();
        var fromFiles = inferencer.PredictBatch(files);

        // The pipeline's output for these files, by hand: the PNGs are already 32×32, and the pipeline packs them as uint8 [3, H, W].
        using var scope = NewDisposeScope();
        var decoded = files.Select(file => Runner.Tests.Vision.VisionFixture.ReadPng(file)).ToArray();
        var fromTensors = inferencer.PredictBatch(stack(decoded));
        var one = inferencer.Predict(decoded[0]);
        var missing = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => inferencer.Predict(Path.Combine(TrainedVisionDigits.Data, "nothing.png")));

        Assert.HasCount(4, fromTensors);
        for (var i = 0; i < 4; i++)
        {
            Assert.AreEqual($"tensor[{i}]", fromTensors[i].Source);
            for (var c = 0; c < 10; c++) Assert.AreEqual(fromFiles[i].Scores![c], fromTensors[i].Scores![c], 1e-6);
        }
        for (var c = 0; c < 10; c++) Assert.AreEqual(fromFiles[0].Scores![c], one.Scores![c], 1e-6);
        StringAssert.Contains(missing.Message, "nothing.png' does not exist");
    }

    [TestMethod]
    public void Inferencer_OnAModelWithoutFiles_TakesTensors_AndAgreesWithPredict()
    {
        // Arrange: the toy job (a dataset of tensors, no file reader), its predictions for the test set.
        var dir = TestEnvironment.NewTempDir("inferencer-toy");
        var records = Path.Combine(dir, "predict.jsonl");
        var predict = HostTester.Run("predict", "--config", TestEnvironment.ToyConfig, "--checkpoint", TrainedToy.WorkDir(1), "--work-dir", Path.Combine(dir, "work"), "--out", records);
        Assert.AreEqual(0, predict.ExitCode, predict.Stderr);
        var expected = File.ReadAllLines(records).Take(8).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var inputs = File.ReadAllBytes(Path.Combine(BuiltinPlugins.Folder, "Runner.Plugins.Toy", "data", "test_x.f32"));

        // Act: the first 8 test samples as one batch of prepared inputs, and a file, which this model cannot read.
        using var inferencer = Inferencer.FromCheckpoint(TrainedToy.WorkDir(1), new InferencerOptions { Warn = _ => { } });
        using var scope = NewDisposeScope();
        var batch = tensor(Enumerable.Range(0, 8 * 32).Select(i => BitConverter.ToSingle(inputs, 4 * i)).ToArray()).view(8, 32);
        var predictions = inferencer.PredictBatch(batch);
        var file = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => inferencer.Predict(records));

        // Assert
        Assert.HasCount(10, inferencer.Classes!, "the checkpoint's dataset_meta");
        for (var i = 0; i < 8; i++)
        {
            Assert.AreEqual(expected[i].GetProperty("pred_label").GetInt64(), predictions[i].Label);
            Assert.AreEqual(expected[i].GetProperty("pred_class").GetString(), predictions[i].ClassName);
            var theirs = expected[i].GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToList();
            for (var c = 0; c < 10; c++) Assert.AreEqual(theirs[c], predictions[i].Scores![c], 1e-6);
            Assert.IsTrue(predictions[i].Record.ContainsKey("scores"), "the model's own outputs stay in the record");
        }
        StringAssert.Contains(file.Message, "cannot be prepared: the test dataset, ToyDataset, makes its samples from its own data and has no pipeline: nothing reads an input file.");
    }
}
