using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// Environment variables that native libraries read (OpenMP, Open MPI): <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// changes .NET's copy only, so these go through the C library's <c>setenv</c> as well.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> unless it is set already (to anything, even empty). Returns whether it was set here.</summary>
    public static bool SetIfUnset(string name, string value)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;
        if (Environment.GetEnvironmentVariable(name) is not null) return false;
        if (SetEnv(name, value, 0) != 0) return false;
        Environment.SetEnvironmentVariable(name, value);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
