using System.CommandLine.Parsing;
using System.Globalization;

namespace Runner.Host;

/// <summary>
/// Parses an option's whole-number value with an error in Runner's words (<c>--topk: 'x' is not a whole number.</c>)
/// instead of System.CommandLine's, which names the .NET type (<c>as expected type 'System.Int32'</c>). The range each
/// option allows is checked where the option is used, with its own message.
/// </summary>
internal static class WholeNumberArgument
{
    /// <summary>For an <c>Option&lt;int&gt;</c>: the value, or an error and 0.</summary>
    public static int Parse(ArgumentResult result) => ParseOptional(result) ?? 0;

    /// <summary>For an <c>Option&lt;int?&gt;</c>, whose value may be left out (<c>--fast-dev-run</c>): the value, null when none is given, or an error.</summary>
    public static int? ParseOptional(ArgumentResult result)
    {
        if (result.Tokens.Count == 0) return null;
        var text = result.Tokens[0].Value;
        var option = (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        // Digits (after a sign) that int cannot hold are a number out of range; anything else is not a number.
        result.AddError(text.TrimStart('-', '+') is { Length: > 0 } digits && digits.All(char.IsAsciiDigit)
            ? $"{option}: {text} is out of range (from {int.MinValue} to {int.MaxValue})."
            : $"{option}: '{text}' is not a whole number.");
        return null;
    }
}
