namespace Runner.Sdk.Native;

/// <summary>
/// How libtorch's OpenMP threads wait for work. GNU OpenMP's default spins for ~300,000 rounds before it sleeps:
/// on a machine whose cores are busy with something else, the spinning threads take the time the working thread
/// needs, and the default job took 2.4 times as long with one of two cores busy. Spinning 1,000 rounds keeps that
/// to 1.3 times, for 12 % more time on an idle machine (docs/benchmarks.md). Set before libtorch is loaded (OpenMP
/// reads it once), and only when the user has set neither <c>OMP_WAIT_POLICY</c> nor <c>GOMP_SPINCOUNT</c>.
/// </summary>
internal static class OpenMpWaitPolicy
{
    public const string SpinCount = "1000";

    /// <summary>What was applied, for the environment log: the user's own setting, or this default.</summary>
    public static string Describe() =>
        Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } policy ? $"OMP_WAIT_POLICY={policy} (yours)"
        : Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { Length: > 0 } count && !_applied ? $"GOMP_SPINCOUNT={count} (yours)"
        : $"GOMP_SPINCOUNT={SpinCount} (Runner's default; set OMP_WAIT_POLICY=ACTIVE to spin as OpenMP does by default)";

    private static bool _applied;

    public static void ApplyDefault()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is { Length: > 0 }) return;
        _applied = NativeEnvironment.SetIfUnset("GOMP_SPINCOUNT", SpinCount);
    }
}
