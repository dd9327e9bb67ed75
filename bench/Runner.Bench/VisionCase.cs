using Runner.Host;
using Runner.Sdk.Plugins;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Bench;

/// <summary>
/// Case 8 (issue 18): the image pipeline of configs/vision-digits.toml — PNG decoding (SkiaSharp), padded random crop,
/// colour jitter, packing — on the bundled digits written as 32×32 PNGs: images per second of the pipeline alone (on
/// the calling thread, and through the loader with 2 workers), and in training ResNet-18 (2 workers), where the goal
/// is that waiting for data stays under 10 % of the step.
/// </summary>
internal sealed class VisionCase(string repo, string scratch, int repetitions)
{
    private string Config => Path.Combine(repo, "configs", "vision-digits.toml");

    public IEnumerable<Figure> Run()
    {
        var data = Path.Combine(scratch, "digits-png");
        if (HostApp.Run(["data", "digits-to-folder", data], TextWriter.Null, TextWriter.Null) != 0)
            throw new InvalidOperationException("runner-host data digits-to-folder failed");
        var registries = new RegistryRoot();
        using var catalog = PluginCatalog.Load([(Path.Combine(AppContext.BaseDirectory, "plugins"), "bench")], registries);
        string[] folders = [$"train_dataloader.dataset.data_root='{data}/train'", $"val_dataloader.dataset.data_root='{data}/val'", $"test_dataloader.dataset.data_root='{data}/test'"];
        var cfg = ConfigLoader.Load(Config, folders);
        var table = (ConfigTable)((ConfigTable)cfg["train_dataloader"]!)["dataset"]!;
        var dataset = new ComponentBuilder(registries, "vision").Build<IDataset>(table)!;
        var indices = Enumerable.Range(0, (int)dataset.Count).Select(i => (long)i).ToArray();

        var alone = new List<double>();
        var loaded = new List<double>();
        for (var i = -1; i < Math.Min(repetitions, 5); i++)
        {
            var a = BenchmarkSuite.Time(() =>
            {
                foreach (var batch in indices.Chunk(64)) dataset.GetItems(batch, i + 1).Dispose();
            });
            var loader = new DataLoader(dataset, new DefaultSampler(dataset, shuffle: true, seed: 0), batchSize: 64, numWorkers: 2);
            var l = BenchmarkSuite.Time(() =>
            {
                foreach (var batch in loader) batch.Dispose();
            });
            if (i < 0) continue; // the first round warms the file cache and the JIT
            alone.Add(indices.Length / a);
            loaded.Add(indices.Length / l);
        }
        yield return new Figure("8 vision", "image pipeline alone, 1 thread (images/s, best)", alone.Max(), "img/s", "—", null,
            $"{indices.Length} PNGs 32×32: decode, padded random crop, colour jitter, pack; batches of 64; best of {alone.Count}");
        yield return new Figure("8 vision", "image pipeline through the loader, 2 workers (images/s, best)", loaded.Max(), "img/s", "—", null,
            $"the same, shuffled, num_workers = 2, prefetch 2; best of {loaded.Count}");

        var (dataTime, time) = BenchmarkSuite.TrainTimes(registries, Config, [.. folders, "train_cfg.max_epochs=3", "train_cfg.val_interval=100"], Path.Combine(scratch, "vision-train"));
        var share = dataTime.GlobalSum / time.GlobalSum;
        yield return new Figure("8 vision", "data_time / time, ResNet-18 32×32, 2 workers", share * 100, "%", "< 10 %", share < 0.10,
            $"{time.GlobalCount} iterations of 64 images: {64 * time.GlobalCount / time.GlobalSum:0} img/s in training, mean time {time.GlobalSum / time.GlobalCount * 1000:0} ms, " +
            $"mean data_time {dataTime.GlobalSum / dataTime.GlobalCount * 1000:0.0} ms");
    }
}
