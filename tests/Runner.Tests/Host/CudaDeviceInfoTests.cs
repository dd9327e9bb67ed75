using System.Runtime.InteropServices;
using Runner.Sdk.Native;

namespace Runner.Tests.Host;

/// <summary>
/// The environment log's GPU lines, read through the CUDA C functions. No GPU here: the functions are stand-ins
/// written in C# and called through the same unmanaged function pointers as the real ones.
/// </summary>
[TestClass]
public sealed unsafe class CudaDeviceInfoTests
{
    private static int _deviceGetResult;

    [UnmanagedCallersOnly]
    private static int Init(uint flags) => flags == 0 ? 0 : 1;

    [UnmanagedCallersOnly]
    private static int DeviceGet(int* device, int ordinal)
    {
        *device = 100 + ordinal;
        return _deviceGetResult;
    }

    [UnmanagedCallersOnly]
    private static int DeviceGetName(byte* name, int length, int device)
    {
        var text = System.Text.Encoding.UTF8.GetBytes($"NVIDIA Stand-in {device}\0");
        text.AsSpan(0, Math.Min(text.Length, length)).CopyTo(new Span<byte>(name, length));
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int DeviceTotalMem(nuint* bytes, int device)
    {
        *bytes = unchecked((nuint)(143_771L << 20));
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int DriverGetVersion(int* version)
    {
        *version = 12090;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int RuntimeGetVersion(int* version)
    {
        *version = 12080;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static nuint CudnnGetVersion() => 91002;

    private static CudaFunctions StandIns(bool withRuntimeAndCudnn) => new()
    {
        Init = &Init,
        DeviceGet = &DeviceGet,
        DeviceGetName = &DeviceGetName,
        DeviceTotalMem = &DeviceTotalMem,
        DriverGetVersion = &DriverGetVersion,
        RuntimeGetVersion = withRuntimeAndCudnn ? &RuntimeGetVersion : null,
        CudnnGetVersion = withRuntimeAndCudnn ? &CudnnGetVersion : null,
    };

    [TestMethod]
    public void Read_NamesTheGpu_ItsMemory_AndTheCudaAndCudnnVersions()
    {
        _deviceGetResult = 0;

        var (info, problem) = CudaDeviceInfo.Read(1, StandIns(withRuntimeAndCudnn: true));

        Assert.IsNull(problem);
        CollectionAssert.AreEqual(new[] { "NVIDIA Stand-in 101 (143,771 MiB)", "CUDA runtime 12.8, driver supports CUDA 12.9", "cuDNN 9.10.2" }, info!.Describe().ToArray());
    }

    [TestMethod]
    public void Read_WithoutRuntimeOrCudnnLoaded_SaysSo()
    {
        _deviceGetResult = 0;

        var (info, _) = CudaDeviceInfo.Read(0, StandIns(withRuntimeAndCudnn: false));

        CollectionAssert.AreEqual(new[] { "NVIDIA Stand-in 100 (143,771 MiB)", "CUDA runtime unknown (libcudart not loaded), driver supports CUDA 12.9", "cuDNN not loaded" }, info!.Describe().ToArray());
    }

    [TestMethod]
    public void Read_AFailingCall_IsAProblemLine_NotAnError()
    {
        _deviceGetResult = 101; // CUDA_ERROR_INVALID_DEVICE

        var (info, problem) = CudaDeviceInfo.Read(7, StandIns(withRuntimeAndCudnn: true));

        Assert.IsNull(info);
        Assert.AreEqual("cuDeviceGet returned CUDA error 101", problem);
    }

    [TestMethod]
    public void ReadOnThisMachine_WithoutADriver_SaysWhy()
    {
        if (NativeLibrary.TryLoad("libcuda.so.1", out _)) Assert.Inconclusive("this machine has a CUDA driver.");

        var (info, problem) = CudaDeviceInfo.Read(0);

        Assert.IsNull(info);
        Assert.AreEqual("no CUDA driver library (libcuda.so.1) could be loaded", problem);
    }

    [TestMethod]
    [DataRow(12080, "12.8")]
    [DataRow(11070, "11.7")]
    [DataRow(13000, "13.0")]
    public void CudaVersion_IsMajorDotMinor(int version, string text) => Assert.AreEqual(text, CudaDeviceInfo.CudaVersion(version));

    [TestMethod]
    [DataRow(91002L, "9.10.2")]
    [DataRow(90100L, "9.1.0")]
    [DataRow(8902L, "8.9.2")]
    public void CudnnVersion_ReadsBothEncodings(long version, string text) => Assert.AreEqual(text, CudaDeviceInfo.CudnnVersionText(version));
}
