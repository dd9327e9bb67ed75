using Runner.Sdk.Checkpoints;

namespace Runner.Tests.Support;

/// <summary>Assertions on checkpoint files.</summary>
public static class CheckpointAssert
{
    /// <summary>
    /// The two checkpoints hold the same model weights, bit for bit, under the same names: what an exactly resumed
    /// run must end with.
    /// </summary>
    /// <param name="context">Put before the tensor's name in a failure message (which run, which kill point).</param>
    public static void SameWeights(string expectedPath, string actualPath, string context = "")
    {
        using var expected = CheckpointFile.Load(expectedPath);
        using var actual = CheckpointFile.Load(actualPath);
        CollectionAssert.AreEquivalent(expected.StateDict.Keys.ToList(), actual.StateDict.Keys.ToList(), $"{context}the weights' names differ");
        foreach (var (name, tensor) in expected.StateDict)
            CollectionAssert.AreEqual(tensor.bytes.ToArray(), actual.StateDict[name].bytes.ToArray(), $"{context}{name} differs");
    }
}
