using System.Globalization;
using System.Text.RegularExpressions;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary><c>runner-host summary</c>: parameters and multiply-accumulates against torchvision's published figures.</summary>
[TestClass]
public sealed class SummaryCommandTests
{
    private static string VisionDigits => Path.Combine(TestEnvironment.RepoRoot, "configs", "vision-digits.toml");

    [TestMethod]
    public void ResNet18At224_MatchesTorchvisionsFigures()
    {
        // torchvision lists ResNet-18 with 11,689,512 parameters and 1.82 GFLOPS (multiply-accumulates) at 224².
        var result = HostTester.Run("summary", "--config", VisionDigits, "--input-shape", "3,224,224", "--cfg-options", "model.num_classes=1000");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "Total: 11,689,512 parameters (11,689,512 trainable, 0 frozen)");
        var macs = double.Parse(Regex.Match(result.Stdout, @"; ([0-9.]+) G MACs for one input").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.AreEqual(1.82, macs, 0.005);
        StringAssert.Contains(result.Stdout, "Every layer's operations are counted");
    }

    [TestMethod]
    public void TheVisionExample_CountsItsTenClasses_AtItsImageSize_AndTheTableListsTheTopModules()
    {
        var result = HostTester.Run("summary", "--config", VisionDigits, "--input-shape", "3,32,32");
        var frozen = HostTester.Run("summary", "--config", VisionDigits, "--input-shape", "3,32,32", "--cfg-options", "model.frozen_stages=1", "--depth", "2");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "Total: 11,181,642 parameters");
        StringAssert.Contains(result.Stdout, "37.17 M MACs for one input");
        foreach (var module in new[] { "conv1", "bn1", "layer1", "layer4", "fc" }) StringAssert.Matches(result.Stdout, new Regex($@"\n  {module} +\w+ +[0-9,]+"));
        Assert.IsFalse(result.Stdout.Contains("layer1.0", StringComparison.Ordinal), "depth 1: top-level modules only");
        StringAssert.Matches(frozen.Stdout, new Regex(@"\n  layer1 .+\n  layer1\.0 .+\n  layer1\.1 .+\n  layer2 "), "each module follows its parent");
        StringAssert.Matches(frozen.Stdout, new Regex(@"Total: 11,181,642 parameters \(11,024,138 trainable, 157,504 frozen\)"));
    }

    [TestMethod]
    public void WithoutAShape_ItMeasuresOneSampleOfTheConfigsData()
    {
        var result = HostTester.Run("summary", "--config", TestEnvironment.DigitsConfig);
        var badShape = HostTester.Run("summary", "--config", TestEnvironment.DigitsConfig, "--input-shape", "3,x");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "measured on an input of shape [1, 8, 8] (one sample of the config's data)");
        Refusal.AssertOneLine(badShape, "--input-shape: '3,x' is not a shape");
    }
}
