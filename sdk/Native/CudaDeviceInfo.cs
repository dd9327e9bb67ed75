using System.Globalization;
using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// What the environment log says about the GPU a run trains on (MMEngine prints the device's name and the CUDA and
/// cuDNN versions): its name and memory and the driver's CUDA version from the CUDA driver's C API
/// (<c>libcuda.so.1</c>), and the CUDA runtime and cuDNN versions of the copies the libtorch in use loaded
/// (<c>cudaRuntimeGetVersion</c>, <c>cudnnGetVersion</c>). TorchSharp 0.107 binds none of them; they are plain C
/// functions whose signatures CUDA has kept since 3.2 and cuDNN since its first releases. What cannot be read is
/// logged as unknown, never an error: the log line must not stop a run.
/// </summary>
internal sealed record CudaDeviceInfo(string Name, long TotalMemoryBytes, int DriverVersion, int? RuntimeVersion, long? CudnnVersion)
{
    /// <summary>The log lines: the GPU, then the versions.</summary>
    public IReadOnlyList<string> Describe() =>
    [
        $"{Name} ({TotalMemoryBytes / (1 << 20):N0} MiB)",
        $"CUDA runtime {(RuntimeVersion is { } runtime ? CudaVersion(runtime) : "unknown (libcudart not loaded)")}, driver supports CUDA {CudaVersion(DriverVersion)}",
        $"cuDNN {(CudnnVersion is { } cudnn ? CudnnVersionText(cudnn) : "not loaded")}",
    ];

    /// <summary>
    /// The GPU of <paramref name="ordinal"/> as this process sees it, or why it cannot be told (one line); the CUDA
    /// libraries are looked for only when this is called (on a CUDA device).
    /// </summary>
    public static (CudaDeviceInfo? Info, string? Problem) Read(int ordinal) => Read(ordinal, CudaFunctions.OfProcess(out var problem) ?? default, problem);

    /// <summary>As <see cref="Read(int)"/>, with the functions given (tests pass stand-ins).</summary>
    internal static unsafe (CudaDeviceInfo? Info, string? Problem) Read(int ordinal, CudaFunctions functions, string? problem = null)
    {
        if (functions.Init == null) return (null, problem ?? "the CUDA driver's library could not be read");
        int Check(int result, string call) => result == 0 ? 0 : throw new ExternalException($"{call} returned CUDA error {result}", result);
        try
        {
            Check(functions.Init(0), "cuInit");
            int device, driver;
            Check(functions.DeviceGet(&device, ordinal), "cuDeviceGet");
            var name = stackalloc byte[256];
            Check(functions.DeviceGetName(name, 256, device), "cuDeviceGetName");
            nuint bytes;
            Check(functions.DeviceTotalMem(&bytes, device), "cuDeviceTotalMem_v2");
            Check(functions.DriverGetVersion(&driver), "cuDriverGetVersion");
            int? runtime = null;
            if (functions.RuntimeGetVersion != null)
            {
                int value;
                if (functions.RuntimeGetVersion(&value) == 0) runtime = value;
            }
            long? cudnn = functions.CudnnGetVersion == null ? null : (long)functions.CudnnGetVersion();
            var written = new ReadOnlySpan<byte>(name, 256);
            var text = System.Text.Encoding.UTF8.GetString(written.IndexOf((byte)0) is var end and >= 0 ? written[..end] : written);
            return (new CudaDeviceInfo(text.Length == 0 ? "unnamed GPU" : text, (long)bytes, driver, runtime, cudnn), null);
        }
        catch (ExternalException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary><c>12080</c> → <c>12.8</c> (CUDA's encoding: 1000 × major + 10 × minor).</summary>
    internal static string CudaVersion(int version) => string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    /// <summary><c>91002</c> → <c>9.10.2</c> (cuDNN 9 encodes 10000 × major + 100 × minor + patch; cuDNN 8 and older,
    /// 1000 × major + 100 × minor + patch).</summary>
    internal static string CudnnVersionText(long version) => version >= 90000
        ? string.Create(CultureInfo.InvariantCulture, $"{version / 10000}.{version % 10000 / 100}.{version % 100}")
        : string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 100}.{version % 100}");
}
