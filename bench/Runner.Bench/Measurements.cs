namespace Runner.Bench;

/// <summary>Timings of one case: every repetition, with the minimum and the median.</summary>
internal sealed record Timings(IReadOnlyList<double> Seconds)
{
    public double Min => Seconds.Min();

    public double Median
    {
        get
        {
            var sorted = Seconds.Order().ToList();
            var mid = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    /// <summary>
    /// The median of this variant's time over <paramref name="other"/>'s in the same repetition (run one after the
    /// other): a slow minute of the machine slows both runs of a pair, so it cancels out of their ratio.
    /// </summary>
    public double MedianPairedRatio(Timings other) =>
        new Timings(Seconds.Zip(other.Seconds, (mine, theirs) => mine / theirs).ToList()).Median;
}

/// <summary>One figure of the report: what was measured, its value, the goal, and whether the goal is met (null for a
/// reference figure, measured for context, with no goal of its own).</summary>
internal sealed record Figure(string Case, string Name, double Value, string Unit, string Goal, bool? Met, string Detail)
{
    public string Result => Met switch { true => "met", false => "**missed**", null => "reference" };
}
