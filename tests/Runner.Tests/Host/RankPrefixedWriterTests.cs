using System.Text;
using Runner.Host;

namespace Runner.Tests.Host;

[TestClass]
public sealed class RankPrefixedWriterTests
{
    /// <summary>Records each write it receives, as the shared pipe would.</summary>
    private sealed class RecordingWriter : TextWriter
    {
        public List<string> Writes { get; } = [];

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Writes.Add(value.ToString());

        public override void Write(string? value) => Writes.Add(value ?? "");
    }

    [TestMethod]
    public void EachLine_GoesOutInOneWrite_WithThePrefix()
    {
        var pipe = new RecordingWriter();
        var writer = new RankPrefixedWriter(pipe, 2);

        writer.Write("error: ");
        writer.Write('r');
        writer.WriteLine("ank 2: a message");
        writer.Write("  hint: one\n  and two\nunfinished");
        writer.Flush();

        CollectionAssert.AreEqual(new[] { "[rank 2] error: rank 2: a message\n", "[rank 2]   hint: one\n", "[rank 2]   and two\n", "[rank 2] unfinished" }, pipe.Writes);
    }
}
