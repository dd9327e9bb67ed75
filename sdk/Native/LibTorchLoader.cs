using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// Chooses the libtorch this process runs on: the folder given (<c>--libtorch</c>, <c>RUNNER_LIBTORCH</c>,
/// <c>env_cfg.libtorch</c>), or — for <c>device = "cuda"</c> with none given — the libtorch of the Python PyTorch install
/// <c>python3</c> finds, or else the build's own CPU libtorch (<c>libtorch/</c> beside the application, kept out of the
/// runtime's probing paths on purpose). Its libraries, then TorchSharp's bridge (the app's own, GLIBCXX-patched
/// <c>libLibTorchSharp.so</c>), are loaded by full path in dependency order, before TorchSharp looks for anything.
/// </summary>
/// <remarks>
/// Loading by full path first is what makes the choice stick. TorchSharp asks the runtime for <c>torch_cpu</c> and
/// <c>LibTorchSharp</c> by name, and the runtime's search (<c>LD_LIBRARY_PATH</c>, <c>ld.so.cache</c>, the system
/// folders) would find any other libtorch on the machine first — Debian's <c>libtorch-dev</c>, a conda env, an unpacked
/// archive — and TorchSharp, failing on it, would copy ~480 MB of libtorch beside its DLL. A library already loaded is
/// matched by its soname before any search, so once ours are in, every request by name gets them. One libtorch per
/// process: two copies abort on their duplicate op registrations.
/// </remarks>
internal static class LibTorchLoader
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, nint> Handles = new(StringComparer.Ordinal);

    /// <summary>The build's own libtorch: <c>libtorch/</c> beside the application.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "libtorch");

    /// <summary>
    /// Answers the runtime's search for a libtorch library that TorchSharp asks for by name (<c>torch_cpu</c>,
    /// <c>torch_cuda</c>) when no search found it: the library of the chosen libtorch, which is the build's own unless
    /// one was chosen before the first tensor. Registered by <see cref="TorchNativeLibrary.EnsureLoadable"/>; a process
    /// that made its choice (<see cref="Ensure"/>) never gets here, since its libraries are already loaded.
    /// </summary>
    internal static nint Resolve(System.Reflection.Assembly assembly, string name)
    {
        var file = LibraryFileName(name);
        if (!LibTorchFolder.LoadOrder.Contains(file)) return IntPtr.Zero;
        if (Loaded is null && Directory.Exists(DefaultFolder)) Ensure(null, "the build's libtorch", needCuda: false);
        lock (Gate) return Handles.TryGetValue(file, out var handle) ? handle : IntPtr.Zero;
    }

    /// <summary>The libtorch loaded in this process (the build's own included), or null before the choice.</summary>
    public static LibTorchFolder? Loaded { get; private set; }

    /// <summary>Whether <see cref="Loaded"/> is the build's own libtorch.</summary>
    public static bool LoadedIsBuildOwn => Loaded is { } loaded && loaded.Path == Path.GetFullPath(DefaultFolder);

    /// <summary>What <see cref="Ensure"/> found to say (version mismatches, the folder chosen), for the run's log.</summary>
    public static IReadOnlyList<string> Notes => _notes;

    private static readonly List<string> _notes = [];

    /// <summary>
    /// <see cref="Ensure"/> with what a process uses when no config speaks: <c>RUNNER_LIBTORCH</c>, else the build's own.
    /// For the SDK's entry points that touch tensors outside a run (checkpoint tools, the tests' set-up).
    /// </summary>
    public static void EnsureDefault()
    {
        if (Loaded is not null) return;
        Ensure(FolderFromEnvironment, "RUNNER_LIBTORCH", needCuda: false);
    }

    /// <summary>The libtorch folder <c>RUNNER_LIBTORCH</c> names, or null when it is unset or empty (read here alone).</summary>
    public static string? FolderFromEnvironment =>
        Environment.GetEnvironmentVariable("RUNNER_LIBTORCH") is { Length: > 0 } folder ? folder : null;

    /// <summary>
    /// Makes the libtorch of <paramref name="folder"/> (or, when null, the build's own — or with
    /// <paramref name="needCuda"/>, or in a build without one, Python's PyTorch's) the one this process uses, once,
    /// loading it and TorchSharp's bridge by full path. Throws <see cref="RunnerException"/> with the way out when that
    /// cannot be done.
    /// </summary>
    /// <param name="folder">The libtorch folder named, or null to choose as described.</param>
    /// <param name="origin">Where the folder was named, for messages.</param>
    /// <param name="needCuda">Whether the run asks for a GPU outright.</param>
    /// <param name="device">The device as the user wrote it (<c>cuda:1</c>), for messages.</param>
    public static void Ensure(string? folder, string origin, bool needCuda, string device = "cuda")
    {
        lock (Gate)
        {
            // Nothing named and a libtorch that will do already loaded (a second runner in this process): nothing to
            // search for again (asking python3 imports torch, which takes seconds).
            if (folder is null && Loaded is { } loaded && (!needCuda || loaded.HasCuda)) return;
            // A build that references a libtorch package (TorchBackend=cuda) has it in the runtime's probing paths,
            // which come before any system folder: TorchSharp finds it by itself.
            var packaged = BuildReferencesLibTorchPackage();
            if (folder is null && !needCuda && packaged) return;
            LibTorchFolder chosen;
            if (folder is not null)
            {
                chosen = LibTorchFolder.Inspect(folder, origin);
            }
            else if (!needCuda && Directory.Exists(DefaultFolder))
            {
                chosen = LibTorchFolder.Inspect(DefaultFolder, "the build's libtorch");
                origin = "the build's libtorch";
            }
            else
            {
                var (fromPython, python, asked) = FromPython();
                chosen = fromPython ?? throw (needCuda
                    ? NoCudaLibTorch(device, $"no Python has a PyTorch to take it from ({asked})")
                    : new RunnerException($"This build of Runner carries no libtorch (TorchBackend=external), and no Python has a PyTorch to take it from ({asked}): " +
                        "name one with --libtorch DIR or RUNNER_LIBTORCH=DIR (docs/gpu.md)."));
                origin = python;
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
                throw NoCudaLibTorch(device, $"{chosen.Path} ({origin}) is a CPU-only libtorch: it has no libtorch_cuda.so");
            if (ForeignLibTorchMapped(chosen.Path) is { } foreign)
                throw ForeignLibTorch(foreign, chosen, origin, "into this process before Runner could load its own");
            if (!chosen.VersionMatches)
            {
                _notes.Add(chosen.Version is null
                    ? $"libtorch at {chosen.Path}: its version could not be told ({chosen.VersionSource}); TorchSharp 0.107 was built for libtorch {LibTorchFolder.ExpectedVersion}. Ops whose C++ signature changed fail when first called."
                    : $"libtorch at {chosen.Path} is version {chosen.Version} (from {chosen.VersionSource}), but TorchSharp 0.107 was built for {LibTorchFolder.ExpectedVersion}: ops whose C++ signature changed fail when first called.");
            }
            foreach (var library in LibTorchFolder.LoadOrder)
            {
                var path = Path.Combine(chosen.Path, library);
                if (File.Exists(path)) Handles[library] = LoadByPath(path, origin);
            }
            Loaded = chosen;
            LoadBridge(chosen, origin);
        }
    }

    /// <summary>
    /// Loads TorchSharp's bridge by full path (the patched copy the runtime would find first), so that TorchSharp's
    /// request for it by name gets this one, bound to the libtorch just loaded. Its failure here is one clear error;
    /// in TorchSharp it would set off the 480 MB fallback copy.
    /// </summary>
    private static void LoadBridge(LibTorchFolder chosen, string origin)
    {
        if (TorchNativeLibrary.CandidatePaths().FirstOrDefault() is not { } bridge) return; // TorchSharp reports its own absence
        LoadByPath(bridge, "TorchSharp's native bridge");
        if (ForeignLibTorchMapped(chosen.Path) is { } foreign)
            throw ForeignLibTorch(foreign, chosen, origin, "by TorchSharp's bridge, through the system's library search");
    }

    private static nint LoadByPath(string path, string what)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            // The runtime's message runs over several lines of generic advice; the first sentence says it all.
            var reason = e.Message.Split(" In order to help", 2)[0].ReplaceLineEndings(" ").Trim();
            throw new RunnerException($"{path} ({what}) could not be loaded: {reason} (a damaged or foreign file, or a library it needs is missing: LD_DEBUG=libs shows which).", e);
        }
    }

    /// <summary>
    /// A libtorch or c10 library mapped into this process from outside <paramref name="folder"/> (both sides with links
    /// resolved), if any: one loaded before the choice (<c>LD_PRELOAD</c>, a program that made a tensor first), or pulled
    /// in by a library's own search.
    /// </summary>
    internal static string? ForeignLibTorchMapped(string folder)
    {
        var own = FileKinds.RealPath(folder);
        return FirstMapped(IsLibTorchFile, path => Path.GetDirectoryName(path) != own);
    }

    /// <summary>Whether a file name is one of a libtorch's own libraries (<c>libtorch*</c>, <c>libc10*</c>).</summary>
    private static bool IsLibTorchFile(string name) => name.StartsWith("libtorch", StringComparison.Ordinal) || name.StartsWith("libc10", StringComparison.Ordinal);

    private static RunnerException ForeignLibTorch(string foreign, LibTorchFolder chosen, string origin, string how) =>
        new($"Another libtorch got in the way: {foreign} was loaded {how}, but this process runs on {chosen.Path} ({origin}). " +
            $"Two libtorch copies in one process fail. {ForeignHint(foreign)}");

    private static string ForeignHint(string foreign)
    {
        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD") ?? "";
        if (preload.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries).Any(entry => IsLibTorchFile(Path.GetFileName(entry))))
            return $"Remove it from LD_PRELOAD ({preload}).";
        return $"Run without the setting that brings it in (LD_PRELOAD, or LD_LIBRARY_PATH naming {Path.GetDirectoryName(foreign)}), or name that libtorch with --libtorch if it is the one you want.";
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

    /// <summary>
    /// The libtorch folder of the first Python with a PyTorch: <c>python3</c> as <c>PATH</c> finds it, then the system's
    /// <c>/usr/bin/python3</c> (a pyenv or venv <c>python3</c> on <c>PATH</c> hides the system's torch). Null when none
    /// has one, with <c>Asked</c> saying which were asked and what each answered. <c>Origin</c> names the Python whose
    /// torch was taken.
    /// </summary>
    private static (LibTorchFolder? Folder, string Origin, string Asked) FromPython()
    {
        var answers = new List<string>();
        foreach (var python in (string[])["python3", "/usr/bin/python3"])
        {
            var (folder, answer) = TorchLibOf(python);
            if (folder is not null) return (LibTorchFolder.Inspect(folder, $"{python}'s torch"), $"{python}'s torch", "");
            answers.Add($"{python}: {answer}");
        }
        return (null, "", string.Join("; ", answers));
    }

    /// <summary>The lib folder of <paramref name="python"/>'s torch, or null and why not.</summary>
    private static (string? Folder, string Answer) TorchLibOf(string python)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))"]) start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
                return (null, "did not answer within a minute");
            }
            var folder = output.Result.Trim();
            if (process.ExitCode == 0 && folder.Length > 0) return (folder, "");
            return (null, error.Result.Contains("No module named 'torch'", StringComparison.Ordinal) ? "no torch module" : $"exit code {process.ExitCode}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (null, "not found");
        }
    }

    /// <summary>The file a library of that name was loaded from in this process, if any (Linux: /proc/self/maps).</summary>
    public static string? AlreadyMapped(string fileName) => FirstMapped(name => name == fileName);

    /// <summary>
    /// The first file mapped into this process whose file name <paramref name="isWanted"/> accepts (and whose whole
    /// path <paramref name="isPathWanted"/> accepts, when given), if any.
    /// </summary>
    public static string? FirstMapped(Func<string, bool> isWanted, Func<string, bool>? isPathWanted = null)
    {
        if (!File.Exists("/proc/self/maps")) return null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash < 0 || !isWanted(Path.GetFileName(line.AsSpan(slash)).ToString())) continue;
            var path = line[slash..];
            if (isPathWanted is null || isPathWanted(path)) return path;
        }
        return null;
    }

    private static RunnerException NoCudaLibTorch(string device, string why) =>
        new($"device \"{device}\" needs a CUDA build of libtorch{(Directory.Exists(DefaultFolder) ? ", and this build carries the CPU one" : "")}; {why}. " +
            "Point Runner at one with --libtorch DIR (or RUNNER_LIBTORCH=DIR, or env_cfg.libtorch): a PyTorch install's torch/lib " +
            "(python3 -c \"import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))\"), an unpacked libtorch archive's lib from pytorch.org, " +
            "or a libtorch-cuda NuGet package's runtimes/linux-x64/native folder. docs/gpu.md has the details.");
}
