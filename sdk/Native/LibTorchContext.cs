using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// libtorch's global settings that TorchSharp 0.107 does not bind (its <c>use_deterministic_algorithms</c> is marked
/// "not implemented"): reached through libtorch's own exported C++ functions, <c>at::globalContext()</c> and the
/// <c>at::Context</c> members below, called through function pointers. Their mangled names are those of libtorch
/// 2.10 (<see cref="LibTorchFolder.ExpectedVersion"/>); a libtorch that lacks one is named with its version and the
/// symbol, instead of failing inside the runtime.
/// </summary>
internal static unsafe class LibTorchContext
{
    private const string GlobalContext = "_ZN2at13globalContextEv";

    /// <summary>Whether libtorch uses deterministic algorithms only (errors on ops that have none).</summary>
    public static bool DeterministicAlgorithms
    {
        get => GetFlag("_ZNK2at7Context23deterministicAlgorithmsEv");
        set
        {
            var (context, library) = Context();
            // at::Context::setDeterministicAlgorithms(bool enabled, bool warn_only)
            ((delegate* unmanaged[Cdecl]<nint, byte, byte, void>)Export(library, "_ZN2at7Context26setDeterministicAlgorithmsEbb"))(context, value ? (byte)1 : (byte)0, 0);
        }
    }

    /// <summary>cuDNN picks the fastest convolution algorithm per input shape, by trying them (<c>torch.backends.cudnn.benchmark</c>).</summary>
    public static bool BenchmarkCuDnn
    {
        get => GetFlag("_ZNK2at7Context14benchmarkCuDNNEv");
        set => SetFlag("_ZN2at7Context17setBenchmarkCuDNNEb", value);
    }

    /// <summary>cuDNN uses deterministic algorithms only (<c>torch.backends.cudnn.deterministic</c>).</summary>
    public static bool DeterministicCuDnn
    {
        get => GetFlag("_ZNK2at7Context18deterministicCuDNNEv");
        set => SetFlag("_ZN2at7Context21setDeterministicCuDNNEb", value);
    }

    /// <summary>A <c>bool at::Context::name() const</c>.</summary>
    private static bool GetFlag(string symbol)
    {
        var (context, library) = Context();
        return ((delegate* unmanaged[Cdecl]<nint, byte>)Export(library, symbol))(context) != 0;
    }

    /// <summary>A <c>void at::Context::setName(bool)</c>.</summary>
    private static void SetFlag(string symbol, bool value)
    {
        var (context, library) = Context();
        ((delegate* unmanaged[Cdecl]<nint, byte, void>)Export(library, symbol))(context, value ? (byte)1 : (byte)0);
    }

    /// <summary>The address of <paramref name="symbol"/>; a libtorch without it is an error naming its version.</summary>
    private static nint Export(nint library, string symbol) =>
        NativeLibrary.TryGetExport(library, symbol, out var address) ? address
            : throw new RunnerException($"libtorch {LibTorchLoader.Loaded?.Version ?? "(version unknown)"}{(LibTorchLoader.Loaded is { } loaded ? $" ({loaded.Path})" : "")} " +
                $"has no '{symbol}', which Runner calls as libtorch {LibTorchFolder.ExpectedVersion} names it: use a libtorch {LibTorchFolder.ExpectedVersion} (docs/gpu.md).");

    private static (nint Context, nint Library)? _context;

    /// <summary>libtorch's global context and library, found once per process (the process has one libtorch).</summary>
    private static (nint Context, nint Library) Context() => _context ??= FindContext();

    private static (nint Context, nint Library) FindContext()
    {
        // libtorch is already loaded by TorchSharp (touching torch first guarantees it); this finds that copy — the one
        // LibTorchLoader chose, or the build's own — never a second one.
        using (TorchSharp.torch.zeros(1)) { }
        var loaded = LibTorchLoader.AlreadyMapped("libtorch_cpu.so");
        var found = loaded is not null
            ? NativeLibrary.TryLoad(loaded, out var library)
            : NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out library);
        if (!found) throw new RunnerException("Cannot reach libtorch's global context: libtorch_cpu.so is not loaded.");
        return (((delegate* unmanaged[Cdecl]<nint>)Export(library, GlobalContext))(), library);
    }
}
