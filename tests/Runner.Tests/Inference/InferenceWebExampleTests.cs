using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Runner.Tests.Support;

namespace Runner.Tests.Inference;

/// <summary>
/// examples/inference-web, built as an outsider builds it (against the SDK packed into a local folder feed) and
/// started on a loopback port: its answers for the digits' images are infer's.
/// </summary>
[TestClass]
public sealed class InferenceWebExampleTests
{
    [TestMethod]
    public async Task WebExample_BuiltFromThePackedSdk_AnswersAsInferDoes()
    {
        // Arrange: infer's records for some test images, and the service built and started.
        var images = Directory.GetFiles(Path.Combine(TrainedVisionDigits.Data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Where((_, i) => i % 9 == 0).ToList();
        var records = Path.Combine(TestEnvironment.NewTempDir("web-infer"), "infer.jsonl");
        var infer = HostTester.Run(["infer", "--checkpoint", TrainedVisionDigits.Checkpoint, "--out", records, .. images]);
        Assert.AreEqual(0, infer.ExitCode, infer.Stderr);
        var expected = File.ReadAllLines(records).Select(line => JsonDocument.Parse(line).RootElement).ToList();

        var (feed, version) = DotnetCli.PackedSdk;
        var output = TestEnvironment.NewTempDir("web-bin");
        DotnetCli.Run(Path.Combine(TestEnvironment.RepoRoot, "examples", "inference-web"), "build", "-c", "Release", "-o", output,
            $"-p:RunnerSdkFeed={feed}", $"-p:RunnerSdkVersion={version}", "-nologo", "-v", "quiet");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = output };
        foreach (var arg in new[] { Path.Combine(output, "InferenceWeb.dll"), "--checkpoint", TrainedVisionDigits.Checkpoint,
                     "--plugins", Path.Combine(AppContext.BaseDirectory, "plugins"), "--urls", "http://127.0.0.1:0" })
            start.ArgumentList.Add(arg);
        using var service = Process.Start(start)!;
        try
        {
            var lines = new OutputLines(service.StandardOutput);
            _ = service.StandardError.ReadToEndAsync();
            var listening = lines.WaitFor("Now listening on: ", TimeSpan.FromMinutes(5));
            using var client = new HttpClient { BaseAddress = new Uri(listening[(listening.IndexOf("http", StringComparison.Ordinal))..].Trim() + "/") };

            // Act: each image as a form upload, one as a raw body, a file that is no image, and the page.
            var answers = new List<JsonElement>();
            foreach (var image in images)
            {
                using var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(File.ReadAllBytes(image));
                file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                form.Add(file, "image", Path.GetFileName(image));
                using var response = await client.PostAsync("predict", form);
                Assert.IsTrue(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                answers.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
            }
            using var raw = new ByteArrayContent(File.ReadAllBytes(images[0]));
            raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            using var rawAnswer = await client.PostAsync("predict?name=first.png", raw);
            using var notAnImage = new ByteArrayContent("hello"u8.ToArray());
            using var refused = await client.PostAsync("predict", notAnImage);
            var page = await client.GetStringAsync("");
            var classes = await client.GetStringAsync("classes");

            // Assert
            Assert.HasCount(expected.Count, answers);
            for (var i = 0; i < answers.Count; i++)
            {
                Assert.AreEqual(Path.GetFileName(images[i]), answers[i].GetProperty("img_path").GetString());
                Assert.AreEqual(expected[i].GetProperty("pred_label").GetInt64(), answers[i].GetProperty("pred_label").GetInt64(), images[i]);
                Assert.AreEqual(expected[i].GetProperty("pred_class").GetString(), answers[i].GetProperty("pred_class").GetString());
                var theirs = expected[i].GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToList();
                var ours = answers[i].GetProperty("pred_score").EnumerateArray().Select(p => p.GetDouble()).ToList();
                for (var c = 0; c < theirs.Count; c++) Assert.AreEqual(theirs[c], ours[c], 1e-6, $"{images[i]}, class {c}");
            }
            Assert.IsTrue(rawAnswer.IsSuccessStatusCode);
            var rawRecord = JsonDocument.Parse(await rawAnswer.Content.ReadAsStringAsync()).RootElement;
            Assert.AreEqual("first.png", rawRecord.GetProperty("img_path").GetString());
            Assert.AreEqual(expected[0].GetProperty("pred_label").GetInt64(), rawRecord.GetProperty("pred_label").GetInt64());
            Assert.AreEqual(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "is not an image SkiaSharp can read");
            StringAssert.Contains(page, "<input id=\"file\" type=\"file\" accept=\"image/*\">");
            Assert.AreEqual("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]", classes);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            service.WaitForExit();
        }
    }
}
