using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// libtorch's global settings that TorchSharp 0.107 does not bind (its <c>use_deterministic_algorithms</c> is marked
/// "not implemented"): reached through libtorch's own exported C++ functions, <c>at::globalContext()</c> and
/// <c>at::Context::setDeterministicAlgorithms(bool, bool)</c>.
/// </summary>
internal static class LibTorchContext
{
    private const string GlobalContext = "_ZN2at13globalContextEv";
    private const string SetDeterministic = "_ZN2at7Context26setDeterministicAlgorithmsEbb";
    private const string GetDeterministic = "_ZNK2at7Context23deterministicAlgorithmsEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContextFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetDeterministicFn(IntPtr context, byte enabled, byte warnOnly);

    /// <summary>Whether libtorch uses deterministic algorithms only (errors on ops that have none).</summary>
    public static bool DeterministicAlgorithms
    {
        get => GetFlag(GetDeterministic);
        set
        {
            var (context, library) = Context();
            Marshal.GetDelegateForFunctionPointer<SetDeterministicFn>(NativeLibrary.GetExport(library, SetDeterministic))(context, value ? (byte)1 : (byte)0, 0);
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

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate byte GetFlagFn(IntPtr context);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlagFn(IntPtr context, byte value);

    private static bool GetFlag(string symbol)
    {
        var (context, library) = Context();
        return Marshal.GetDelegateForFunctionPointer<GetFlagFn>(NativeLibrary.GetExport(library, symbol))(context) != 0;
    }

    private static void SetFlag(string symbol, bool value)
    {
        var (context, library) = Context();
        Marshal.GetDelegateForFunctionPointer<SetFlagFn>(NativeLibrary.GetExport(library, symbol))(context, value ? (byte)1 : (byte)0);
    }

    private static (IntPtr Context, IntPtr Library)? _context;

    /// <summary>libtorch's global context and library, found once per process (the process has one libtorch).</summary>
    private static (IntPtr Context, IntPtr Library) Context() => _context ??= FindContext();

    private static (IntPtr Context, IntPtr Library) FindContext()
    {
        // libtorch is already loaded by TorchSharp (touching torch first guarantees it); this finds that copy — the one
        // LibTorchLoader chose, or the build's own — never a second one.
        using (TorchSharp.torch.zeros(1)) { }
        var loaded = LibTorchLoader.AlreadyMapped("libtorch_cpu.so");
        var found = loaded is not null
            ? NativeLibrary.TryLoad(loaded, out var library)
            : NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out library);
        if (!found || !NativeLibrary.TryGetExport(library, GlobalContext, out var globalContext))
            throw new RunnerException("Cannot reach libtorch's global context (libtorch_cpu.so or at::globalContext not found).");
        return (Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(globalContext)(), library);
    }
}
