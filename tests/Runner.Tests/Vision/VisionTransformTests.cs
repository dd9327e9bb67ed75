using Runner.Tests.Support;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using static TorchSharp.torch;

namespace Runner.Tests.Vision;

[TestClass]
public sealed class VisionTransformTests
{
    /// <summary>An image uint8 [H, W, 3] whose pixel (y, x) is (y, x, y + x), and a sample holding it.</summary>
    private static DataBatch Sample(int height, int width)
    {
        using var y = arange(height, dtype: ScalarType.Int64).view(height, 1).expand(height, width);
        using var x = arange(width, dtype: ScalarType.Int64).view(1, width).expand(height, width);
        using var sum = y + x;
        return new DataBatch { ["img"] = stack([y, x, sum], 2).to_type(ScalarType.Byte), ["gt_label"] = tensor(3L) };
    }

    private static DataBatch Apply(string toml, DataBatch sample, long index = 0, int epoch = 0, long seed = 7) =>
        VisionFixture.Build<ITransform>(toml).Transform(sample, new SampleContext(index, epoch, seed));

    [TestMethod]
    public void Resize_GivesTheSize_KeepRatio_FitsInside()
    {
        using var square = Apply("type = \"Resize\"\nscale = [16]", Sample(10, 20));
        using var kept = Apply("type = \"Resize\"\nscale = [16, 16]\nkeep_ratio = true", Sample(10, 20));

        CollectionAssert.AreEqual(new long[] { 16, 16, 3 }, square["img"].shape);
        CollectionAssert.AreEqual(new long[] { 8, 16, 3 }, kept["img"].shape);
        Assert.AreEqual(ScalarType.Byte, kept["img"].dtype);
    }

    [TestMethod]
    public void CenterCrop_TakesTheMiddle()
    {
        using var cropped = Apply("type = \"CenterCrop\"\ncrop_size = [4, 2]", Sample(10, 20));

        CollectionAssert.AreEqual(new long[] { 2, 4, 3 }, cropped["img"].shape);
        Assert.AreEqual(4, cropped["img"][0, 0, 0].item<byte>(), "first row is y = 4");
        Assert.AreEqual(8, cropped["img"][0, 0, 1].item<byte>(), "first column is x = 8");
    }

    [TestMethod]
    public void RandomFlip_IsDeterministicPerSample_AndVariesOverSamplesAndEpochs()
    {
        bool Flipped(long index, int epoch)
        {
            using var result = Apply("type = \"RandomFlip\"\nprob = 0.5", Sample(4, 6), index, epoch);
            return result["img"][0, 0, 1].item<byte>() == 5; // column x = 5 came first
        }

        var first = Enumerable.Range(0, 64).Select(i => Flipped(i, 0)).ToList();
        var again = Enumerable.Range(0, 64).Select(i => Flipped(i, 0)).ToList();
        var nextEpoch = Enumerable.Range(0, 64).Select(i => Flipped(i, 1)).ToList();

        CollectionAssert.AreEqual(first, again, "same seed, epoch and index: same draw");
        Assert.IsTrue(first.Count(f => f) is > 16 and < 48, $"about half flipped: {first.Count(f => f)}");
        CollectionAssert.AreNotEqual(first, nextEpoch, "another epoch draws again");
    }

    [TestMethod]
    public void RandomResizedCrop_GivesTheScale_ValuesOfTheImage()
    {
        using var result = Apply("type = \"RandomResizedCrop\"\nscale = [8]", Sample(40, 30), index: 5);

        var image = result["img"];
        CollectionAssert.AreEqual(new long[] { 8, 8, 3 }, image.shape);
        Assert.AreEqual(ScalarType.Byte, image.dtype);
        Assert.IsLessThanOrEqualTo(39 + 29, image.select(2, 2).max().item<byte>());
    }

    [TestMethod]
    public void RandomCrop_WithPadding_KeepsTheSize_AndPadsWithPadVal()
    {
        var sizes = new List<long[]>();
        var sawPadding = false;
        for (var i = 0; i < 20; i++)
        {
            using var result = Apply("type = \"RandomCrop\"\ncrop_size = [8]\npadding = 4\npad_val = 255", Sample(8, 8), index: i);
            sizes.Add(result["img"].shape);
            sawPadding |= result["img"].eq(255).any().item<bool>();
        }

        Assert.IsTrue(sizes.All(s => s.SequenceEqual(new long[] { 8, 8, 3 })));
        Assert.IsTrue(sawPadding, "some crops reach into the padding");
    }

    [TestMethod]
    public void ColorJitter_StaysInByteRange_AndChangesTheImage()
    {
        using var original = Sample(6, 6);
        using var expected = original["img"].clone();
        using var result = Apply("type = \"ColorJitter\"\nbrightness = 0.8\ncontrast = 0.8\nsaturation = 0.8", original, index: 2);

        Assert.AreEqual(ScalarType.Byte, result["img"].dtype);
        Assert.IsFalse(result["img"].eq(expected).all().item<bool>(), "the factors moved the pixels");
    }

