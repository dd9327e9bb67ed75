using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>The toy job against the real output of MMEngine 0.11 on the same data (see shared/data/README.md).</summary>
[TestClass]
public sealed class ToyReferenceTests
{
    private static readonly double[] MmengineValAccuracy = [29.98046875, 34.5703125, 35.05859375];

    [TestMethod]
    public void ToyJob_ThroughHostWithPlugin_MatchesMmengineValAccuracy()
    {
        // Arrange
        var workDir = TestEnvironment.NewTempDir("toy");

        // Act
        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir);

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var accuracies = RunRecords.Scalars(workDir, "accuracy/top1");
        Assert.HasCount(3, accuracies);
        for (var epoch = 0; epoch < 3; epoch++)
            Assert.AreEqual(MmengineValAccuracy[epoch], accuracies[epoch], 1e-4, $"epoch {epoch + 1}");
    }

    [TestMethod]
    public void ToyJob_LogLines_HaveMmengineFormat()
    {
        var workDir = TestEnvironment.NewTempDir("toy-log");

        var result = HostTester.Run("--config", TestEnvironment.ToyConfig, "--work-dir", workDir);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var lines = RunRecords.LogLines(workDir);
        var train = lines.Where(l => l.Contains("Epoch(train)")).ToList();
        var val = lines.Where(l => l.Contains("Epoch(val)")).ToList();
        var test = lines.Where(l => l.Contains("Epoch(test)")).ToList();
        Assert.HasCount(6, train, "interval 50 over 128 iterations: lines at 50 and 100 in each of 3 epochs");
        Assert.HasCount(3, val);
        Assert.HasCount(1, test);
        const string stamp = @"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} - runner - INFO - ";
        StringAssert.Matches(train[0], new(stamp + @"Epoch\(train\) \[1\]\[ 50/128\]  lr: 1\.0000e-02  eta: \d+:\d{2}:\d{2}  time: \d\.\d{4}  data_time: \d\.\d{4}  loss: 2\.2696$"));
        StringAssert.Matches(train[2], new(stamp + @"Epoch\(train\) \[2\]\[ 50/128\]  lr: 1\.0000e-03  "));
        StringAssert.Matches(val[0], new(stamp + @"Epoch\(val\) \[1\]\[32/32\]    accuracy/top1: 29\.9805  data_time: \d\.\d{4}  time: \d\.\d{4}$"));
        StringAssert.Matches(test[0], new(stamp + @"Epoch\(test\) \[32/32\]    accuracy/top1: \d+\.\d{4}  data_time: \d\.\d{4}  time: \d\.\d{4}$"));
        StringAssert.Contains(result.Stdout, "Epoch(val) [3][32/32]    accuracy/top1: 35.0586");
    }
}
