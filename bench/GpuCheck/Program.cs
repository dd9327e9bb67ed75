// gpu-check: ResNet-18 training steps (SGD with momentum, cross-entropy on random data) timed on one device, as
// bench/GpuCheck/gpu_check.py times them in PyTorch, so that the two print comparable lines:
//   gpu-check --libtorch DIR --device cuda --batch 64 --size 224 --steps 30 --repeats 5
// Prints: "torchsharp <device> batch <B> size <S>: min <ms> ms, median <ms> ms per step".
using System.Diagnostics;
using System.Globalization;
using Runner.Sdk.Hosting;
using TorchSharp;
using static TorchSharp.torch;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
int Number(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var deviceName = Option("device", "cuda");
RunnerProcess.PrepareNativeLibraries();
try
{
    foreach (var note in RunnerProcess.UseLibTorch(options.GetValueOrDefault("libtorch"), "--libtorch", needCuda: deviceName.StartsWith("cuda", StringComparison.Ordinal)))
        Console.Error.WriteLine($"note: {note}");
}
catch (Runner.Sdk.RunnerException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
var device = new Device(deviceName);
var (batch, size, steps, repeats) = (Number("batch", 64), Number("size", 224), Number("steps", 30), Number("repeats", 5));

manual_seed(0);
using var model = torchvision.models.resnet18(num_classes: 1000);
model.to(device);
model.train();
using var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
using var loss = nn.CrossEntropyLoss();
using var inputs = randn(batch, 3, size, size, device: device);
using var labels = randint(0, 1000, [batch], device: device);

void Step()
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    loss.forward(model.forward(inputs), labels).backward();
    optimizer.step();
}

void Synchronize()
{
    if (device.type == DeviceType.CUDA) cuda.synchronize();
}

for (var i = 0; i < 10; i++) Step(); // warm-up: cuDNN's choices, the caching allocator
Synchronize();
var perStep = new List<double>();
for (var r = 0; r < repeats; r++)
{
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < steps; i++) Step();
    Synchronize();
    perStep.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds / steps);
}
perStep.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"torchsharp {deviceName} batch {batch} size {size}: min {perStep[0]:0.00} ms, median {perStep[perStep.Count / 2]:0.00} ms per step"));
return 0;
