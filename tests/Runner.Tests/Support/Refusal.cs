namespace Runner.Tests.Support;

/// <summary>What a refused input must look like to the user: exit 1, one error line (and at most its hint), no stack trace.</summary>
public static class Refusal
{
    /// <summary>
    /// Fails unless the run ended with exit code 1 and a single <c>error:</c> line (optionally followed by its
    /// <c>hint:</c> line) containing every fragment, with no .NET or libtorch stack frames anywhere in its output.
    /// </summary>
    public static string AssertOneLine(HostTester.Result result, params string[] fragments)
    {
        var all = result.Stdout + result.Stderr;
        Assert.AreEqual(1, result.ExitCode, all);
        Assert.IsFalse(all.Contains("   at ", StringComparison.Ordinal), "a .NET stack trace: " + all);
        Assert.IsFalse(all.Contains("frame #", StringComparison.Ordinal), "libtorch's frames: " + all);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(lines.Count == 1 || (lines.Count == 2 && lines[1].TrimStart().StartsWith("hint:", StringComparison.Ordinal)), "one error line: " + result.Stderr);
        StringAssert.StartsWith(lines[0], "error: ", result.Stderr);
        foreach (var fragment in fragments) StringAssert.Contains(lines[0], fragment, result.Stderr);
        return lines[0];
    }
}
