using Runner.Tests.Support;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;

namespace Runner.Tests.Vision;

[TestClass]
public sealed class VisionDatasetTests
{
    [TestMethod]
    public void Cifar10_ReadsEveryBatchFile_PlanesAsChannels_AndTheClassNames()
    {
        var root = VisionFixture.WriteCifar10(perFile: 2);

        var train = VisionFixture.Build<IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(root)}");
        var test = VisionFixture.Build<IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(root)}\nsplit = \"test\"");
        var (shape, pixels, labels) = VisionFixture.Read(train, [3]); // file 1 (f = 1), record 1

        Assert.AreEqual(10L, train.Count);
        Assert.AreEqual(2L, test.Count);
        CollectionAssert.AreEqual(new long[] { 1, 3, 32, 32 }, shape);
        Assert.AreEqual((byte)17, pixels[0], "R plane");
        Assert.AreEqual((byte)18, pixels[1024], "G plane");
        Assert.AreEqual((byte)19, pixels[2048], "B plane");
        CollectionAssert.AreEqual(new long[] { 2 }, labels);
        CollectionAssert.AreEqual(new object[] { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" },
            ((IEnumerable<object>)train.Metainfo["classes"]).ToArray());
    }

    [TestMethod]
    public void Cifar10_TruncatedBatch_IsAnErrorNamingTheFile()
    {
        var root = VisionFixture.WriteCifar10();
        var file = Path.Combine(root, "data_batch_3.bin");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..5000]);

        var error = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(root)}"));

        StringAssert.Contains(error.Message, $"'{file}' is 5,000 bytes, not a whole number of CIFAR-10 records of 3,073 bytes: it is truncated");
    }

    [TestMethod]
    public void Cifar10_LabelOutOfRange_IsAnErrorNamingTheFileAndRecord()
    {
        var root = VisionFixture.WriteCifar10();
        var file = Path.Combine(root, "data_batch_2.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[3073] = 200; // record 1's label
        File.WriteAllBytes(file, bytes);

        var error = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(root)}"));

        StringAssert.Contains(error.Message, $"'{file}' record 1 has label 200, but CIFAR-10 has 10 classes (0–9)");
    }

    [TestMethod]
    public void Cifar10_MissingFolderContents_NameTheFileAndTheFormat()
    {
        var root = TestEnvironment.NewTempDir("empty");

        var error = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>($"type = \"CIFAR10\"\ndata_root = {VisionFixture.Quoted(root)}"));

        StringAssert.Contains(error.Message, Path.Combine(root, "data_batch_1.bin"));
        StringAssert.Contains(error.Message, "cifar-10-batches-bin");
    }

    [TestMethod]
    public void Cifar100_FineOrCoarseLabels()
    {
        var root = TestEnvironment.NewTempDir("cifar100");
        var record = new byte[2 + 3072];
        record[0] = 7;  // coarse
        record[1] = 42; // fine
        File.WriteAllBytes(Path.Combine(root, "train.bin"), [.. record, .. record]);

        var fine = VisionFixture.Build<IDataset>($"type = \"CIFAR100\"\ndata_root = {VisionFixture.Quoted(root)}");
        var coarse = VisionFixture.Build<IDataset>($"type = \"CIFAR100\"\ndata_root = {VisionFixture.Quoted(root)}\ncoarse = true");

        Assert.AreEqual(2L, fine.Count);
        CollectionAssert.AreEqual(new long[] { 42, 42 }, VisionFixture.Read(fine, [0, 1]).Labels);
        CollectionAssert.AreEqual(new long[] { 7 }, VisionFixture.Read(coarse, [1]).Labels);
        Assert.HasCount(100, (IEnumerable<object>)fine.Metainfo["classes"]);
        Assert.HasCount(20, (IEnumerable<object>)coarse.Metainfo["classes"]);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Mnist_ReadsIdxFiles_PlainOrGzipped(bool gzip)
    {
        var root = VisionFixture.WriteMnist(count: 5, gzip);

        var dataset = VisionFixture.Build<IDataset>($"type = \"MNIST\"\ndata_root = {VisionFixture.Quoted(root)}\nsplit = \"test\"");
        var (shape, pixels, labels) = VisionFixture.Read(dataset, [3, 4]);

        Assert.AreEqual(5L, dataset.Count);
        CollectionAssert.AreEqual(new long[] { 2, 1, 28, 28 }, shape);
        Assert.AreEqual((byte)30, pixels[0]);
        Assert.AreEqual((byte)40, pixels[28 * 28]);
        CollectionAssert.AreEqual(new long[] { 3, 4 }, labels);
    }

    [TestMethod]
    public void Mnist_TruncatedImages_AreAnErrorNamingTheFile()
    {
        var root = VisionFixture.WriteMnist(count: 5, gzip: false);
        var file = Path.Combine(root, "train-images-idx3-ubyte");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..1000]);

        var error = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>($"type = \"FashionMNIST\"\ndata_root = {VisionFixture.Quoted(root)}"));

        StringAssert.Contains(error.Message, $"'{file}' should hold 3,920 bytes of data after its header (5 × 28 × 28), but holds 984: it is truncated");
    }

    [TestMethod]
    [DataRow("inflates past its sizes", "should hold 3,920 bytes of data after its header (5 × 28 × 28), but holds more: it is truncated or damaged")]
    [DataRow("claims too much", "claims 1,682,863,603,232 bytes of data (2,146,509,698 × 28 × 28), more than one in-memory array holds")]
    [DataRow("label out of range", "gives sample 3 label 12, but MNIST has 10 classes (0–9)")]
    public void Mnist_DamagedFiles_AreErrorsNamingTheFile_WithoutReadingPastTheirSizes(string damage, string expected)
    {
        var root = VisionFixture.WriteMnist(count: 5, gzip: true);
        var images = Path.Combine(root, "train-images-idx3-ubyte.gz");
        var labels = Path.Combine(root, "train-labels-idx1-ubyte.gz");
        var imageBytes = VisionFixture.Gunzip(images);
        var labelBytes = VisionFixture.Gunzip(labels);
        switch (damage)
        {
            case "inflates past its sizes": // a small file that inflates to 64 MB: read no further than its 3,920 bytes
                VisionFixture.WriteGzip(images, [.. imageBytes, .. new byte[64 << 20]]);
                break;
            case "claims too much":
                imageBytes[4] = 0x7F; imageBytes[5] = 0xF1; imageBytes[6] = 0x23; imageBytes[7] = 0x82; // 2,146,509,698 images
                VisionFixture.WriteGzip(images, imageBytes);
                break;
            default:
                labelBytes[8 + 3] = 12;
                VisionFixture.WriteGzip(labels, labelBytes);
                break;
        }

        var error = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>($"type = \"MNIST\"\ndata_root = {VisionFixture.Quoted(root)}"));

        StringAssert.Contains(error.Message, damage == "label out of range" ? $"'{labels}'" : $"'{images}'");
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void ImageFolder_ClassesFromFolders_ImagesDecodedToRgb()
    {
        var root = VisionFixture.WriteImageFolder(perClass: 3);

        var dataset = VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}");
        var (shape, pixels, labels) = VisionFixture.Read(dataset, [4]); // dogs/1.png

        Assert.AreEqual(6L, dataset.Count);
        CollectionAssert.AreEqual(new object[] { "cats", "dogs" }, ((IEnumerable<object>)dataset.Metainfo["classes"]).ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 3, 8, 12 }, shape);
        Assert.AreEqual((byte)50, pixels[0], "red");
        Assert.AreEqual((byte)200, pixels[8 * 12], "green");
        Assert.AreEqual((byte)30, pixels[2 * 8 * 12], "blue");
        CollectionAssert.AreEqual(new long[] { 1 }, labels);
    }

    [TestMethod]
    public void ImageFolder_FollowsFolderLinks_ButEntersEachRealFolderOnce()
    {
        // cats/0.png, dogs/0.png; cats/self → cats (a loop), cats/more and cats/again → one folder of 2 PNGs elsewhere.
        var root = VisionFixture.WriteImageFolder(perClass: 1);
        var elsewhere = TestEnvironment.NewTempDir("linked");
        VisionFixture.WritePng(Path.Combine(elsewhere, "a.png"), 4, 4, SkiaSharp.SKColors.Red);
        VisionFixture.WritePng(Path.Combine(elsewhere, "b.png"), 4, 4, SkiaSharp.SKColors.Red);
        Directory.CreateSymbolicLink(Path.Combine(root, "cats", "self"), Path.Combine(root, "cats"));
        Directory.CreateSymbolicLink(Path.Combine(root, "cats", "more"), elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(root, "cats", "again"), elsewhere);

        var dataset = VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}");

        Assert.AreEqual(4L, dataset.Count, "cats: its own PNG and the linked folder's two, once; dogs: one");
        CollectionAssert.AreEqual(new long[] { 0, 0, 0, 1 }, Enumerable.Range(0, 4).Select(i => VisionFixture.Read(dataset, [i]).Labels[0]).ToArray());
    }

    [TestMethod]
    public void ImageFolder_ReadsJpegWebpAndBmp_ToRgb()
    {
        var root = TestEnvironment.NewTempDir("formats");
        var folder = Directory.CreateDirectory(Path.Combine(root, "only")).FullName;
        foreach (var (format, name) in new[] { (SkiaSharp.SKEncodedImageFormat.Jpeg, "a.jpg"), (SkiaSharp.SKEncodedImageFormat.Webp, "b.webp") })
        {
            using var bitmap = new SkiaSharp.SKBitmap(6, 4);
            bitmap.Erase(new SkiaSharp.SKColor(200, 100, 50));
            using var data = bitmap.Encode(format, 100);
            File.WriteAllBytes(Path.Combine(folder, name), data.ToArray());
        }
        File.WriteAllBytes(Path.Combine(folder, "c.bmp"), Bmp(6, 4, red: 200, green: 100, blue: 50));

        var dataset = VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}");
        var (shape, pixels, _) = VisionFixture.Read(dataset, [0, 1, 2]);

        Assert.AreEqual(3L, dataset.Count);
        CollectionAssert.AreEqual(new long[] { 3, 3, 4, 6 }, shape);
        for (var image = 0; image < 3; image++)
        {
            var start = image * 3 * 24;
            Assert.IsTrue(Math.Abs(pixels[start] - 200) <= 3 && Math.Abs(pixels[start + 24] - 100) <= 3 && Math.Abs(pixels[start + 48] - 50) <= 3,
                $"image {image}: {pixels[start]}, {pixels[start + 24]}, {pixels[start + 48]}");
        }
    }

    /// <summary>An uncompressed 24-bit BMP of one colour (rows bottom-up, padded to 4 bytes, BGR).</summary>
    private static byte[] Bmp(int width, int height, byte red, byte green, byte blue)
    {
        var row = (width * 3 + 3) / 4 * 4;
        var bytes = new byte[54 + row * height];
        void Int(int offset, int value) => BitConverter.GetBytes(value).CopyTo(bytes, offset);
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        Int(2, bytes.Length);
        Int(10, 54);
        Int(14, 40);
        Int(18, width);
        Int(22, height);
        bytes[26] = 1;
        bytes[28] = 24;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var at = 54 + y * row + x * 3;
                (bytes[at], bytes[at + 1], bytes[at + 2]) = (blue, green, red);
            }
        return bytes;
    }

    [TestMethod]
    public void ImageFolder_AnnFile_ListsPathsAndLabels()
    {
        var root = VisionFixture.WriteImageFolder(perClass: 2);
        File.WriteAllLines(Path.Combine(root, "list.txt"), ["dogs/0.png 1", "", "cats/1.png 0"]);

        var dataset = VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}\nann_file = \"list.txt\"\nclasses = [\"cat\", \"dog\"]");

        Assert.AreEqual(2L, dataset.Count);
        CollectionAssert.AreEqual(new long[] { 1, 0 }, VisionFixture.Read(dataset, [0, 1]).Labels);
        CollectionAssert.AreEqual(new object[] { "cat", "dog" }, ((IEnumerable<object>)dataset.Metainfo["classes"]).ToArray());
    }

    [TestMethod]
    [DataRow("dogs/0.png", "expected 'relative/path.png label' with a label of 0 or more, got 'dogs/0.png'")]
    [DataRow("dogs/0.png -1", "expected 'relative/path.png label' with a label of 0 or more, got 'dogs/0.png -1'")]
    [DataRow("dogs/0.png 99999999999", "has label 99,999,999,999: without classes, labels name up to 1,000,000 classes; list the classes' names in classes = [...]")]
    public void ImageFolder_AnnFile_BadLines_AreConfigErrorsNamingTheLine(string line, string expected)
    {
        var root = VisionFixture.WriteImageFolder(perClass: 1);
        File.WriteAllLines(Path.Combine(root, "list.txt"), ["cats/0.png 0", line]);

        var error = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}\nann_file = \"list.txt\""));

        StringAssert.Contains(error.Message, expected);
        if (!line.EndsWith("99999999999", StringComparison.Ordinal)) StringAssert.Contains(error.Message, "list.txt(2)");
    }

    [TestMethod]
    [DataRow("corrupt")]
    [DataRow("truncated")]
    public void ImageFolder_UnreadableImage_IsAnErrorNamingTheFile(string damage)
    {
        var root = VisionFixture.WriteImageFolder(perClass: 1);
        var file = Path.Combine(root, "dogs", "0.png");
        VisionFixture.WriteNoisyPng(file, 64, 64);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, damage == "corrupt" ? Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray() : bytes[..(bytes.Length / 2)]);
        var dataset = VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}");

        var error = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => dataset.GetItems([1], 0));

        StringAssert.Contains(error.Message, $"'{file}'");
        StringAssert.Contains(error.Message, damage == "corrupt" ? "is not an image SkiaSharp can read" : "could not be decoded completely");
    }

    [TestMethod]
    public void ImageFolder_ImageClaimingTooManyPixels_IsRefusedBeforeDecoding()
    {
        // A 70-byte PNG whose header claims 100,000 × 100,000 pixels: decoded, it would be 40 GB (SkiaSharp's byte count,
        // an int, wraps, and its decoder then writes past the buffer: a native crash before the limit existed).
        var root = VisionFixture.WriteImageFolder(perClass: 1);
        var file = Path.Combine(root, "dogs", "0.png");
        File.WriteAllBytes(file, VisionFixture.PngHeaderOnly(100_000, 100_000));
        var dataset = VisionFixture.Build<IDataset>($"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}");

        var error = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => dataset.GetItems([1], 0));

        StringAssert.Contains(error.Message, $"'{file}' claims 100,000 × 100,000 pixels, more than the limit of 178,956,970 (LoadImageFromFile's max_pixels)");
        Assert.AreEqual(1L, VisionFixture.Read(dataset, [0]).Labels.Length, "the other images still load");
    }

    [TestMethod]
    public void LoadImageFromFile_MaxPixels_IsTheLimit_AndOutOfRangeIsAConfigError()
    {
        var root = VisionFixture.WriteImageFolder(perClass: 1); // 12 × 8 = 96 pixels each
        string Config(long maxPixels) =>
            $"type = \"ImageFolder\"\ndata_root = {VisionFixture.Quoted(root)}\npipeline = [{{ type = \"LoadImageFromFile\", max_pixels = {maxPixels} }}, {{ type = \"PackInputs\" }}]";

        CollectionAssert.AreEqual(new long[] { 1, 3, 8, 12 }, VisionFixture.Read(VisionFixture.Build<IDataset>(Config(96)), [0]).Shape);
        var refused = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => VisionFixture.Build<IDataset>(Config(95)).GetItems([0], 0));
        StringAssert.Contains(refused.Message, "claims 12 × 8 pixels, more than the limit of 95");
        var tooLarge = Assert.ThrowsExactly<ConfigException>(() => VisionFixture.Build<IDataset>(Config(600_000_000)));
        StringAssert.Contains(tooLarge.Message, "max_pixels");
        StringAssert.Contains(tooLarge.Message, "must be between 1 and 536870911, got the integer 600000000.");
    }
}
