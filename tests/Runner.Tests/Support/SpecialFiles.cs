using System.Diagnostics;

namespace Runner.Tests.Support;

/// <summary>Files that are not regular files, made for a test: a FIFO, a character device node of the test's own.</summary>
public static class SpecialFiles
{
    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>.</summary>
    public static void Fifo(string path) => Run("mkfifo", path);

    /// <summary>
    /// Makes a character device node at <paramref name="path"/> with the numbers of a system one (1, 3 is
    /// <c>/dev/null</c>; 1, 7 is <c>/dev/full</c>), so that no test ever writes to the system's own. Inconclusive where
    /// <c>mknod</c> is missing.
    /// </summary>
    public static void CharacterDevice(string path, int major, int minor)
    {
        try
        {
            Run("mknod", path, "c", major.ToString(System.Globalization.CultureInfo.InvariantCulture), minor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Inconclusive("mknod is not available here.");
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(file, args);
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"{file} {string.Join(' ', args)}");
    }
}
