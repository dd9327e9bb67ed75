namespace Runner.Sdk;

/// <summary>
/// The base of every error Runner reports to a user: a config mistake, an unknown component, a failing hook or
/// plugin, a bad checkpoint. The message is complete on its own (where, what, and how to fix it), so the host prints
/// it as one line without a stack trace.
/// </summary>
public class RunnerException : Exception
{
    /// <summary>An error to show the user as <paramref name="message"/>, without a stack trace.</summary>
    public RunnerException(string message) : base(message) { }

    /// <summary>An error to show the user as <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public RunnerException(string message, Exception? inner) : base(message, inner) { }
}
