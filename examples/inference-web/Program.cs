// A .NET service for a model trained by Runner: POST /predict with an image returns its prediction as JSON (the
// record `runner-host infer --out` writes); GET / is a page to upload an image and see the most probable classes.
//   dotnet run -- --checkpoint work_dirs/vision-digits --plugins /path/to/runner-host/plugins [--urls http://127.0.0.1:5000]
using Runner.Sdk;
using Runner.Sdk.Hosting;
using Runner.Sdk.Inference;

RunnerProcess.PrepareNativeLibraries(); // before any TorchSharp type is used

var builder = WebApplication.CreateBuilder(args);
var checkpoint = builder.Configuration["checkpoint"]
    ?? throw new InvalidOperationException("Name the trained model: --checkpoint CKPT (a checkpoint, a last_checkpoint file or a work dir).");
var plugins = builder.Configuration["plugins"]?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];

// One inferencer for the whole service: loaded once, then shared by every request (it is thread-safe).
var inferencer = Inferencer.FromCheckpoint(checkpoint, new InferencerOptions { PluginFolders = plugins, Device = builder.Configuration["device"] ?? "cpu" });
builder.Services.AddSingleton(inferencer);

var app = builder.Build();
app.Logger.LogInformation("Serving {Model} from {Checkpoint} ({Classes} classes) on {Device}", inferencer.ModelName, inferencer.CheckpointPath,
    inferencer.Classes?.Count.ToString() ?? "unnamed", inferencer.Device);

// The image as a form's file field (multipart/form-data, any field name) or as the request's body (image/png…).
app.MapPost("/predict", async (HttpRequest request, Inferencer model) =>
{
    byte[] image;
    string name;
    if (request.HasFormContentType)
    {
        var form = await request.ReadFormAsync();
        if (form.Files.Count == 0) return Results.BadRequest(new { error = "the form has no file: send the image as a file field." });
        using var copy = new MemoryStream();
        await form.Files[0].CopyToAsync(copy);
        (image, name) = (copy.ToArray(), form.Files[0].FileName);
    }
    else
    {
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy);
        (image, name) = (copy.ToArray(), request.Query["name"].FirstOrDefault() ?? "upload");
    }
    if (image.Length == 0) return Results.BadRequest(new { error = "no image was sent." });
    try
    {
        // The model runs on the thread pool, beside the other requests' calls.
        var prediction = await Task.Run(() => model.Predict(image, name));
        return Results.Content(prediction.ToJson(), "application/json");
    }
    catch (RunnerException e)
    {
        return Results.BadRequest(new { error = e.Message });
    }
});

// The class names in label order (empty when the checkpoint's dataset named none), for the page's table.
app.MapGet("/classes", (Inferencer model) => model.Classes ?? []);

app.MapGet("/", () => Results.Content(UploadPage.Html, "text/html; charset=utf-8"));

app.Run();
