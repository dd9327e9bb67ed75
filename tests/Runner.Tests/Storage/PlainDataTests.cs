using System.Text.Json;
using Runner.Sdk.Storage;

namespace Runner.Tests.Storage;

[TestClass]
public sealed class PlainDataTests
{
    private sealed record HookNote(string Name, int Count);

    [TestMethod]
    public void ToJson_WritesWhatJsonSerializerWrites_AndReadsBack()
    {
        var data = new Dictionary<string, object?>
        {
            ["epoch"] = 3L,
            ["iter"] = 7,
            ["lr"] = 0.1,
            ["tiny"] = 1e-300,
            ["ratio"] = 0.25f,
            ["name"] = "toy <run> + \"quoted\" é",
            ["flag"] = true,
            ["none"] = null,
            ["shape"] = new long[] { 32, 10 },
            ["history"] = new List<object> { 1.5, 2L, "x", new Dictionary<string, object> { ["inner"] = new[] { 1, 2 } } },
            ["labels"] = new Dictionary<string, string> { ["0"] = "zero" },
            ["note"] = new HookNote("best", 2),
        };

        var json = PlainData.ToJson(data);

        Assert.AreEqual(JsonSerializer.Serialize(data), json);
        var back = PlainData.FromJson(json);
        Assert.AreEqual(3L, back["epoch"]);
        Assert.AreEqual(0.1, back["lr"]);
        Assert.AreEqual(1e-300, back["tiny"]);
        Assert.AreEqual("toy <run> + \"quoted\" é", back["name"]);
        CollectionAssert.AreEqual(new object[] { 32L, 10L }, (List<object?>)back["shape"]);
        Assert.AreEqual(2L, ((Dictionary<string, object>)back["note"])["Count"]);
    }

    [TestMethod]
    public void ToJson_LargeState_GrowsItsBuffer()
    {
        // A message hub's histories: megabytes of numbers, and the same text again as an escaped string.
        var histories = new Dictionary<string, object> { ["values"] = Enumerable.Range(0, 200_000).Select(i => i * 0.5).ToArray() };
        var state = PlainData.ToJson(histories);
        var header = new Dictionary<string, object> { ["state"] = state };

        var json = PlainData.ToJson(header);

        Assert.AreEqual(JsonSerializer.Serialize(header), json);
        Assert.AreEqual(state, JsonDocument.Parse(json).RootElement.GetProperty("state").GetString());
    }

    [TestMethod]
    public void ToJson_NonFiniteNumber_IsRefused_AsJsonSerializerRefusesIt()
    {
        Assert.ThrowsExactly<ArgumentException>(() => PlainData.ToJson(new Dictionary<string, object> { ["loss"] = double.NaN }));
    }
}
