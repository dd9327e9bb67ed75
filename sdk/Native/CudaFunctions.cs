using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// The CUDA functions <see cref="CudaDeviceInfo"/> calls: the driver's from <c>libcuda.so.1</c>; the runtime's and
/// cuDNN's from the copies already loaded in this process (by the CUDA libtorch), or none (null pointers).
/// </summary>
internal unsafe struct CudaFunctions
{
    public delegate* unmanaged<uint, int> Init;
    public delegate* unmanaged<int*, int, int> DeviceGet;
    public delegate* unmanaged<byte*, int, int, int> DeviceGetName;
    public delegate* unmanaged<nuint*, int, int> DeviceTotalMem;
    public delegate* unmanaged<int*, int> DriverGetVersion;
    public delegate* unmanaged<int*, int> RuntimeGetVersion;
    public delegate* unmanaged<nuint> CudnnGetVersion;

    /// <summary>The functions of this process's CUDA libraries, or null with <paramref name="problem"/> when the
    /// driver's library is missing or lacks one of them.</summary>
    public static CudaFunctions? OfProcess(out string? problem)
    {
        problem = null;
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var driver))
        {
            problem = "no CUDA driver library (libcuda.so.1) could be loaded";
            return null;
        }
        var functions = new CudaFunctions();
        try
        {
            functions.Init = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(driver, "cuInit");
            functions.DeviceGet = (delegate* unmanaged<int*, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGet");
            functions.DeviceGetName = (delegate* unmanaged<byte*, int, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGetName");
            functions.DeviceTotalMem = (delegate* unmanaged<nuint*, int, int>)NativeLibrary.GetExport(driver, "cuDeviceTotalMem_v2");
            functions.DriverGetVersion = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(driver, "cuDriverGetVersion");
        }
        catch (EntryPointNotFoundException e)
        {
            problem = $"libcuda.so.1 lacks a function Runner reads ({e.Message})";
            return null;
        }
        functions.RuntimeGetVersion = (delegate* unmanaged<int*, int>)ExportOfLoaded("libcudart", "cudaRuntimeGetVersion");
        functions.CudnnGetVersion = (delegate* unmanaged<nuint>)ExportOfLoaded("libcudnn.so", "cudnnGetVersion");
        return functions;
    }

    /// <summary>The function <paramref name="symbol"/> of the library whose file name starts with
    /// <paramref name="prefix"/> and that this process already loaded; zero when there is none (nothing new is loaded,
    /// so the versions are those of the copies libtorch uses).</summary>
    private static nint ExportOfLoaded(string prefix, string symbol)
    {
        var path = LibTorchLoader.FirstMapped(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.Contains(".so", StringComparison.Ordinal));
        return path is not null && NativeLibrary.TryLoad(path, out var library) && NativeLibrary.TryGetExport(library, symbol, out var function) ? function : 0;
    }
}
