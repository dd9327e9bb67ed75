using System.Diagnostics;

namespace Runner.Tests.Support;

/// <summary>
/// Starts runner-host under Open MPI's <c>mpirun -np N</c>, as a user does (with <c>--oversubscribe</c>, since the
/// test machine may have fewer cores than ranks, and <c>--allow-run-as-root</c> when the tests run as root).
/// <c>./build/test</c> installs Open MPI; where it is missing, these tests are inconclusive.
/// </summary>
public static class MpiRun
{
    /// <summary>Names each run, so its ranks' processes can be found among the machine's.</summary>
    private const string RunMarker = "RUNNER_TEST_MPI_RUN";

    public static void RequireOpenMpi()
    {
        if (!CommandExists("mpirun")) Assert.Inconclusive("mpirun is not installed (./build/test installs Open MPI: apt-get install openmpi-bin).");
    }

    /// <summary>Starts <c>mpirun -np <paramref name="ranks"/> dotnet runner-host.dll args…</c> with its output redirected; the caller reads it.</summary>
    public static Process Start(int ranks, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        Launch(["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), .. Host, .. args], environment);

    /// <summary>Runs to the end (killing the run if it takes longer than <paramref name="limit"/>, which fails the test).</summary>
    public static HostTester.Result Run(int ranks, string[] args, TimeSpan? limit = null, IReadOnlyDictionary<string, string>? environment = null) =>
        ToTheEnd(Start(ranks, args, environment), $"mpirun -np {ranks} {string.Join(' ', args)}", limit);

    /// <summary>
    /// Runs one rank per entry of <paramref name="rankArgs"/>, each with its own arguments (Open MPI's MPMD form,
    /// <c>mpirun -np 1 … : -np 1 …</c>), to the end.
    /// </summary>
    public static HostTester.Result RunEach(string[][] rankArgs, TimeSpan? limit = null) =>
        ToTheEnd(Launch(rankArgs.SelectMany((args, rank) => (string[])[.. rank > 0 ? [":"] : Array.Empty<string>(), "-np", "1", .. Host, .. args]), null),
            "mpirun (one rank per argument list)", limit);

    /// <summary>The host as mpirun starts it on each rank.</summary>
    private static string[] Host => ["dotnet", Path.Combine(TestEnvironment.RepoRoot, "host", "bin", DotnetCli.Configuration, "net10.0", "runner-host.dll")];

    private static Process Launch(IEnumerable<string> rankSpecs, IReadOnlyDictionary<string, string>? environment)
    {
        RequireOpenMpi();
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot };
        start.ArgumentList.Add("--oversubscribe");
        if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
        foreach (var arg in rankSpecs) start.ArgumentList.Add(arg);
        start.Environment[RunMarker] = Guid.NewGuid().ToString("N");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    private static HostTester.Result ToTheEnd(Process process, string what, TimeSpan? limit)
    {
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(limit ?? TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{what} did not end within {limit ?? TimeSpan.FromMinutes(3)}:\n{stdout.Result}\n{stderr.Result}");
            }
            return new HostTester.Result(process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>The process id of rank <paramref name="rank"/> of the run <paramref name="mpirun"/> started (Open MPI tells each its rank in OMPI_COMM_WORLD_RANK).</summary>
    public static int? PidOfRank(Process mpirun, int rank)
    {
        var marker = $"{RunMarker}={mpirun.StartInfo.Environment[RunMarker]}";
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || pid == mpirun.Id) continue;
            string[] variables;
            try
            {
                variables = File.ReadAllText(Path.Combine(folder, "environ")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (variables.Contains(marker) && variables.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
        }
        return null;
    }

    private static bool CommandExists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));
}
