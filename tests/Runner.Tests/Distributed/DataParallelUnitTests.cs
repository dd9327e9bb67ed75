using Runner.Sdk.Distributed;
using Runner.Tests.Support;
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
        var parallel = new DataParallel(world, model, model.parameters().ToList(), new ModelWrapperSettings(bucketCapMb: 8.0 / 1024));

        // Act: three steps.
        for (var step = 0; step < 3; step++) parallel.AverageGradients();

        // Assert: one arrival call per step before the buckets' calls, and the parts within the whole.
        Assert.AreEqual(3, world.Calls.Count(c => c.Contains("the ranks' arrival", StringComparison.Ordinal)));
        Assert.AreEqual(6, parallel.GradientReductions);
        Assert.AreEqual(3, parallel.Averagings);
        Assert.IsTrue(parallel.WaitTime > TimeSpan.Zero && parallel.TransferTime > TimeSpan.Zero, $"wait {parallel.WaitTime}, transfer {parallel.TransferTime}");
        Assert.IsTrue(parallel.CopyTime > TimeSpan.Zero, "the first step copies the gradients its backward made into the bucket");
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
        var parallel = new DataParallel(world, model, model.parameters().ToList(), new ModelWrapperSettings(bucketCapMb: 8.0 / 1024));

        // Act
        parallel.AverageGradients();

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
    public void Gradients_BecomeViewsOfTheirBucket_AfterTheFirstStep_SoLaterStepsCopyNothing()
    {
        // Arrange: one bucket for the three small parameters (second.*, norm.*, first.bias) and first.weight alone.
        using var model = new TwoLayers();
        var world = new FakeWorld(0, 2);
        var parallel = new DataParallel(world, model, model.parameters().ToList(), new ModelWrapperSettings(bucketCapMb: 8.0 / 1024));
        model.Forward(randn(4, 100), useSecond: true).sum().backward();
        parallel.AverageGradients();
        var copiesOfTheFirstStep = parallel.CopyTime;

        // Act: a second step, gradients zeroed in place as optimizers do.
        foreach (var parameter in model.parameters()) parameter.grad!.zero_();
        model.Forward(randn(4, 100), useSecond: true).sum().backward();
        parallel.AverageGradients();

        // Assert: the shared bucket is the same buffer both times, second.weight's gradient lies inside it, and the
        // second step copied nothing.
        var shared = world.AllReducedData.Where((_, i) => world.AllReducedValues[i].Length == 580).ToList();
        Assert.HasCount(2, shared);
        Assert.AreEqual(shared[0], shared[1]);
        using var secondWeight = model.named_parameters().First(p => p.name == "second.weight").parameter.grad!;
        var address = FakeWorld.DataOf(secondWeight);
        Assert.IsTrue(address >= shared[0] && address < shared[0] + 580 * 4, "second.weight's gradient is a view of its bucket");
        Assert.AreEqual(copiesOfTheFirstStep, parallel.CopyTime);
        CollectionAssert.AreEqual(world.AllReducedValues[^2], model.named_parameters().Where(p => p.name != "first.weight").Reverse()
            .SelectMany(p => p.parameter.grad!.data<float>().ToArray()).ToArray(), "what was averaged is the gradients backward left");
    }

    /// <summary>A three-layer MLP whose first layer may also scale by the last layer's weights (used outside the layer that owns them).</summary>
    private sealed class ThreeLayers : nn.Module
    {
        private readonly TorchSharp.Modules.Linear l1 = nn.Linear(8, 16);
        private readonly TorchSharp.Modules.Linear l2 = nn.Linear(16, 16);
        private readonly TorchSharp.Modules.Linear l3 = nn.Linear(16, 4);

        public ThreeLayers(bool borrowLastWeights) : base(nameof(ThreeLayers))
        {
            BorrowLastWeights = borrowLastWeights;
            RegisterComponents();
        }

        private bool BorrowLastWeights { get; }

        public Tensor Forward(Tensor x)
        {
            var h = nn.functional.relu(l1.call(x));
            if (BorrowLastWeights) h = h * l3.weight!.sum();
            return l3.call(nn.functional.relu(l2.call(h)));
        }
    }

    /// <summary>Four steps of <paramref name="model"/> under <paramref name="parallel"/>, each checked against the gradients backward left.</summary>
    private static void TrainFourSteps(ThreeLayers model, DataParallel parallel, FakeWorld world, ThreeLayers reference)
    {
        for (var step = 0; step < 4; step++)
        {
            using var scope = NewDisposeScope();
            var input = randn(5, 8);
            var callsBefore = world.AllReducedValues.Count;
            var layout = parallel.BucketParameters;
            var loss = model.Forward(input).sum();
            parallel.BeforeBackward(steps: true); // as the optimizer wrapper calls it: after forward
            loss.backward();
            parallel.AverageGradients();
            reference.Forward(input).sum().backward();

            // What each bucket's all-reduce was given is what backward left in its parameters (not an earlier, partial
            // gradient), and the probes changed nothing: the gradients are those of a plain model.
            var values = world.AllReducedValues.Skip(callsBefore).ToList();
            Assert.HasCount(layout.Count, values, "one all-reduce per bucket");
            for (var bucket = 0; bucket < layout.Count; bucket++)
                CollectionAssert.AreEqual(layout[bucket].SelectMany(p => p.grad!.data<float>().ToArray()).ToArray(), values[bucket], $"step {step}, bucket {bucket}");
            var averaged = model.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
            var plain = reference.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
            CollectionAssert.AreEqual(plain, averaged, $"step {step}");
            foreach (var parameter in model.parameters().Concat(reference.parameters())) parameter.grad!.zero_();
        }
    }

    /// <summary>Two copies of one <see cref="ThreeLayers"/> (one under data parallel, one plain), in buckets of at most 262 floats, first in reverse registration order.</summary>
    private static (ThreeLayers Model, ThreeLayers Reference, FakeWorld World, DataParallel Parallel) ThreeLayersOnTwoRanks(bool borrowLastWeights)
    {
        manual_seed(7);
        var model = new ThreeLayers(borrowLastWeights);
        manual_seed(7);
        var reference = new ThreeLayers(borrowLastWeights);
        var world = new FakeWorld(0, 2) { AcceptsCallsFromAnyThread = true };
        return (model, reference, world, new DataParallel(world, model, model.parameters().ToList(), new ModelWrapperSettings(bucketCapMb: 262 * 4 / 1024.0 / 1024)));
    }

    private static string Layout(ThreeLayers model, DataParallel parallel)
    {
        var names = model.named_parameters().ToDictionary(p => (object)p.parameter, p => p.name, ReferenceEqualityComparer.Instance);
        return string.Join(" | ", parallel.BucketParameters.Select(b => string.Join(", ", b.Select(p => names[p]))));
    }

    [TestMethod]
    public void Buckets_StartDuringBackward_WhenTheirLayersAreDone_InTheOrderTheFirstStepLearnt()
    {
        // Arrange
        var (model, reference, world, parallel) = ThreeLayersOnTwoRanks(borrowLastWeights: false);
        using var _ = model;
        using var __ = reference;
        using var ___ = parallel;
        Assert.IsTrue(parallel.Overlaps);
        Assert.AreEqual("l3.bias, l3.weight, l2.bias | l2.weight | l1.bias, l1.weight", Layout(model, parallel));

        // Act and assert (each step)
        TrainFourSteps(model, parallel, world, reference);

        // Assert: after the first step, which only learns, the buckets follow the order the gradients became complete,
        // cut from the end (l2.bias alone is the last bucket backward makes ready; l3.bias joins l2.weight within the
        // cap), and the first layer's (which nothing signals: its input needs no gradient) are a bucket of their own
        // at the end; the three steps after it start all but that bucket during backward.
        Assert.AreEqual("l3.weight | l3.bias, l2.weight | l2.bias | l1.bias, l1.weight", Layout(model, parallel));
        Assert.AreEqual(3 * 3, parallel.BucketsStartedDuringBackward);
        Assert.AreEqual(3 + 3 * 4, parallel.GradientReductions);
        Assert.IsEmpty(parallel.ParametersAfterBackwardOnly);
        Assert.AreEqual(1, world.Calls.Count(c => c.Contains("the order of the gradient buckets", StringComparison.Ordinal)), "rank 0's order, broadcast once");
    }

    /// <summary>Six 1 MB layers (512 × 512 weights, no biases), one after the other.</summary>
    private sealed class SixMegabyteLayers : nn.Module
    {
        private readonly TorchSharp.Modules.Linear l1 = nn.Linear(512, 512, hasBias: false);
        private readonly TorchSharp.Modules.Linear l2 = nn.Linear(512, 512, hasBias: false);
        private readonly TorchSharp.Modules.Linear l3 = nn.Linear(512, 512, hasBias: false);
        private readonly TorchSharp.Modules.Linear l4 = nn.Linear(512, 512, hasBias: false);
        private readonly TorchSharp.Modules.Linear l5 = nn.Linear(512, 512, hasBias: false);
        private readonly TorchSharp.Modules.Linear l6 = nn.Linear(512, 512, hasBias: false);

        public SixMegabyteLayers() : base(nameof(SixMegabyteLayers)) => RegisterComponents();

        public Tensor Forward(Tensor x) => l6.call(l5.call(l4.call(l3.call(l2.call(l1.call(x))))));
    }

    [TestMethod]
    public void LearnedBuckets_AreCutFromTheEnd_SmallestLast_SoLittleWaitsForTheEndOfBackward()
    {
        // Arrange: a 25 MB cap would hold every gradient in one bucket, which backward makes ready only at its end.
        using var model = new SixMegabyteLayers();
        var world = new FakeWorld(0, 2) { AcceptsCallsFromAnyThread = true };
        using var parallel = new DataParallel(world, model, model.parameters().ToList(), new ModelWrapperSettings(bucketCapMb: 25));
        string Layout()
        {
            var names = model.named_parameters().ToDictionary(p => (object)p.parameter, p => p.name, ReferenceEqualityComparer.Instance);
            return string.Join(" | ", parallel.BucketParameters.Select(b => string.Join(", ", b.Select(p => names[p].Replace(".weight", "", StringComparison.Ordinal)))));
        }
        Assert.AreEqual("l6, l5, l4, l3, l2, l1", Layout());

        // Act: the first step learns the order; the second overlaps.
        for (var step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            var loss = model.Forward(randn(4, 512)).sum();
            parallel.BeforeBackward(steps: true);
            loss.backward();
            parallel.AverageGradients();
        }

        // Assert: from the end, 1 MB (the last layer backward reaches that has a signal: l2), then at most 2 MB, then
        // 4 MB; l1 (its input needs no gradient, so nothing signals it) is averaged after backward, alone.
        Assert.AreEqual("l6, l5 | l4, l3 | l2 | l1", Layout());
        Assert.AreEqual(3, parallel.BucketsStartedDuringBackward);
    }

    [TestMethod]
    public void Bucket_WhoseWeightsAreUsedOutsideTheirLayer_IsAveragedAfterBackward()
    {
        // Arrange: l3's weights also scale l1's output, so their gradient still grows after l3's (and l2's) backward.
        var (model, reference, world, parallel) = ThreeLayersOnTwoRanks(borrowLastWeights: true);
        using var _ = model;
        using var __ = reference;
        using var ___ = parallel;

        // Act and assert (each step: what was averaged is the whole gradient)
        TrainFourSteps(model, parallel, world, reference);

        // Assert: the first step found l3.weight's gradient still changing after l3's backward, so it joins the first
        // layer's parameters at the end; the other buckets start during backward.
        Assert.AreEqual("l3.bias, l2.weight | l2.bias | l3.weight, l1.bias, l1.weight", Layout(model, parallel));
        CollectionAssert.AreEqual(new[] { "l3.weight" }, parallel.ParametersAfterBackwardOnly.ToArray());
        Assert.AreEqual(3 * 2, parallel.BucketsStartedDuringBackward);
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
            new DataParallel(new FakeWorld(0, 2), model, parameters, new ModelWrapperSettings()).AverageGradients());
        new DataParallel(new FakeWorld(0, 2), model, parameters, new ModelWrapperSettings(findUnusedParameters: true)).AverageGradients();

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
        var parallel = new DataParallel(world, model, model.parameters().ToList(), new ModelWrapperSettings());

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
