using Runner.Sdk.Distributed;
using Runner.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Tests.Distributed;

/// <summary>What the data-parallel role asks of the ranks: bucketed gradient all-reduces, unused parameters, buffers, logged values.</summary>
[TestClass]
public sealed class DataParallelUnitTests
{
    private sealed class TwoLayers : nn.Module
    {
        private readonly TorchSharp.Modules.Linear first = nn.Linear(100, 50);
        private readonly TorchSharp.Modules.Linear second = nn.Linear(50, 10);
        private readonly TorchSharp.Modules.BatchNorm1d norm = nn.BatchNorm1d(10);

        public TwoLayers() : base(nameof(TwoLayers)) => RegisterComponents();

        public Tensor Forward(Tensor x, bool useSecond) => useSecond ? norm.forward(second.forward(first.forward(x))) : first.forward(x).sum(1, keepdim: true);
    }

    [TestMethod]
    public void GradientTime_IsToldApart_IntoWaitingCopiesAndTransfer()
    {
        // Arrange: two buckets, one of them a parameter averaged in place (no copies).
        using var model = new TwoLayers();
        model.Forward(randn(4, 100), useSecond: true).sum().backward();
        var world = new FakeWorld(0, 2);
        var parallel = new DataParallel(world, model, new ModelWrapperSettings(bucketCapMb: 8.0 / 1024));

        // Act: three steps.
        for (var step = 0; step < 3; step++) parallel.AverageGradients(model.parameters().ToList());

        // Assert: one arrival call per step before the buckets' calls, and the three parts within the whole.
        Assert.AreEqual(3, world.Calls.Count(c => c.Contains("the ranks' arrival", StringComparison.Ordinal)));
        Assert.AreEqual(6, parallel.GradientReductions);
        Assert.AreEqual(3, parallel.Averagings);
        Assert.IsTrue(parallel.WaitTime > TimeSpan.Zero && parallel.CopyTime > TimeSpan.Zero && parallel.TransferTime > TimeSpan.Zero,
            $"wait {parallel.WaitTime}, copies {parallel.CopyTime}, transfer {parallel.TransferTime}");
        Assert.IsTrue(parallel.WaitTime + parallel.CopyTime + parallel.TransferTime <= parallel.GradientTime,
            $"the parts ({parallel.WaitTime + parallel.CopyTime + parallel.TransferTime}) exceed the whole ({parallel.GradientTime})");
    }

    [TestMethod]
    public void Gradients_GoInBucketsOfTheCap_OneCallEach_AndKeepTheirValues()
    {
        // Arrange: buckets of at most 8 KB (2,048 floats), filled from the last layer back: norm, second and first.bias
        // (580 floats) share one; first.weight (5,000) is too big for any and gets its own.
        using var model = new TwoLayers();
        model.Forward(randn(4, 100), useSecond: true).sum().backward();
        var before = model.parameters().Select(p => p.grad!.clone()).ToList();
        var world = new FakeWorld(0, 2);
        var parallel = new DataParallel(world, model, new ModelWrapperSettings(bucketCapMb: 8.0 / 1024));

        // Act
        parallel.AverageGradients(model.parameters().ToList());

        // Assert
        var gradientCalls = world.Calls.Count(c => c.Contains("gradient all-reduce", StringComparison.Ordinal));
        Assert.AreEqual(parallel.GradientReductions, gradientCalls);
        Assert.AreEqual(2, gradientCalls, "two buckets, one call each (not one per parameter: 6)");
        foreach (var (expected, actual) in before.Zip(model.parameters().Select(p => p.grad!)))
            Assert.IsTrue(expected.allclose(actual), "a mean over ranks holding the same gradients leaves them unchanged");
        using var alone = model.named_parameters().First(p => p.name == "first.weight").parameter.grad!;
        CollectionAssert.Contains(world.AllReducedData, FakeWorld.DataOf(alone), "the parameter alone in its bucket is averaged in place, not copied");
    }

    [TestMethod]
    public void ParameterWithoutGradient_IsAnErrorNamingIt_UnlessUnusedParametersAreAllowed()
    {
        // Arrange: the second layer takes no part in this forward pass.
        using var model = new TwoLayers();
        model.Forward(randn(4, 100), useSecond: false).sum().backward();
        var parameters = model.parameters().ToList();

        // Act
        var strict = Assert.ThrowsExactly<DistributedException>(() =>
            new DataParallel(new FakeWorld(0, 2), model, new ModelWrapperSettings()).AverageGradients(parameters));
        new DataParallel(new FakeWorld(0, 2), model, new ModelWrapperSettings(findUnusedParameters: true)).AverageGradients(parameters);

        // Assert: named, with the fix; allowed, the unused parameters keep no gradient (no rank used them).
        StringAssert.Contains(strict.Message, "parameter 'norm.bias' got no gradient this iteration");
        StringAssert.Contains(strict.Message, "find_unused_parameters = true");
        Assert.IsNull(model.named_parameters().First(p => p.name == "second.weight").parameter.grad);
        Assert.IsNotNull(model.named_parameters().First(p => p.name == "first.weight").parameter.grad);
    }

    [TestMethod]
    public void Buffers_FloatingPointOnesAreAveraged()
    {
        using var model = new TwoLayers();
        var world = new FakeWorld(1, 2);

        var averaged = DataParallel.AverageBuffers(world, model);

        Assert.AreEqual(2, averaged, "running_mean and running_var; num_batches_tracked is an integer, the same on every rank");
        Assert.IsTrue(world.Calls.All(c => c.StartsWith("AllReduce Mean", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void LoggedValues_AreTheMeanOverTheRanks_InOneCall()
    {
        using var model = new TwoLayers();
        var world = new FakeWorld(0, 2);
        var parallel = new DataParallel(world, model, new ModelWrapperSettings());

        var averaged = parallel.AverageLogVars(new Dictionary<string, double> { ["loss"] = 1.5, ["loss_cls"] = 0.5 });

        Assert.AreEqual(1.5, averaged["loss"]);
        Assert.AreEqual(0.5, averaged["loss_cls"]);
        Assert.HasCount(1, world.Calls);
    }

    [TestMethod]
    public void ModelWrapperSettings_RefuseWhatCannotBeHonoured()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new ModelWrapperSettings(type: "MMFullyShardedDataParallel"));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelWrapperSettings(broadcastBuffers: true));
    }
}
