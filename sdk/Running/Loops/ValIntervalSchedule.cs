namespace Runner.Sdk.Running.Loops;

/// <summary>
/// When to validate: after <c>val_begin</c>, every <c>val_interval</c> epochs or iterations, with MMEngine's
/// <c>dynamic_intervals</c> — <c>[[milestone, interval], …]</c> — switching the interval once training passes each
/// milestone.
/// </summary>
public sealed class ValIntervalSchedule
{
    private readonly int[] _milestones;
    private readonly int[] _intervals;

    /// <summary>A schedule from the loop's <c>val_begin</c>, <c>val_interval</c> and <c>dynamic_intervals</c>.</summary>
    /// <exception cref="ArgumentException">An interval below 1, or milestones that do not increase.</exception>
    public ValIntervalSchedule(int valBegin, int valInterval, int[][]? dynamicIntervals)
    {
        if (valInterval < 1) throw new ArgumentException($"val_interval must be at least 1, got {valInterval}.");
        var pairs = dynamicIntervals ?? [];
        if (pairs.Any(p => p.Length != 2 || p[0] < 0 || p[1] < 1))
            throw new ArgumentException("dynamic_intervals must be [milestone, interval] pairs with a positive interval, e.g. [[10, 2], [20, 1]].");
        if (pairs.Zip(pairs.Skip(1)).Any(p => p.Second[0] <= p.First[0]))
            throw new ArgumentException("dynamic_intervals milestones must increase.");
        ValBegin = valBegin;
        _milestones = [0, .. pairs.Select(p => p[0])];
        _intervals = [valInterval, .. pairs.Select(p => p[1])];
        Interval = valInterval;
    }

    /// <summary>The first epoch or iteration validated after.</summary>
    public int ValBegin { get; }

    /// <summary>The interval in force now.</summary>
    public int Interval { get; private set; }

    /// <summary>
    /// Updates the interval after <paramref name="done"/> completed epochs or iterations. As MMEngine's
    /// <c>_decide_current_val_interval</c> (<c>bisect(milestones, done + 1)</c>), the interval is that of the next
    /// epoch or iteration: with <c>val_interval = 5</c> and <c>[[6, 2]]</c>, epoch 5 is not validated, 6, 8, 10… are.
    /// </summary>
    public void Update(int done)
    {
        var index = Array.FindLastIndex(_milestones, m => m <= done + 1);
        Interval = _intervals[Math.Max(index, 0)];
    }

    /// <summary>Whether to validate after <paramref name="done"/> of <paramref name="total"/> epochs or iterations.</summary>
    public bool ShouldValidate(int done, int total) => done >= ValBegin && (done % Interval == 0 || done == total);
}
