namespace Runner.Sdk.Native;

using System.Runtime.InteropServices;

/// <summary>
/// libtorch's global settings that TorchSharp 0.107 does not bind (its <c>use_deterministic_algorithms</c> is marked
/// "not implemented"): reached through libtorch's own exported C++ functions, <c>at::globalContext()</c> and
/// <c>at::Context::setDeterministicAlgorithms(bool, bool)</c>.
/// </summary>
public static class LibTorchContext
{
    private const string GlobalContext = "_ZN2at13globalContextEv";
    private const string SetDeterministic = "_ZN2at7Context26setDeterministicAlgorithmsEbb";
    private const string GetDeterministic = "_ZNK2at7Context23deterministicAlgorithmsEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContextFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetDeterministicFn(IntPtr context, byte enabled, byte warnOnly);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate byte GetDeterministicFn(IntPtr context);

    /// <summary>Whether libtorch uses deterministic algorithms only (errors on ops that have none).</summary>
    public static bool DeterministicAlgorithms
    {
        get
        {
            var (context, library) = Context();
            return Marshal.GetDelegateForFunctionPointer<GetDeterministicFn>(NativeLibrary.GetExport(library, GetDeterministic))(context) != 0;
        }
        set
        {
            var (context, library) = Context();
            Marshal.GetDelegateForFunctionPointer<SetDeterministicFn>(NativeLibrary.GetExport(library, SetDeterministic))(context, value ? (byte)1 : (byte)0, 0);
        }
    }

    private static (IntPtr Context, IntPtr Library) Context()
    {
        // libtorch is already loaded by TorchSharp (touching torch first guarantees it); this finds it by name.
        using (TorchSharp.torch.zeros(1)) { }
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out var library)
            || !NativeLibrary.TryGetExport(library, GlobalContext, out var globalContext))
            throw new RunnerException("Cannot reach libtorch's global context (libtorch_cpu.so or at::globalContext not found).");
        return (Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(globalContext)(), library);
    }
}