    [TestMethod]
    [DataRow("type = \"RandomResizedCrop\"\nscale = [7, 5]")]
    [DataRow("type = \"RandomCrop\"\ncrop_size = [6]\npadding = 2")]
    [DataRow("type = \"RandomFlip\"\ndirection = \"vertical\"")]
    [DataRow("type = \"ColorJitter\"\nbrightness = 0.5\ncontrast = 0.5\nsaturation = 0.5")]
    public void RandomTransform_IsDeterministicUnderTheSeed_AndVariesWithIt(string toml)
    {
        byte[] Draw(long seed, long index)
        {
            using var result = Apply(toml, Sample(12, 10), index, epoch: 1, seed);
            return result["img"].contiguous().data<byte>().ToArray();
        }

        var outputs = Enumerable.Range(0, 8).Select(i => Draw(seed: 21, index: i)).ToList();
        var repeated = Enumerable.Range(0, 8).Select(i => Draw(seed: 21, index: i)).ToList();
        var reseeded = Enumerable.Range(0, 8).Select(i => Draw(seed: 22, index: i)).ToList();

        for (var i = 0; i < outputs.Count; i++) CollectionAssert.AreEqual(outputs[i], repeated[i], $"sample {i}");
        Assert.IsTrue(Enumerable.Range(0, 8).Any(i => !outputs[i].SequenceEqual(reseeded[i])), "another seed draws otherwise");
        Assert.IsTrue(outputs.Skip(1).Any(o => !o.SequenceEqual(outputs[0])), "samples draw independently");
    }

    [TestMethod]
    public void PackInputs_MakesChannelsFirstInputs_AndLabels()
    {
        using var packed = Apply("type = \"PackInputs\"", Sample(4, 6));

        CollectionAssert.AreEqual(new long[] { 3, 4, 6 }, packed.Inputs.shape);
        Assert.AreEqual(5, packed.Inputs[1, 0, 5].item<byte>(), "channel 1 holds x");
        Assert.AreEqual(3L, packed[DataBatch.LabelsKey].item<long>());
    }

    [TestMethod]
    public void RandomStep_WithoutItsContext_SaysToRunItInAPipeline()
    {
        var flip = VisionFixture.Build<ITransform>("type = \"RandomFlip\"");

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => flip.Transform(Sample(2, 2)));

        StringAssert.Contains(error.Message, "run it in a dataset's pipeline");
    }

    [TestMethod]
    public void Dataset_WithRandomPipeline_RepeatsItsDrawsForTheSameSeedAndEpoch()
    {
        var root = VisionFixture.WriteImageFolder(perClass: 4);
        var toml = $"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}\nseed = 11\npipeline = [{{ type = \"RandomResizedCrop\", scale = [6] }}, {{ type = \"RandomFlip\" }}, {{ type = \"PackInputs\" }}]";
        var dataset = VisionFixture.Build<IDataset>(toml);
        var twin = VisionFixture.Build<IDataset>(toml);
        long[] all = [0, 1, 2, 3, 4, 5, 6, 7];

        var first = VisionFixture.Read(dataset, all, epoch: 2);
        var repeated = VisionFixture.Read(twin, all, epoch: 2);

        CollectionAssert.AreEqual(new long[] { 8, 3, 6, 6 }, first.Shape);
        CollectionAssert.AreEqual(first.Pixels, repeated.Pixels, "a second dataset (a resumed run) draws the same");
    }

    [TestMethod]
    public void ImageClassifier_Resnet18_HasTorchvisionsParameterNamesAndShapes()
    {
        var expected = File.ReadAllLines(Path.Combine(TestEnvironment.RepoRoot, "tests", "Runner.Tests", "Vision", "torchvision-resnet18-state-dict.txt"))
            .Where(line => !line.StartsWith('#')).ToList();
        using var model = VisionFixture.Build<BaseModel>("type = \"ImageClassifier\"\nbackbone = \"resnet18\"\nnum_classes = 1000");

        var actual = model.state_dict().Select(kv => $"{kv.Key} {string.Join(",", kv.Value.shape)}").ToList();

        CollectionAssert.AreEquivalent(expected, actual, "missing: " + string.Join("; ", expected.Except(actual).Take(5)) + " | extra: " + string.Join("; ", actual.Except(expected).Take(5)));
    }

    [TestMethod]
    public void ImageClassifier_FrozenStages_FixTheStemAndLayers_AndTheirStatistics()
    {
        using var model = VisionFixture.Build<BaseModel>("type = \"ImageClassifier\"\nbackbone = \"resnet18\"\nnum_classes = 4\nfrozen_stages = 1");
        model.train();

        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        var modes = model.named_modules().Where(m => m.name is "bn1" or "layer1.0.bn1" or "layer2.0.bn1").ToDictionary(m => m.name, m => m.module.training);

        Assert.IsFalse(trainable.Any(n => n.StartsWith("conv1", StringComparison.Ordinal) || n.StartsWith("layer1.", StringComparison.Ordinal)));
        Assert.IsTrue(trainable.Contains("layer2.0.conv1.weight") && trainable.Contains("fc.weight"));
        Assert.IsFalse(modes["bn1"]);
        Assert.IsFalse(modes["layer1.0.bn1"]);
        Assert.IsTrue(modes["layer2.0.bn1"]);
    }
}
