using Runner.Sdk.Native;
using static TorchSharp.torch;

namespace Runner.Tests.Host;

[TestClass]
public sealed class NativeLibraryTests
{
    [TestMethod]
    public void EnsureLoadable_NativeCall_ComputesOnTheCpu()
    {
        // Arrange
        TorchNativeLibrary.EnsureLoadable();

        // Act
        using var a = arange(1, 5, dtype: ScalarType.Float32);
        using var sum = a.sum();

        // Assert
        Assert.AreEqual(10f, sum.item<float>());
    }

    [TestMethod]
    public void EnsureLoadable_BridgeLibrary_HasWeakGlibcxxRequirement()
    {
        TorchNativeLibrary.EnsureLoadable();

        var paths = TorchNativeLibrary.CandidatePaths().ToList();

        Assert.IsNotEmpty(paths, "libLibTorchSharp.so was not found where the runtime loads it from.");
        foreach (var path in paths)
            Assert.IsTrue(ElfVersionPatcher.IsWeak(path, "GLIBCXX_3.4.32"), $"{path} still requires GLIBCXX_3.4.32 strictly.");
    }

    [TestMethod]
    public void BuildOutputs_HaveNoTorchSharpFallbackCopy()
    {
        // TorchSharp copies ~480 MB of libtorch into <bin>/cpu/ when its native load fails.
        using var probe = ones(1);
        var roots = new[] { "host", "tests" }.Select(p => Path.Combine(Support.TestEnvironment.RepoRoot, p)).Where(Directory.Exists);

        var fallback = roots.SelectMany(r => Directory.EnumerateDirectories(r, "cpu", SearchOption.AllDirectories)).ToList();

        Assert.IsEmpty(fallback, "TorchSharp fell back to copying libtorch into: " + string.Join(", ", fallback) + " (a build removes a copy an earlier failure left: ./build/test, or rm -rf the folder).");
    }
}
