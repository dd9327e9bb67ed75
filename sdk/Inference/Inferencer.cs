using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Models;
using Runner.Sdk.Native;
using Runner.Sdk.Plugins;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Sdk.Inference;

/// <summary>
/// A trained model, ready to predict from any .NET program (mmpretrain's <c>ImageClassificationInferencer</c>,
/// MMEngine's <c>BaseInferencer</c>): made once from a checkpoint — its config, its classes, the plugins that
/// provide the model — then each input is prepared by the test pipeline, run through the model without gradients,
/// and returned as a typed <see cref="Prediction"/>. It writes no work dir and no log.
/// </summary>
/// <remarks>
/// Thread-safe: many threads may predict at once. They share the weights, which nothing changes after loading (the
/// model is in evaluation mode, so BatchNorm's statistics stay as trained), and each call runs under its own
/// <c>torch.inference_mode()</c> guard and dispose scope, which libtorch and TorchSharp keep per thread. No lock:
/// concurrent callers run in parallel, each using libtorch's intra-op threads.
/// </remarks>
/// <example><code>
/// RunnerProcess.PrepareNativeLibraries();   // once, before any TorchSharp type is used
/// using var inferencer = Inferencer.FromCheckpoint("work_dirs/vision-digits/epoch_12.ckpt",
///     new InferencerOptions { PluginFolders = ["/opt/runner/plugins"] });
/// var prediction = inferencer.Predict("digit.png");
/// Console.WriteLine($"{prediction.ClassName} ({prediction.Score:P1})");
/// </code></example>
public sealed class Inferencer : IDisposable
{
    private readonly BaseModel _model;
    private readonly PluginCatalog? _plugins;
    private readonly SamplePipeline _pipeline;
    private readonly SamplePipeline? _pack;
    private readonly string _datasetType;
    private bool _disposed;

    private Inferencer(string checkpointPath, BaseModel model, PluginCatalog? plugins, ITransform[] pipeline, ITransform? last, IReadOnlyList<string>? classes, Device device,
        IReadOnlyList<string> fileExtensions, int testBatchSize, string datasetType)
    {
        ReadsFiles = pipeline.Length > 0 || last is not null;
        _datasetType = datasetType;
        FileExtensions = fileExtensions;
        TestBatchSize = testBatchSize;
        CheckpointPath = checkpointPath;
        _model = model;
        _plugins = plugins;
        // Seed 0: the test pipeline draws nothing at random; and every input is a first sample.
        _pipeline = new SamplePipeline(pipeline, seed: 0);
        _pack = last is null ? null : new SamplePipeline([last], seed: 0);
        Classes = classes;
        Device = device;
    }

    /// <summary>The checkpoint file the weights came from.</summary>
    public string CheckpointPath { get; }

    /// <summary>The class names in label order (the checkpoint's <c>dataset_meta</c>), or null when it names none.</summary>
    public IReadOnlyList<string>? Classes { get; }

    /// <summary>The device the model runs on.</summary>
    public Device Device { get; }

    /// <summary>The extensions of the files the test dataset's type reads (<c>.png</c>…; <see cref="InferencePipelineAttribute.Extensions"/>), empty when it does not say.</summary>
    public IReadOnlyList<string> FileExtensions { get; }

    /// <summary>The batch size of the config's test loader (its val loader's without one; 32 when it names none): how many inputs <c>infer</c> gives <see cref="PredictBatch(IReadOnlyList{string}, Action{string, string}?)"/> at once by default.</summary>
    public int TestBatchSize { get; }

    /// <summary>
    /// Whether inputs can be files: the test pipeline has steps, or the dataset type says how it reads a file
    /// (<see cref="InferencePipelineAttribute"/>). A dataset that makes its samples from its own data (the digits'
    /// CSV) has neither; its model still predicts from tensors.
    /// </summary>
    internal bool ReadsFiles { get; }

    /// <summary>Why files cannot be inputs here, when <see cref="ReadsFiles"/> is false.</summary>
    internal string NoFileReader => $"the test dataset, {_datasetType}, makes its samples from its own data and has no pipeline: nothing reads an input file";

    /// <summary>The model (for the benchmark's hand-written reference forward).</summary>
    internal BaseModel Model => _model;

