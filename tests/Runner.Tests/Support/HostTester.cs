using Runner.Host;

namespace Runner.Tests.Support;

/// <summary>Runs runner-host in-process, exactly as the executable does, and captures its output; or as its own process.</summary>
public static class HostTester
{
    /// <summary>
    /// Starts the built runner-host as a process of its own (for tests that kill or signal it), with standard output
    /// and error redirected: the caller reads them.
    /// </summary>
    public static System.Diagnostics.Process Start(params IEnumerable<string> args) => StartWith(new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="Start"/>, with environment variables set (a null value removes one).</summary>
    public static System.Diagnostics.Process StartWith(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(TestEnvironment.RepoRoot, "host", "bin", DotnetCli.Configuration, "net10.0", "runner-host.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        return System.Diagnostics.Process.Start(start)!;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs runner-host as its own process to its end. For long training runs: in this test process, other threads
    /// allocate while a step runs, which exposes TorchSharp's finalizer race on implicitly created Scalars
    /// (docs/differences.md, known issues); a runner-host process has no such threads.
    /// </summary>
    public static Result RunProcess(params string[] args) => RunProcessWith(new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="RunProcess"/>, with environment variables set (a null value removes one).</summary>
    public static Result RunProcessWith(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = StartWith(environment, args);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout, stderr.Result);
    }

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = HostApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
