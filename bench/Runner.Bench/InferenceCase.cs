using Runner.Host;
using Runner.Sdk.Data;
using Runner.Sdk.Inference;
using Runner.Sdk.Models;
using static TorchSharp.torch;

namespace Runner.Bench;

/// <summary>
/// Case 9 (issue 25): inference with a trained ResNet-18 of configs/vision-digits.toml. The <see cref="Inferencer"/>
/// on prepared 224×224 tensors, batch 1 and batch 32, against a hand-written forward of the same model on the same
/// tensors (normalise, forward, softmax: what the inferencer adds is the data preprocessor's batch, the record and
/// the typed result); and <c>runner-host infer</c> over the digits' 1,257 training PNGs against
/// <c>runner-host predict</c> over the same images, whole commands (loading included), in-process.
/// </summary>
internal sealed class InferenceCase(string repo, string scratch, int repetitions)
{
    private string Config => Path.Combine(repo, "configs", "vision-digits.toml");

    public IEnumerable<Figure> Run()
    {
        var data = Path.Combine(scratch, "inference-digits");
        var workDir = Path.Combine(scratch, "inference-work");
        Check(HostApp.Run(["data", "digits-to-folder", data], TextWriter.Null, TextWriter.Null), "data digits-to-folder");
        string[] folders = [$"train_dataloader.dataset.data_root='{data}/train'", $"val_dataloader.dataset.data_root='{data}/val'", $"test_dataloader.dataset.data_root='{data}/test'"];
        Check(HostApp.Run(["train", "--config", Config, "--work-dir", workDir, "--cfg-options", .. folders, "train_cfg.max_epochs=1", "param_scheduler.1.end=1"], TextWriter.Null, TextWriter.Null), "train");

        using (var inferencer = Inferencer.FromCheckpoint(workDir, new InferencerOptions { PluginFolders = [], Warn = _ => { } }))
        {
            foreach (var batch in new[] { 1, 32 })
            {
                var (ours, reference) = ForwardTimes(inferencer, batch);
                var ratio = ours.MedianPairedRatio(reference);
                yield return new Figure("9 inference", $"Inferencer / hand-written forward, ResNet-18 224², batch {batch} (median of paired runs)", ratio, "×", "≤ 1.10", ratio <= 1.10,
                    $"Inferencer {batch / ours.Min:0.0} img/s, hand-written {batch / reference.Min:0.0} img/s (best of {ours.Seconds.Count})");
            }
        }

        var images = Path.Combine(data, "train");
        var count = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).Length;
        var infer = new List<double>();
        var predict = new List<double>();
        var records = Path.Combine(scratch, "inference-records.jsonl");
        for (var i = -1; i < Math.Min(repetitions, 5); i++)
        {
            var a = BenchmarkSuite.Time(() => Check(HostApp.Run(["infer", "--checkpoint", workDir, images, "--out", records], TextWriter.Null, TextWriter.Null), "infer"));
            var b = BenchmarkSuite.Time(() => Check(HostApp.Run(["predict", "--config", Config, "--checkpoint", workDir, "--work-dir", workDir, "--out", records,
                "--cfg-options", $"test_dataloader.dataset.data_root='{images}'"], TextWriter.Null, TextWriter.Null), "predict"));
            if (i < 0) continue; // the first round warms the file cache and the JIT
            infer.Add(a);
            predict.Add(b);
        }
        var throughput = new Timings(predict).MedianPairedRatio(new Timings(infer));
        yield return new Figure("9 inference", $"infer / predict throughput, {count} PNGs (median of paired runs)", throughput, "×", "≥ 0.8", throughput >= 0.8,
            $"infer {count / infer.Min():0} img/s, predict {count / predict.Min():0} img/s, whole commands in-process (loading included), best of {infer.Count}");
    }

    /// <summary>Interleaved timings of the inferencer and the hand-written forward on the same random 224² images.</summary>
    private (Timings Ours, Timings Reference) ForwardTimes(Inferencer inferencer, int batch)
    {
        var model = inferencer.Model;
        manual_seed(0);
        using var images = randint(0, 256, [batch, 3, 224, 224], dtype: ScalarType.Byte);
        using var mean = tensor(new float[] { 35, 35, 35 }).view(1, 3, 1, 1);
        using var std = tensor(new float[] { 75, 75, 75 }).view(1, 3, 1, 1);
        var ours = new List<double>();
        var reference = new List<double>();
        var rounds = batch == 1 ? 20 : 1; // batch 1 is timed over 20 calls, batch 32 over one
        for (var i = -1; i < Math.Max(repetitions, 5); i++)
        {
            var a = BenchmarkSuite.Time(() =>
            {
                for (var r = 0; r < rounds; r++) _ = inferencer.PredictBatch(images);
            });
            var b = BenchmarkSuite.Time(() =>
            {
                for (var r = 0; r < rounds; r++)
                {
                    using var scope = NewDisposeScope();
                    using var mode = inference_mode();
                    var normalized = (images.to_type(ScalarType.Float32) - mean) / std;
                    var logits = model.Forward(new DataBatch { [DataBatch.InputsKey] = normalized }, ForwardMode.Tensor).Tensor!;
                    _ = nn.functional.softmax(logits, 1).argmax(1).data<long>().ToArray();
                }
            });
            if (i < 0) continue; // warm-up
            ours.Add(a / rounds);
            reference.Add(b / rounds);
        }
        return (new Timings(ours), new Timings(reference));
    }

    private static void Check(int exitCode, string what)
    {
        if (exitCode != 0) throw new InvalidOperationException($"runner-host {what} failed (exit code {exitCode}).");
    }
}