    /// <summary>The model's type name.</summary>
    public string ModelName => _model.GetType().Name;

    /// <summary>
    /// Loads the model of <paramref name="checkpoint"/> (a checkpoint file, a <c>last_checkpoint</c> file or a work
    /// dir), with the config it holds unless <paramref name="options"/> names one.
    /// </summary>
    /// <exception cref="RunnerException">The checkpoint, the config, a plugin or the libtorch cannot be used: the message says which and why.</exception>
    public static Inferencer FromCheckpoint(string checkpoint, InferencerOptions? options = null)
    {
        options ??= new InferencerOptions();
        var warn = options.Warn ?? (message => Console.Error.WriteLine($"warning: {message}"));
        TorchNativeLibrary.EnsureLoadable();
        var libtorch = options.LibTorch ?? LibTorchLoader.FolderFromEnvironment;
        LibTorchLoader.Ensure(libtorch, options.LibTorch is null ? "RUNNER_LIBTORCH" : "the inferencer's LibTorch", DeviceChoice.NeedsCuda(options.Device), options.Device);
        var device = DeviceChoice.Resolve(options.Device, new SourceLocation("the inferencer's Device"));

        var path = WorkDirCheckpoints.Resolve(checkpoint)[0];
        using var loaded = PyTorchInterop.IsPickle(path) ? PyTorchInterop.LoadPickle(path) : CheckpointFile.Load(path, weightsOnly: true);
        if (loaded.IntegrityWarning is { } integrity) warn(integrity);
        var (cfg, configFile) = ConfigOf(loaded, path, options);

        PluginCatalog? plugins = null;
        try
        {
            var registries = options.Registries;
            if (registries is null)
            {
                registries = new RegistryRoot();
                plugins = PluginCatalog.Load(PluginFolders(cfg, configFile, options, path, warn), registries);
                foreach (var warning in plugins.Warnings) warn(warning);
            }
            var builder = new ComponentBuilder(registries, RunnerSettings.DefaultScopeOf(cfg));
            var (pipeline, last, extensions, batchSize, datasetType) = PipelineOf(builder, cfg);
            var model = ModelPart.Decode(builder, cfg)!;
            try
            {
                model.DataPreprocessor.Device = device;
                if (device.type != DeviceType.CPU) model.to(device);
                ModelWeights.Load(model, loaded, path, strict: false, warn);
                model.eval();
                foreach (var parameter in model.parameters()) parameter.requires_grad = false;
                var meta = loaded.Meta.TryGetValue("dataset_meta", out var saved) ? saved as IReadOnlyDictionary<string, object> : null;
                return new Inferencer(path, model, plugins, pipeline, last, PredictionRecords.ClassesOf(meta), device, extensions, batchSize, datasetType);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        catch
        {
            plugins?.Dispose();
            throw;
        }
    }

    /// <summary>The prediction for the file at <paramref name="path"/> (an image, for an image model).</summary>
    /// <exception cref="RunnerException">The file cannot be read or prepared: the message names it.</exception>
    public Prediction Predict(string path) => PredictBatch([path])[0];

    /// <summary>The prediction for a file's content, read from <paramref name="content"/>; <paramref name="name"/> names it in the result and in errors.</summary>
    public Prediction Predict(Stream content, string name)
    {
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        return Predict(copy.ToArray(), name);
    }

    /// <summary>The prediction for a file's content (e.g. an uploaded PNG); <paramref name="name"/> names it in the result and in errors.</summary>
    public Prediction Predict(byte[] content, string name) => Run([new Input(name, content)], skipped: null)[0];

    /// <summary>The prediction for one sample already prepared as the pipeline prepares it (the model's <c>inputs</c>, without a batch dimension).</summary>
    public Prediction Predict(Tensor sample)
    {
        using var batch = sample.unsqueeze(0);
        return PredictBatch(batch)[0];
    }

    /// <summary>
    /// The predictions for files, in order, prepared in parallel and run through the model as one batch. With
    /// <paramref name="skipped"/>, a file that cannot be read or prepared is reported to it (the file, the reason) and
    /// left out; without, it is an error.
    /// </summary>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> paths, Action<string, string>? skipped = null) =>
        Run(paths.Select(path => new Input(path, null)).ToList(), skipped);

    /// <summary>The predictions for a batch of prepared samples (the model's <c>inputs</c>, batch dimension first), named <c>tensor[i]</c>.</summary>
    public IReadOnlyList<Prediction> PredictBatch(Tensor inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var batch = new DataBatch { [DataBatch.InputsKey] = inputs.alias() };
        var names = Enumerable.Range(0, (int)inputs.shape[0]).Select(i => $"tensor[{i}]").ToList();
        return Forward(batch, names);
    }

    private sealed record Input(string Name, byte[]? Content);

    private IReadOnlyList<Prediction> Run(IReadOnlyList<Input> inputs, Action<string, string>? skipped)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (inputs.Count == 0) return [];
        var samples = new DataBatch?[inputs.Count];
        var failures = new RunnerException?[inputs.Count];
        try
        {
            // Decoding and the pipeline's steps run on the thread pool, one input each: that is most of the time for small models.
            Parallel.For(0, inputs.Count, i =>
            {
                try
                {
                    samples[i] = Prepare(inputs[i]);
                }
                catch (RunnerException e)
                {
                    failures[i] = e;
                }
            });
            var ready = new List<int>();
            for (var i = 0; i < inputs.Count; i++)
            {
                if (failures[i] is not { } failure) ready.Add(i);
                else if (skipped is null) throw failure;
                else skipped(inputs[i].Name, failure.Message);
            }
            if (ready.Count == 0) return [];
            using var scope = NewDisposeScope();
            using var batch = DataBatch.Stack(ready.Select(i => samples[i]!).ToList());
            return Forward(batch, ready.Select(i => inputs[i].Name).ToList());
        }
        finally
        {
            foreach (var sample in samples) sample?.Dispose();
        }
    }

    /// <summary>One input through the test pipeline, as the dataset prepares its own samples; failures name the input.</summary>
    private DataBatch Prepare(Input input)
    {
        using var scope = NewDisposeScope();
        var info = new Dictionary<string, object>(StringComparer.Ordinal) { ["img_path"] = input.Name };
        if (input.Content is { } content) info["img_bytes"] = content;
        else if (!File.Exists(input.Name)) throw new RunnerException($"'{input.Name}' does not exist (or is not a file).");
        if (!ReadsFiles)
            throw new RunnerException($"'{input.Name}' cannot be prepared: {NoFileReader}. Predict from tensors (PredictBatch(Tensor)), or test the model with a dataset type that reads files.");
        var sample = _pipeline.Apply(new DataBatch(), index: 0, epoch: 0, info);
        if (!sample.ContainsKey(DataBatch.InputsKey) && _pack is not null) sample = _pack.Apply(sample, index: 0, epoch: 0, info);
        if (!sample.ContainsKey(DataBatch.InputsKey))
        {
            sample.Dispose();
            throw new RunnerException($"the test pipeline made no 'inputs' from '{input.Name}': end the test dataset's pipeline with the step that packs a sample (PackInputs for images).");
        }
        foreach (var (_, tensor) in sample) tensor.MoveToOuterDisposeScope();
        return sample;
    }

    /// <summary>The model's predictions for a prepared batch, one <see cref="Prediction"/> per row.</summary>
    private List<Prediction> Forward(DataBatch batch, IReadOnlyList<string> names)
    {
        using var inference = torch.inference_mode();
        using var predictions = _model.TestStep(batch);
        batch.SampleInfo = names.Select(name => (IReadOnlyDictionary<string, object>)new Dictionary<string, object> { ["img_path"] = name }).ToList();
        var records = PredictionRecords.Of(batch, predictions, Classes);
        return records.Select((record, i) => new Prediction(names[i], record, Classes)).ToList();
    }

    /// <summary>The config to build from: the one given, else the checkpoint's own.</summary>
    private static (ConfigTable Cfg, string? File) ConfigOf(Checkpoint checkpoint, string path, InferencerOptions options)
    {
        if (options.Config is { } given) return (given, options.ConfigPath);
        if (options.ConfigPath is { } file) return (ConfigLoader.Load(file), file);
        if (checkpoint.Meta.TryGetValue("cfg", out var saved) && saved is string toml)
            return (ConfigLoader.Parse(toml, $"{path} (the config saved in the checkpoint)"), null);
        throw new RunnerException($"'{path}' holds no config (it is not a Runner checkpoint, or one without meta.cfg): name the config the model was trained with (--config).");
    }

    /// <summary>
    /// The plugin folders: <c>plugins/</c> beside the application, the <c>plugins</c> a config file names, then those
    /// given. A checkpoint's own config does not choose code: its <c>plugins</c> are named in a warning, not loaded.
    /// </summary>
    private static List<(string Folder, string Origin)> PluginFolders(ConfigTable cfg, string? configFile, InferencerOptions options, string checkpoint, Action<string> warn)
    {
        var folders = new List<(string, string)>();
        var given = (options.PluginFolders ?? []).Select(folder => (folder, "the plugin folders given"));
        var builtin = Path.Combine(AppContext.BaseDirectory, "plugins");
        if (Directory.Exists(builtin)) folders.Add((builtin, "the built-in plugins"));
        if (cfg["plugins"] is ConfigArray named)
        {
            if (configFile is null)
            {
                warn($"the config saved in {checkpoint} names plugins ({string.Join(", ", named.OfType<string>())}): a checkpoint is data and loads no code; pass the folders with --plugins if its model needs them.");
                return [.. folders, .. given];
            }
            var baseDir = Path.GetDirectoryName(Path.GetFullPath(configFile))!;
            for (var i = 0; i < named.Count; i++)
            {
                if (named[i] is not string folder) throw ConfigException.At(named.LocationOf(i), $"plugins[{i}]", "expected a folder name.");
                folders.Add((Path.Combine(baseDir, folder), $"{named.LocationOf(i)} plugins"));
            }
        }
        return [.. folders, .. given];
    }

    /// <summary>
    /// The test dataset's pipeline (the val dataset's when there is no test loader), with the dataset type's
    /// <see cref="InferencePipelineAttribute"/> steps: the reader in front when missing, the packer kept for the end.
    /// </summary>
    private static (ITransform[] Pipeline, ITransform? Last, string[] Extensions, int BatchSize, string DatasetType) PipelineOf(ComponentBuilder builder, ConfigTable cfg)
    {
        var loader = DataLoaderPart.Tables(cfg, "test_dataloader")?.FirstOrDefault().Table ?? DataLoaderPart.Tables(cfg, "val_dataloader")?.FirstOrDefault().Table;
        if (loader?["dataset"] is not ConfigTable dataset)
            throw ConfigException.At(cfg.Location, "test_dataloader", "the config has no test (or val) dataset, whose pipeline prepares the inputs.",
                "add a test_dataloader with the dataset type (and pipeline) the model was tested with.");
        var type = builder.ResolveType(typeof(IDataset), dataset);
        var steps = dataset["pipeline"] is ConfigArray configured
            ? (ITransform[])builder.Convert(configured, typeof(ITransform[]), dataset.LocationOf("pipeline"), dataset.PathOf("pipeline"))!
            : [];
        var around = (InferencePipelineAttribute?)Attribute.GetCustomAttribute(type, typeof(InferencePipelineAttribute), inherit: true);
        if (around?.First is { } first && !steps.Any(first.IsInstanceOfType)) steps = [Step(builder, first, type), .. steps];
        var batchSize = loader["batch_size"] is long size && size is >= 1 and <= 65536 ? (int)size : 32;
        return (steps, around?.Last is { } last ? Step(builder, last, type) : null, around?.Extensions ?? [], batchSize, type.Name);
    }

    /// <summary>A step the dataset type names, built with its defaults.</summary>
    private static ITransform Step(ComponentBuilder builder, Type step, Type dataset) =>
        typeof(ITransform).IsAssignableFrom(step)
            ? (ITransform)builder.BuildType(step, new ConfigTable(new SourceLocation($"{dataset.Name}'s [InferencePipeline]")))!
            : throw new RunnerException($"{dataset.Name}'s [InferencePipeline] names {step.Name}, which is not an ITransform.");

    /// <summary>Releases the model and unloads the plugins it was loaded from.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _model.Dispose();
        _plugins?.Dispose();
    }
}
