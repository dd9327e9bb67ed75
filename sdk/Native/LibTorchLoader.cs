namespace Runner.Sdk.Native;

using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;

/// <summary>
/// Chooses the libtorch this process runs on: the folder given (<c>--libtorch</c>, <c>RUNNER_LIBTORCH</c>,
/// <c>env_cfg.libtorch</c>), or — for <c>device = "cuda"</c> with none given — the libtorch of the Python PyTorch install
/// <c>python3</c> finds, or else the build's own CPU libtorch (<c>libtorch/</c> beside the application, kept out of the
/// runtime's probing paths on purpose). Its libraries are loaded by full path in dependency order; TorchSharp's bridge
/// (the app's own, GLIBCXX-patched <c>libLibTorchSharp.so</c>) then binds to them by soname, and TorchSharp's own
/// requests for <c>torch_cpu</c>/<c>torch_cuda</c> are answered with them (<see cref="Resolve"/>). One libtorch per
/// process: two copies abort on their duplicate op registrations.
/// </summary>
internal static class LibTorchLoader
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, nint> Handles = new(StringComparer.Ordinal);

    /// <summary>The build's own libtorch: <c>libtorch/</c> beside the application.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "libtorch");

    /// <summary>
    /// Answers the runtime's search for a libtorch library that TorchSharp asks for by name (<c>torch_cpu</c>,
    /// <c>torch_cuda</c>) and that is not in the probing paths: the library of the chosen libtorch, which is the build's
    /// own unless one was chosen before the first tensor. Registered by <see cref="TorchNativeLibrary.EnsureLoadable"/>.
    /// </summary>
    internal static nint Resolve(System.Reflection.Assembly assembly, string name)
    {
        var file = LibraryFileName(name);
        if (!LibTorchFolder.LoadOrder.Contains(file)) return IntPtr.Zero;
        if (Loaded is null && Directory.Exists(DefaultFolder)) Ensure(DefaultFolder, "the build's libtorch", needCuda: false);
        lock (Gate) return Handles.TryGetValue(file, out var handle) ? handle : IntPtr.Zero;
    }

    /// <summary>The folder loaded in this process, or null for the build's own libtorch.</summary>
    public static LibTorchFolder? Loaded { get; private set; }

    /// <summary>What <see cref="Ensure"/> found to say (version mismatches, the folder chosen), for the run's log.</summary>
    public static IReadOnlyList<string> Notes => _notes;

    private static readonly List<string> _notes = [];

    /// <summary>
    /// Makes the libtorch of <paramref name="folder"/> (or, when null and <paramref name="needCuda"/>, of Python's
    /// PyTorch) the one this process uses, once; the build's own when neither applies. Throws
    /// <see cref="RunnerException"/> with the way out when that cannot be done.
    /// </summary>
    public static void Ensure(string? folder, string origin, bool needCuda)
    {
        lock (Gate)
        {
            // Nothing named and a libtorch that will do already loaded (a second runner in this process): nothing to
            // search for again (asking python3 imports torch, which takes seconds).
            if (folder is null && Loaded is { } loaded && (!needCuda || loaded.HasCuda)) return;
            // The build's own libtorch is used unless another is named — or the build has none (TorchBackend=external,
            // as build/gpu-check packs it), which then takes Python's PyTorch for any device.
            var packaged = BuildReferencesLibTorchPackage();
            if (folder is null && !needCuda && (Directory.Exists(DefaultFolder) || packaged)) return;
            LibTorchFolder chosen;
            if (folder is not null)
            {
                chosen = LibTorchFolder.Inspect(folder, origin);
            }
            else
            {
                chosen = FromPython() ?? throw (needCuda
                    ? NoCudaLibTorch("python3 has no PyTorch to take it from")
                    : new RunnerException("This build of Runner carries no libtorch (TorchBackend=external), and python3 has no PyTorch to take it from: " +
                        "name one with --libtorch DIR or RUNNER_LIBTORCH=DIR (docs/gpu.md)."));
                origin = "python3's torch";
                _notes.Add($"libtorch: using the Python PyTorch install's, {chosen.Path} (no --libtorch given).");
            }
            if (packaged)
            {
                throw new RunnerException($"{origin} names {chosen.Path}, but this build references a libtorch package (TorchBackend=cuda), which TorchSharp " +
                    "loads too, and two libtorch copies in one process abort. Use the package's libtorch (drop the setting), or the default build.");
            }
            if (Loaded is { } current)
            {
                if (current.Path == chosen.Path) return;
                throw new RunnerException($"libtorch is already loaded in this process from {current.Path}; it cannot be changed to {chosen.Path}. Start a new process.");
            }
            if (needCuda && !chosen.HasCuda)
                throw NoCudaLibTorch($"{chosen.Path} ({origin}) is a CPU-only libtorch: it has no libtorch_cuda.so");
            if (AlreadyMapped("libtorch_cpu.so") is { } mapped && Path.GetDirectoryName(mapped) != chosen.Path)
                throw new RunnerException($"libtorch was already loaded from {Path.GetDirectoryName(mapped)} before {origin} could take effect; it must be chosen before the first tensor is made.");
            if (!chosen.VersionMatches)
            {
                _notes.Add(chosen.Version is null
                    ? $"libtorch at {chosen.Path}: its version could not be told ({chosen.VersionSource}); TorchSharp 0.107 was built for libtorch {LibTorchFolder.ExpectedVersion}. Ops whose C++ signature changed fail when first called."
                    : $"libtorch at {chosen.Path} is version {chosen.Version} (from {chosen.VersionSource}), but TorchSharp 0.107 was built for {LibTorchFolder.ExpectedVersion}: ops whose C++ signature changed fail when first called.");
            }
            foreach (var library in LibTorchFolder.LoadOrder)
            {
                var path = Path.Combine(chosen.Path, library);
                if (!File.Exists(path)) continue;
                try
                {
                    Handles[library] = NativeLibrary.Load(path);
                }
                catch (DllNotFoundException e)
                {
                    // The runtime's message runs over several lines of generic advice; the first sentence says it all.
                    var reason = e.Message.Split(" In order to help", 2)[0].ReplaceLineEndings(" ").Trim();
                    throw new RunnerException($"{path} ({origin}) could not be loaded: {reason} (a damaged or foreign file, or a library it needs is missing: LD_DEBUG=libs shows which).", e);
                }
            }
            Loaded = chosen;
        }
    }

    /// <summary>Whether libtorch comes with the runtime's own probing paths (a build with TorchBackend=cuda): then it cannot be replaced.</summary>
    private static bool BuildReferencesLibTorchPackage() =>
        AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string folders &&
        folders.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(f => File.Exists(Path.Combine(f, "libtorch_cpu.so")));

    /// <summary><c>torch_cpu</c>, <c>libtorch_cpu</c> or <c>libtorch_cpu.so</c> as a file name.</summary>
    private static string LibraryFileName(string name)
    {
        var file = name.EndsWith(".so", StringComparison.Ordinal) ? name : name + ".so";
        return file.StartsWith("lib", StringComparison.Ordinal) ? file : "lib" + file;
    }

    /// <summary>The libtorch folder of <c>python3</c>'s PyTorch, or null when there is no python3 or no torch in it.</summary>
    private static LibTorchFolder? FromPython()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))"]) start.ArgumentList.Add(arg);
        try
        {
            using var python = Process.Start(start)!;
            var output = python.StandardOutput.ReadToEndAsync();
            _ = python.StandardError.ReadToEndAsync();
            if (!python.WaitForExit(TimeSpan.FromMinutes(1)) || python.ExitCode != 0) return null;
            var folder = output.Result.Trim();
            return folder.Length == 0 ? null : LibTorchFolder.Inspect(folder, "python3's torch");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no python3
        }
    }

    /// <summary>The file a library of that name was loaded from in this process, if any (Linux: /proc/self/maps).</summary>
    public static string? AlreadyMapped(string fileName) => FirstMapped(name => name == fileName);

    /// <summary>The first file mapped into this process whose file name <paramref name="isWanted"/> accepts, if any.</summary>
    public static string? FirstMapped(Func<string, bool> isWanted)
    {
        if (!File.Exists("/proc/self/maps")) return null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash >= 0 && isWanted(Path.GetFileName(line.AsSpan(slash)).ToString())) return line[slash..];
        }
        return null;
    }

    private static RunnerException NoCudaLibTorch(string why) =>
        new($"device \"cuda\" needs a CUDA build of libtorch{(Directory.Exists(DefaultFolder) ? ", and this build carries the CPU one" : "")}; {why}. " +
            "Point Runner at one with --libtorch DIR (or RUNNER_LIBTORCH=DIR, or env_cfg.libtorch): a PyTorch install's torch/lib " +
            "(python3 -c \"import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))\"), an unpacked libtorch archive's lib from pytorch.org, " +
            "or a libtorch-cuda NuGet package's runtimes/linux-x64/native folder. docs/gpu.md has the details.");
}
