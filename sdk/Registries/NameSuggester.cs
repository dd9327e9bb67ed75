namespace Runner.Sdk.Registries;

/// <summary>Finds the names closest to a misspelt one ("did you mean …?"), by edit distance, ignoring case and underscores.</summary>
internal static class NameSuggester
{
    public static IReadOnlyList<string> Closest(string wrong, IEnumerable<string> candidates, int max = 3)
    {
        var target = Normalize(wrong);
        return candidates
            .Distinct()
            .Select(name => (name, distance: Distance(target, Normalize(name))))
            .Where(x => x.distance <= Math.Max(2, target.Length / 3))
            .OrderBy(x => x.distance).ThenBy(x => x.name, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.name)
            .ToList();
    }

    private static string Normalize(string name) => name.Replace("_", "").ToLowerInvariant();

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
