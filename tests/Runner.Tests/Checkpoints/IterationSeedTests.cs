using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Checkpoints;

/// <summary>
/// GPU randomness resumes exactly because the device's generators are reseeded before every training iteration
/// (TorchSharp 0.107 cannot save their state). On the CPU the seeds the runner hands the device are recorded instead.
/// </summary>
[TestClass]
public sealed class IterationSeedTests
{
    /// <summary>Trains the toy job in <paramref name="workDir"/>, recording (iteration, seed) for every device seeding.</summary>
    private static List<(int Iter, long Seed)> TrainRecordingSeeds(string workDir, params string[] overrides)
    {
        var cfg = ConfigLoader.Load(TestEnvironment.ToyConfig, ["randomness.seed=7", .. overrides]);
        cfg.Set("work_dir", workDir, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = BuiltinPlugins.Registries, Console = null, ConfigPath = TestEnvironment.ToyConfig });
        Assert.IsNull(runner.DeviceSeeder, "on the CPU nothing is reseeded: the CPU generator's state is in the checkpoint");
        var seeds = new List<(int, long)>();
        runner.DeviceSeeder = seed => seeds.Add((runner.Iter, seed));
        runner.Train();
        return seeds;
    }

    [TestMethod]
    public void ResumedRun_HandsTheDeviceTheSameSeeds_AsAnUninterruptedRun()
    {
        var straight = TrainRecordingSeeds(TestEnvironment.NewTempDir("seeds-straight"));
        var interrupted = TestEnvironment.NewTempDir("seeds-resumed");
        var before = TrainRecordingSeeds(interrupted, "train_cfg.max_epochs=1");
        var after = TrainRecordingSeeds(interrupted, "resume=true");

        CollectionAssert.AreEqual(Enumerable.Range(0, straight.Count).ToList(), straight.Select(s => s.Iter).ToList(), "one seeding before each iteration, with its index");
        Assert.IsGreaterThan(before.Count, after.Count);
        CollectionAssert.AreEqual(straight, before.Concat(after).ToList(), "the epoch before the stop and the epochs after the resume");
        Assert.HasCount(straight.Count, straight.Select(s => s.Seed).Distinct().ToList(), "every iteration its own seed");
    }

    [TestMethod]
    public void IterationSeed_DependsOnTheRunSeedAndTheIteration_AndIsNonNegative()
    {
        var seeds = from runSeed in new long[] { 0, 1, 2, 7, 8, -1, long.MaxValue }
                    from iter in Enumerable.Range(0, 500)
                    select IterationSeed.Of(runSeed, iter);
        var all = seeds.ToList();

        Assert.HasCount(all.Count, all.Distinct().ToList(), "no two (seed, iteration) pairs share a seed");
        Assert.IsTrue(all.All(s => s >= 0));
        Assert.AreEqual(IterationSeed.Of(7, 3), IterationSeed.Of(7, 3));
        Assert.AreNotEqual(IterationSeed.Of(7, 3), IterationSeed.Of(8, 3), "diff_rank_seed's rank + seed gives each rank its own");
    }
}
