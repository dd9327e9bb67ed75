using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.FileSystemGlobbing;
using Runner.Sdk;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Configuration;
using Runner.Sdk.Hosting;
using Runner.Sdk.Inference;

namespace Runner.Host;

/// <summary>
/// <c>runner-host infer --checkpoint CKPT [--config CFG] INPUT…</c>: the trained model on files, folders (searched
/// recursively) and globs (mmpretrain's <c>ImageClassificationInferencer</c> from the command line). Each input is
/// prepared by the test pipeline; the console shows a row per input (file, class, probability, top-k), <c>--out</c>
/// writes one JSON record per input. An input that cannot be read is named and skipped.
/// </summary>
internal static class InferCommand
{
    public static Command Create(HostOptions options, Func<Func<int>, int> guard, TextWriter stdout, TextWriter stderr)
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Files, folders (searched recursively for the files the model reads) or globs (\"photos/**/*.jpg\").", Arity = ArgumentArity.OneOrMore };
        var checkpointOption = new Option<string?>("--checkpoint") { Description = "The trained model: a checkpoint, a last_checkpoint file or a work dir (its newest checkpoint).", HelpName = "CKPT", Required = true };
        var config = new Option<string?>("--config", "-c") { Description = "The config to build the model and the test pipeline from (default: the config saved in the checkpoint).", HelpName = "FILE" };
        var device = new Option<string?>("--device") { Description = "Where the model runs: cpu (default), cuda, cuda:N, or auto (CUDA when there is one).", HelpName = "cpu|cuda|cuda:N|auto" };
        var batchSize = new Option<int?>("--batch-size") { Description = "How many inputs go through the model at once (default: the test loader's batch_size, as predict and test use it).", HelpName = "N", CustomParser = WholeNumberArgument.ParseOptional };
        var topk = new Option<int>("--topk") { Description = "Also show the K most probable classes of each input.", DefaultValueFactory = _ => 1, HelpName = "K", CustomParser = WholeNumberArgument.Parse };
        var output = new Option<string?>("--out") { Description = "Write every prediction to FILE, one JSON record per input (img_path, pred_label, pred_class, pred_score…).", HelpName = "FILE" };
        var command = new Command("infer", "Run the trained model of --checkpoint on files, folders or globs, and show (or --out FILE: write) each prediction.")
        {
            inputs, checkpointOption, config, options.Plugins, batchSize, topk, output, device, options.LibTorch,
        };
        command.SetAction(parsed => guard(() =>
        {
            var checkpoint = parsed.GetValue(checkpointOption)!;
            var batch = parsed.GetValue(batchSize);
            if (batch is < 1 or > 65536) throw ConfigException.At(null, "--batch-size", $"must be from 1 to 65536, got {batch}.");
            var k = parsed.GetValue(topk);
            if (k is < 1 or > 1000) throw ConfigException.At(null, "--topk", $"must be from 1 to 1000, got {k}.");
            var deviceText = parsed.GetValue(device) ?? "cpu";
            if (!Sdk.Running.DeviceChoice.IsValid(deviceText))
                throw ConfigException.At(null, "--device", $"'{deviceText}' is not a device.", $"use one of: {string.Join(", ", Sdk.Running.DeviceChoice.Forms)}.");
            var outPath = parsed.GetValue(output);
            if (outPath is not null) CheckpointTools.CheckOutput(outPath, "--out");
            CheckpointTools.Check(checkpoint, weightsOnly: true);
            using var inferencer = Inferencer.FromCheckpoint(checkpoint, new InferencerOptions
            {
                ConfigPath = parsed.GetValue(config),
                PluginFolders = parsed.GetValue(options.Plugins),
                Device = deviceText,
                LibTorch = parsed.GetValue(options.LibTorch),
                Warn = message => stderr.WriteLine($"warning: {message}"),
            });
            return Run(inferencer, parsed.GetValue(inputs)!, batch ?? inferencer.TestBatchSize, k, outPath, stdout, stderr);
        }));
        return command;
    }

    private static int Run(Inferencer inferencer, IReadOnlyList<string> given, int batchSize, int topk, string? outPath, TextWriter stdout, TextWriter stderr)
    {
        if (!inferencer.ReadsFiles)
            throw ConfigException.At(null, null, $"infer reads files, and {inferencer.NoFileReader}.",
                "for files, train a model whose test dataset reads them (the vision plugin's ImageFolder: configs/vision-digits.toml); " +
                $"for this model's own test set: runner-host predict --config CONFIG --checkpoint {inferencer.CheckpointPath} --out FILE.");
        var skipped = 0;
        void Skip(string input, string reason)
        {
            skipped++;
            stderr.WriteLine($"skipped {input}: {reason}");
        }
        var files = Expand(given, inferencer.FileExtensions, Skip);
        if (files.Count == 0 && skipped == 0)
            throw new RunnerException($"no input found in {string.Join(", ", given)}{(inferencer.FileExtensions.Count > 0 ? $" (a folder is searched for {string.Join(", ", inferencer.FileExtensions)} files)" : "")}.");

        var clock = Stopwatch.StartNew();
        var records = new List<string>();
        var table = new TableWriter(stdout, topk, inferencer.Classes is not null);
        for (var start = 0; start < files.Count; start += batchSize)
        {
            var chunk = files.Skip(start).Take(batchSize).ToList();
            foreach (var prediction in inferencer.PredictBatch(chunk, Skip))
            {
                table.Write(prediction);
                if (outPath is not null) records.Add(prediction.ToJson());
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (outPath is not null) PredictionRecords.Write(Path.GetFullPath(outPath), records);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Predicted {table.Rows} input(s), skipped {skipped}, in {seconds:0.0} s ({table.Rows / Math.Max(seconds, 1e-9):0} inputs/s){(outPath is null ? "" : $"; wrote the records to {Path.GetFullPath(outPath)}")}."));
        return table.Rows > 0 ? 0 : 1;
    }

    /// <summary>
    /// The files the inputs name, in order: a file as it is; a folder's files with the model's extensions (every
    /// file when it names none), recursively, sorted; a glob's matches, sorted. A path that names nothing is skipped.
    /// </summary>
    private static List<string> Expand(IReadOnlyList<string> given, IReadOnlyList<string> extensions, Action<string, string> skip)
    {
        var files = new List<string>();
        foreach (var input in given)
        {
            if (File.Exists(input)) files.Add(Path.GetFullPath(input));
            else if (Directory.Exists(input)) files.AddRange(Under(input, extensions));
            else if (input.IndexOfAny(['*', '?']) >= 0) files.AddRange(Glob(input));
            else skip(input, "no such file or folder.");
        }
        return files;
    }

    private static IEnumerable<string> Under(string folder, IReadOnlyList<string> extensions) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(file => extensions.Count == 0 || extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            .Select(Path.GetFullPath)
            .Order(StringComparer.Ordinal);

    /// <summary>A glob's matches: the part before its first wildcard's folder is the root searched.</summary>
    private static IEnumerable<string> Glob(string pattern)
    {
        var full = Path.GetFullPath(pattern);
        var wildcard = full.IndexOfAny(['*', '?']);
        var root = full[..(full.LastIndexOf('/', wildcard) + 1)];
        if (!Directory.Exists(root)) return [];
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(full[root.Length..]);
        return matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal);
    }

    /// <summary>The console's table: a header, then one row per prediction (file relative to the current folder when under it).</summary>
    private sealed class TableWriter(TextWriter output, int topk, bool named)
    {
        public int Rows { get; private set; }

        public void Write(Prediction prediction)
        {
            if (Rows++ == 0) output.WriteLine($"{"file",-48} {"class",-12} {"probability",11}{(topk > 1 ? $"   top-{topk}" : "")}");
            var file = Path.GetRelativePath(Environment.CurrentDirectory, prediction.Source) is { } relative && !relative.StartsWith("..", StringComparison.Ordinal) ? relative : prediction.Source;
            var label = prediction.ClassName ?? prediction.Label?.ToString(CultureInfo.InvariantCulture) ?? "-";
            var probability = prediction.Score is { } p ? p.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
            var top = topk > 1
                ? "   " + string.Join("  ", prediction.TopK(topk).Select(c => string.Create(CultureInfo.InvariantCulture, $"{(named ? c.ClassName : null) ?? c.Label.ToString(CultureInfo.InvariantCulture)} {c.Probability:0.0000}")))
                : "";
            output.WriteLine($"{file,-48} {label,-12} {probability,11}{top}");
        }
    }
}
