using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Runner.Bench;

/// <summary>
/// The toy job written by hand with TorchSharp, doing the work the runner does for configs/toy.toml: seed 0, the
/// MLP, SGD with momentum, MultiStepLR at epochs 1 and 2, shuffled batches of 32 from the same sampler order, a log
/// line every 50 iterations, validation and a checkpoint (weights and optimizer state) after each epoch.
/// </summary>
internal static class RawToyLoop
{
    public static double Run(string dataDir, string outDir, Action<string>? mark = null)
    {
        mark?.Invoke("start");
        var (trainX, trainY) = Load(dataDir, "train");
        var (valX, valY) = Load(dataDir, "val");
        mark?.Invoke("data loaded");
        manual_seed(0);
        var model = Sequential(Linear(32, 64), ReLU(), Linear(64, 64), ReLU(), Linear(64, 10));
        var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        using var log = new StreamWriter(Path.Combine(outDir, "raw.log"));
        double accuracy = 0;
        for (var epoch = 0; epoch < 3; epoch++)
        {
            mark?.Invoke("epoch start");
            model.train();
            using var generator = new Generator((ulong)epoch);
            var order = randperm(4096, generator: generator).data<long>().ToArray();
            for (var b = 0; b < 128; b++)
            {
                using var scope = NewDisposeScope();
                using var index = tensor(order[(b * 32)..((b + 1) * 32)]);
                var x = trainX.index_select(0, index);
                var y = trainY.index_select(0, index);
                var loss = functional.cross_entropy(model.forward(x), y);
                loss.backward();
                optimizer.step();
                optimizer.zero_grad();
                var value = loss.item<float>();
                mark?.Invoke("iter done");
                if ((b + 1) % 50 == 0)
                    log.WriteLine($"Epoch(train) [{epoch + 1}][{b + 1}/128]  lr: {optimizer.ParamGroups.First().LearningRate:e4}  loss: {value.ToString("F4", CultureInfo.InvariantCulture)}");
            }
            mark?.Invoke("epoch trained");
            if (epoch is 0 or 1) optimizer.ParamGroups.First().LearningRate *= 0.1;
            // A checkpoint one can resume from holds the optimizer state too, as the runner's does.
            model.save(Path.Combine(outDir, $"raw_epoch_{epoch + 1}.bin"));
            ((OptimizerHelper)optimizer).save_state_dict(Path.Combine(outDir, $"raw_epoch_{epoch + 1}.optim"));
            mark?.Invoke("checkpoint saved");
            model.eval();
            long correct = 0;
            using (no_grad())
            {
                for (var b = 0; b < 32; b++)
                {
                    using var scope = NewDisposeScope();
                    var x = valX[(b * 32)..((b + 1) * 32)];
                    var y = valY[(b * 32)..((b + 1) * 32)];
                    correct += model.forward(x).argmax(1).eq(y).sum().item<long>();
                }
            }
            accuracy = 100.0 * correct / 1024;
            mark?.Invoke("validated");
            log.WriteLine($"Epoch(val) [{epoch + 1}][32/32]    accuracy/top1: {accuracy.ToString("F4", CultureInfo.InvariantCulture)}");
        }
        mark?.Invoke("end");
        model.Dispose();
        optimizer.Dispose();
        return accuracy;
    }

    private static (Tensor X, Tensor Y) Load(string dir, string split)
    {
        var x = File.ReadAllBytes(Path.Combine(dir, $"{split}_x.f32"));
        var y = File.ReadAllBytes(Path.Combine(dir, $"{split}_y.i64"));
        var tx = empty([x.Length / 128, 32], ScalarType.Float32);
        var ty = empty([y.Length / 8], ScalarType.Int64);
        x.CopyTo(tx.bytes);
        y.CopyTo(ty.bytes);
        return (tx, ty);
    }
}
