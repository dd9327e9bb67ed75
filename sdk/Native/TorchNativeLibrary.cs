using System.Runtime.InteropServices;

namespace Runner.Sdk.Native;

/// <summary>
/// Makes TorchSharp's native bridge (<c>libLibTorchSharp.so</c>) loadable on systems whose libstdc++ is older than
/// the one it was linked against (Debian 12 lacks <c>GLIBCXX_3.4.32</c>).
/// </summary>
/// <remarks>
/// The library asks for <c>GLIBCXX_3.4.32</c> only because of one symbol, <c>_ZSt21ios_base_library_initv</c>, that no
/// relocation uses. Marking that version requirement weak (<c>VER_FLG_WEAK</c> in its <c>vna_flags</c>) lets the
/// dynamic loader accept a libstdc++ without it, and changes nothing where the version exists. The patch is applied
/// to the copy in the application's own output folder only (never to the system or the NuGet cache), is idempotent,
/// and must run before the first TorchSharp call: when the native load fails, TorchSharp silently copies ~480 MB of
/// libtorch into a <c>cpu/</c> folder beside its DLL and tries again.
/// </remarks>
internal static class TorchNativeLibrary
{
    private const string BridgeFileName = "libLibTorchSharp.so";
    private const string WeakenedVersion = "GLIBCXX_3.4.32";
    private static readonly Lock Gate = new();
    private static bool _done;

    /// <summary>Patches every copy of the bridge library the runtime may load. Safe to call many times.</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (_done) return;
            OpenMpWaitPolicy.ApplyDefault();
            // The build's libtorch is outside the probing paths (so that another can be chosen): it is found here.
            System.Runtime.Loader.AssemblyLoadContext.Default.ResolvingUnmanagedDll += LibTorchLoader.Resolve;
            if (OperatingSystem.IsLinux())
            {
                foreach (var path in CandidatePaths())
                    ElfVersionPatcher.TryWeakenVersionNeed(path, WeakenedVersion);
            }
            _done = true;
        }
    }

    /// <summary>The folders the runtime probes for native libraries (from the app's deps.json), plus TorchSharp's own folder.</summary>
    internal static IEnumerable<string> CandidatePaths()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            folders.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var torchDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
        {
            folders.Add(torchDir);
            folders.Add(Path.Combine(torchDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
            folders.Add(Path.Combine(torchDir, "runtimes", "linux-x64", "native"));
        }
        return folders
            .Select(folder => Path.Combine(folder, BridgeFileName))
            .Where(File.Exists)
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal);
    }
}
