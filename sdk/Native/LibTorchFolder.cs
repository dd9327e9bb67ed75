using System.Text.RegularExpressions;

namespace Runner.Sdk.Native;

/// <summary>
/// A folder holding libtorch's shared libraries — a PyTorch install's <c>torch/lib</c>, an unpacked libtorch
/// archive's <c>lib</c>, or a libtorch NuGet package's <c>runtimes/linux-x64/native</c> — with what can be told about
/// it before anything is loaded: whether it is complete, whether it has CUDA, and its version.
/// </summary>
internal sealed partial record LibTorchFolder(string Path, bool HasCuda, string? Version, string VersionSource)
{
    /// <summary>The version TorchSharp 0.107's native bridge was built against.</summary>
    public const string ExpectedVersion = "2.10";

    /// <summary>The libraries loaded from the folder, in dependency order (those present; the CUDA ones only with CUDA).</summary>
    public static readonly string[] LoadOrder = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];

    /// <summary>Reads <paramref name="folder"/>; throws <see cref="RunnerException"/> naming what is missing.</summary>
    /// <param name="origin">Where the folder was named (<c>--libtorch</c>, <c>RUNNER_LIBTORCH</c>…), for the messages.</param>
    public static LibTorchFolder Inspect(string folder, string origin)
    {
        var full = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new RunnerException($"{origin} names '{full}', which is not a folder. Give the folder holding libtorch_cpu.so (a PyTorch install's torch/lib, or an unpacked libtorch's lib).");
        var missing = new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" }.Where(f => !File.Exists(System.IO.Path.Combine(full, f))).ToList();
        if (missing.Count > 0)
        {
            var nested = System.IO.Path.Combine(full, "lib");
            var hint = File.Exists(System.IO.Path.Combine(nested, "libtorch_cpu.so")) ? $" Did you mean '{nested}'?" : "";
            throw new RunnerException($"{origin} names '{full}', which is not a libtorch folder: it has no {string.Join(", ", missing)}.{hint}");
        }
        var hasCuda = File.Exists(System.IO.Path.Combine(full, "libtorch_cuda.so")) && File.Exists(System.IO.Path.Combine(full, "libc10_cuda.so"));
        var (version, source) = FindVersion(full);
        return new LibTorchFolder(full, hasCuda, version, source);
    }

    /// <summary>Whether the version is the one TorchSharp was built for (unknown counts as not).</summary>
    public bool VersionMatches => Version is { } v && (v == ExpectedVersion || v.StartsWith(ExpectedVersion + ".", StringComparison.Ordinal) || v.StartsWith(ExpectedVersion + "+", StringComparison.Ordinal));

    /// <summary>
    /// The version, from where each kind of folder records it: PyTorch's <c>torch/version.py</c>, a libtorch
    /// archive's <c>build-version</c>, or the NuGet package folder's name (<c>libtorch-cuda-12.8-linux-x64/2.10.0/…</c>).
    /// </summary>
    private static (string? Version, string Source) FindVersion(string folder)
    {
        var own = System.IO.Path.Combine(folder, "build-version"); // the build's own libtorch/ folder
        if (File.Exists(own)) return (File.ReadAllText(own).Trim(), own);
        var parent = Directory.GetParent(folder)?.FullName;
        if (parent is not null)
        {
            var versionPy = System.IO.Path.Combine(parent, "version.py");
            if (File.Exists(versionPy) && VersionPy().Match(File.ReadAllText(versionPy)) is { Success: true } m) return (m.Groups[1].Value, versionPy);
            var buildVersion = System.IO.Path.Combine(parent, "build-version");
            if (File.Exists(buildVersion)) return (File.ReadAllText(buildVersion).Trim(), buildVersion);
        }
        if (NuGetFolder().Match(folder.Replace('\\', '/')) is { Success: true } package) return (package.Groups[1].Value, "the package folder's name");
        return (null, $"no {System.IO.Path.Combine(parent ?? folder, "version.py")}, no build-version, not a NuGet package folder");
    }

    [GeneratedRegex(@"__version__\s*=\s*['""]([^'""]+)['""]")]
    private static partial Regex VersionPy();

    [GeneratedRegex(@"/libtorch-[a-z0-9.\-]+/(\d+\.\d+(?:\.\d+)?)/runtimes/")]
    private static partial Regex NuGetFolder();
}
