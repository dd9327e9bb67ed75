namespace Runner.Tests.Support;

using Runner.Host;

/// <summary>Runs runner-host in-process, exactly as the executable does, and captures its output.</summary>
public static class HostTester
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = HostApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
