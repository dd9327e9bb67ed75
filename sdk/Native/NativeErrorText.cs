using System.Text;

namespace Runner.Sdk.Native;

/// <summary>
/// Error text that came from native code or from a file, made fit for one console line: libtorch's messages carry
/// the C++ call stack after the sentence that matters ("Exception raised from …", "frame #0: …"), and bytes read
/// from a crafted file can hold anything.
/// </summary>
internal static class NativeErrorText
{
    /// <summary>
    /// The message without libtorch's C++ stack (everything from <c>Exception raised from</c> or the first
    /// <c>frame #</c> line on), trimmed.
    /// </summary>
    /// <param name="message">An exception's message.</param>
    /// <returns>The part of the message a user reads.</returns>
    public static string WithoutNativeFrames(string message)
    {
        var cut = message.Length;
        foreach (var marker in (string[])["\nException raised from ", "Exception raised from ", "\nframe #"])
        {
            var at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) cut = Math.Min(cut, at);
        }
        return message[..cut].TrimEnd();
    }

    /// <summary>Whether <paramref name="message"/> carries a libtorch stack that <see cref="WithoutNativeFrames"/> removes.</summary>
    /// <param name="message">An exception's message.</param>
    /// <returns>True when the message holds native frames.</returns>
    public static bool HasNativeFrames(string message) => WithoutNativeFrames(message).Length != message.TrimEnd().Length;

    /// <summary>
    /// <paramref name="text"/> as printable characters on one line, at most <paramref name="maxLength"/> of them:
    /// control characters and invalid text become <c>?</c>, a longer text ends in <c>…</c>.
    /// </summary>
    internal static string Printable(string text, int maxLength = 200)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        foreach (var rune in text.EnumerateRunes())
        {
            if (builder.Length >= maxLength) return builder.Append('…').ToString();
            builder.Append(Rune.IsControl(rune) || rune == Rune.ReplacementChar ? "?" : rune.ToString());
        }
        return builder.ToString();
    }
}
