using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Datasets;

/// <summary>
/// Images in class folders (torchvision's <c>ImageFolder</c>, mmpretrain's <c>CustomDataset</c>):
/// <c>data_root/&lt;class&gt;/&lt;image&gt;</c>, classes in sorted folder order unless <c>classes</c> names them; or, with
/// <c>ann_file</c>, a text file of <c>relative/path.png label</c> lines (paths relative to <c>data_root</c>). Images
/// are JPEG, PNG, BMP, WebP or GIF, decoded on the loader's worker threads by <see cref="Transforms.LoadImageFromFile"/>
/// (added at the front of the pipeline when it is not there).
/// </summary>
/// <example><code>
/// dataset = { type = "ImageFolder", data_root = "data/digits/train", pipeline = [
///   { type = "RandomResizedCrop", scale = 32 }, { type = "RandomFlip", prob = 0.5 }, { type = "PackInputs" } ] }
/// </code></example>
[Register]
public sealed class ImageFolder : VisionDataset
{
    /// <summary>The largest ann_file read: a list of millions of images is a few hundred MB.</summary>
    private const long MaxListBytes = 1L << 30;

    /// <summary>The most classes an ann_file's labels may imply when <c>classes</c> does not name them (each gets a name).</summary>
    private const long MaxUnnamedClasses = 1_000_000;

    private readonly (string Path, long Label)[] _samples;

    /// <param name="dataRoot">The folder of class folders (or of the files <paramref name="annFile"/> lists).</param>
    /// <param name="annFile">A list file of <c>path label</c> lines, relative to <paramref name="dataRoot"/> unless absolute.</param>
    /// <param name="classes">The class names in label order; default: the class folders' names, sorted.</param>
    /// <param name="pipeline">The transforms.</param>
    /// <param name="seed">The seed of the per-sample random sources (the runner passes the run's).</param>
    public ImageFolder(string dataRoot, string? annFile = null, string[]? classes = null, ITransform[]? pipeline = null, long seed = 0)
        : this(Scan(dataRoot, annFile, classes), WithLoader(pipeline), seed)
    {
    }

    private ImageFolder((IReadOnlyList<string> Classes, (string, long)[] Samples) scanned, ITransform[] pipeline, long seed)
        : base(pipeline, seed, scanned.Classes) => _samples = scanned.Samples;

    /// <inheritdoc/>
    public override long Count => _samples.Length;

    /// <summary>The image files and their labels, in the order of the dataset.</summary>
    public IReadOnlyList<(string Path, long Label)> Samples => _samples;

    /// <inheritdoc/>
    protected override (DataBatch Sample, Dictionary<string, object> Info) Raw(long index)
    {
        var (path, label) = _samples[index];
        var sample = new DataBatch { ["gt_label"] = Label(label) };
        return (sample, new Dictionary<string, object>(StringComparer.Ordinal) { ["img_path"] = path });
    }

    private static ITransform[] WithLoader(ITransform[]? pipeline) =>
        pipeline is not null && pipeline.Any(step => step is Transforms.LoadImageFromFile) ? pipeline : [new Transforms.LoadImageFromFile(), .. pipeline ?? []];

    private static (IReadOnlyList<string>, (string, long)[]) Scan(string dataRoot, string? annFile, string[]? classes)
    {
        if (!Directory.Exists(dataRoot)) throw new ArgumentException($"'{Path.GetFullPath(dataRoot)}' is not a folder.", nameof(dataRoot));
        return annFile is null ? ScanFolders(dataRoot, classes) : ReadList(dataRoot, annFile, classes);
    }

    private static (IReadOnlyList<string>, (string, long)[]) ScanFolders(string dataRoot, string[]? classes)
    {
        var folders = Directory.GetDirectories(dataRoot).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        // A name whose bytes are not UTF-8 reads as U+FFFD, and the folder then cannot be opened by that name.
        if (folders.FirstOrDefault(f => f.Contains('\uFFFD')) is { } unreadable)
            throw new ArgumentException($"the class folder '{Path.Combine(dataRoot, unreadable)}' has a name that is not UTF-8 (shown as \uFFFD), which .NET cannot open: rename it.", nameof(dataRoot));
        var names = classes?.ToList() ?? folders;
        if (classes is not null && classes.FirstOrDefault(c => !folders.Contains(c)) is { } missing)
            throw new ArgumentException($"class '{missing}' has no folder in '{dataRoot}' (folders: {string.Join(", ", folders)}).", nameof(classes));
        var samples = new List<(string, long)>();
        for (var label = 0; label < names.Count; label++)
        {
            foreach (var file in ImageFiles.Under(Path.Combine(dataRoot, names[label]))) samples.Add((file, label));
        }
        if (samples.Count == 0)
            throw new ArgumentException($"'{dataRoot}' holds no images in class folders (data_root/<class>/<image>.png; JPEG, PNG, BMP, WebP, GIF).", nameof(dataRoot));
        return (names, samples.ToArray());
    }

    private static (IReadOnlyList<string>, (string, long)[]) ReadList(string dataRoot, string annFile, string[]? classes)
    {
        var listPath = Path.IsPathRooted(annFile) ? annFile : Path.Combine(dataRoot, annFile);
        if (!File.Exists(listPath)) throw new ArgumentException($"'{listPath}' does not exist.", nameof(annFile));
        // A list of a few million lines at most; a device (/dev/zero) or a FIFO is refused before it is read.
        try
        {
            if (DataFile.SizeOf(listPath) > MaxListBytes) throw new ArgumentException($"'{listPath}' has more than {MaxListBytes >> 20} MB: it is not a list of images.", nameof(annFile));
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException(e.Message, nameof(annFile), e);
        }
        var samples = new List<(string, long)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(listPath))
        {
            lineNumber++;
            var text = line.Trim();
            if (text.Length == 0) continue;
            var split = text.LastIndexOf(' ');
            if (split <= 0 || !long.TryParse(text[(split + 1)..], out var label) || label < 0)
                throw new ArgumentException($"{listPath}({lineNumber}): expected 'relative/path.png label' with a label of 0 or more, got '{text}'.", nameof(annFile));
            samples.Add((Path.Combine(dataRoot, text[..split].Trim()), label));
        }
        if (samples.Count == 0) throw new ArgumentException($"'{listPath}' lists no samples.", nameof(annFile));
        var top = samples.Max(s => s.Item2);
        if (classes is null && top >= MaxUnnamedClasses)
            throw new ArgumentException($"'{listPath}' has label {top:N0}: without classes, labels name up to {MaxUnnamedClasses:N0} classes; list the classes' names in classes = [...].", nameof(classes));
        var names = classes?.ToList() ?? Enumerable.Range(0, (int)top + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (top >= names.Count) throw new ArgumentException($"'{listPath}' has label {top}, but classes names {names.Count} classes.", nameof(classes));
        return (names, samples.ToArray());
    }
}
