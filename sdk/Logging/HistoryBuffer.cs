using Runner.Sdk.Storage;

namespace Runner.Sdk.Logging;

/// <summary>
/// The recent history of one logged scalar (MMEngine's <c>HistoryBuffer</c>): the last <see cref="MaxLength"/>
/// (value, count) pairs for windowed statistics, plus running totals over the whole run. Bounded, so a long run's
/// memory and checkpoint size do not grow with its length.
/// </summary>
public sealed class HistoryBuffer
{
    // Grown by doubling up to MaxLength, then used as a ring: a scalar logged a few times costs bytes, not the
    // 160 KB (a large object) of a full history, and a new key does not make the collector run.
    // Each value beside its count: an update writes one place, not two arrays.
    private (double Value, long Count)[] _entries;
    private int _start;
    private int _length;
    private const int InitialCapacity = 64;

    /// <summary>An empty history that keeps at most <paramref name="maxLength"/> entries.</summary>
    public HistoryBuffer(int maxLength = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        MaxLength = maxLength;
        _entries = new (double, long)[Math.Min(maxLength, InitialCapacity)];
    }

    /// <summary>The most entries kept (older ones fall out; the global totals keep them).</summary>
    public int MaxLength { get; }

    /// <summary>How many entries are held (at most <see cref="MaxLength"/>).</summary>
    public int Length => _length;

    /// <summary>The sum of every value ever added, times its count.</summary>
    public double GlobalSum { get; private set; }

    /// <summary>The sum of every count ever added.</summary>
    public long GlobalCount { get; private set; }

    /// <summary>Adds <paramref name="value"/>, weighted by <paramref name="count"/> (e.g. the batch size for a mean over samples).</summary>
    public void Update(double value, long count = 1)
    {
        if (_length == _entries.Length && _entries.Length < MaxLength)
        {
            // Not yet a ring (_start is 0 until the buffer is full at MaxLength), so the entries are in order.
            Array.Resize(ref _entries, (int)Math.Min((long)_entries.Length * 2, MaxLength));
        }
        var slot = (_start + _length) % _entries.Length;
        if (_length == _entries.Length) _start = (_start + 1) % _entries.Length;
        else _length++;
        _entries[slot] = (value, count);
        GlobalSum += value * count;
        GlobalCount += count;
    }

    /// <summary>The latest value.</summary>
    public double Current() =>
        _length > 0 ? _entries[(_start + _length - 1) % _entries.Length].Value : throw new InvalidOperationException("The history buffer is empty.");

    /// <summary>The count-weighted mean of the last <paramref name="window"/> entries (MMEngine: <c>sum(values) / sum(counts)</c>).</summary>
    public double Mean(int window)
    {
        double sum = 0;
        long count = 0;
        foreach (var (value, n) in Last(window))
        {
            sum += value;
            count += n;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>The largest of the last <paramref name="window"/> values.</summary>
    public double Max(int window) => Last(window).Max(x => x.Value);

    /// <summary>The smallest of the last <paramref name="window"/> values.</summary>
    public double Min(int window) => Last(window).Min(x => x.Value);

    private IEnumerable<(double Value, long Count)> Last(int window)
    {
        var n = Math.Min(Math.Max(window, 1), _length);
        for (var i = _length - n; i < _length; i++)
        {
            yield return _entries[(_start + i) % _entries.Length];
        }
    }

    /// <summary>Plain data for a checkpoint.</summary>
    public Dictionary<string, object> StateDict()
    {
        var values = new List<double>(_length);
        var counts = new List<long>(_length);
        foreach (var (value, count) in Last(_length))
        {
            values.Add(value);
            counts.Add(count);
        }
        return new()
        {
            ["max_length"] = (long)MaxLength,
            ["values"] = values,
            ["counts"] = counts,
            ["global_sum"] = GlobalSum,
            ["global_count"] = GlobalCount,
        };
    }

    /// <summary>A history restored from what its <c>StateDict</c> returned (a checkpoint's message hub).</summary>
    public static HistoryBuffer FromStateDict(IReadOnlyDictionary<string, object> state)
    {
        var buffer = new HistoryBuffer((int)Convert.ToInt64(state["max_length"]));
        var values = PlainData.ToDoubles(state["values"]);
        var counts = PlainData.ToLongs(state["counts"]);
        for (var i = 0; i < values.Length; i++) buffer.Update(values[i], counts[i]);
        buffer.GlobalSum = Convert.ToDouble(state["global_sum"]);
        buffer.GlobalCount = Convert.ToInt64(state["global_count"]);
        return buffer;
    }
}
