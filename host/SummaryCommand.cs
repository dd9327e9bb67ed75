using System.CommandLine;
using System.Globalization;
using Runner.Sdk.Configuration;
using Runner.Sdk.Hosting;
using Runner.Sdk.Models;

namespace Runner.Host;

/// <summary>
/// <c>runner-host summary --config FILE [--depth N] [--input-shape C,H,W]</c>: the config's model, its parameters per
/// module (trainable and frozen), its size, and its multiply-accumulates for one input (MMEngine's
/// <c>get_model_complexity_info</c>, Lightning's <c>ModelSummary</c>).
/// </summary>
internal static class SummaryCommand
{
    public static Command Create(IEnumerable<Option> buildingOptions, Func<Func<int>, int> guard, Func<ParseResult, (ConfigTable Config, Sdk.Registries.RegistryRoot Registries, IDisposable Plugins)> load, TextWriter stdout)
    {
        var depth = new Option<int>("--depth") { Description = "How deep into the model the table goes: 1 lists its top-level modules.", DefaultValueFactory = _ => 1, CustomParser = WholeNumberArgument.Parse };
        var shape = new Option<string?>("--input-shape") { Description = "The shape of one input, without the batch (e.g. 3,224,224); default: one sample of the config's data.", HelpName = "C,H,W" };
        var command = new Command("summary", "Print the config's model: parameters per module (trainable, frozen), its size, and its multiply-accumulates (MACs) for one input.") { depth, shape };
        HostOptions.AddTo(command, buildingOptions);
        command.SetAction(parsed => guard(() =>
        {
            var levels = parsed.GetValue(depth);
            if (levels < 1) throw ConfigException.At(null, "--depth", $"must be at least 1, got {levels}.");
            var inputShape = parsed.GetValue(shape) is { } text ? ParseShape(text) : null;
            var (cfg, registries, plugins) = load(parsed);
            using (plugins)
            {
                var complexity = ModelSummary.Measure(cfg, registries, inputShape, out var input);
                Write(stdout, complexity, levels, input);
            }
            return 0;
        }));
        return command;
    }

    private static long[] ParseShape(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] is < 1 or > 1 << 16)
                throw ConfigException.At(null, "--input-shape", $"'{text}' is not a shape: give sizes from 1 to 65536 separated by commas, e.g. 3,224,224.");
        }
        if (shape.Length is 0 or > 5) throw ConfigException.At(null, "--input-shape", $"'{text}' is not a shape: give 1 to 5 sizes, e.g. 3,224,224.");
        return shape;
    }

    private static void Write(TextWriter output, ModelComplexity complexity, int depth, string input)
    {
        var model = complexity.Modules[0];
        output.WriteLine($"Model: {model.Type}, measured on an input of shape {input}");
        var rows = complexity.Modules.Skip(1).Where(m => m.Name.Count(c => c == '.') < depth).ToList();
        var nameWidth = Math.Max(6, rows.Select(r => r.Name.Length).DefaultIfEmpty(0).Max());
        var typeWidth = Math.Max(6, rows.Select(r => r.Type.Length).DefaultIfEmpty(0).Max());
        output.WriteLine($"  {"module".PadRight(nameWidth)}  {"type".PadRight(typeWidth)}  {"parameters",12}  {"frozen",10}  {"MACs",14}");
        foreach (var row in rows)
            output.WriteLine($"  {row.Name.PadRight(nameWidth)}  {row.Type.PadRight(typeWidth)}  {N(row.Trainable + row.Frozen),12}  {N(row.Frozen),10}  {N(row.Macs),14}");
        output.WriteLine($"Total: {N(complexity.Parameters)} parameters ({N(model.Trainable)} trainable, {N(model.Frozen)} frozen); " +
            $"{complexity.Bytes / 1e6:0.0} MB of weights; {Scaled(complexity.Macs)} MACs for one input.");
        output.WriteLine(complexity.Uncounted.Count == 0
            ? "Every layer's operations are counted (convolutions, linear layers, batch norms, activations, pooling)."
            : $"Not counted (layers of these types hold parameters, their operations are left out): {string.Join(", ", complexity.Uncounted)}.");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Scaled(long macs) => macs switch
    {
        >= 1_000_000_000 => $"{macs / 1e9:0.00} G",
        >= 1_000_000 => $"{macs / 1e6:0.00} M",
        >= 1_000 => $"{macs / 1e3:0.00} k",
        _ => macs.ToString(CultureInfo.InvariantCulture) + " ",
    };
}
