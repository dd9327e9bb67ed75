using System.Text;
using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// Whatever file is named as a checkpoint — damaged, foreign, crafted, a pointer, a folder — runner-host answers
/// with a result or one clear error (exit 1), never a stack trace.
/// </summary>
[TestClass]
public sealed class CheckpointInputTests
{
    private static string Trained() => TrainedToy.WorkDir(2);

    private static HostTester.Result Test(string checkpoint) =>
        HostTester.Run("test", "--config", TestEnvironment.ToyConfig, "--work-dir", TestEnvironment.NewTempDir("test"), "--checkpoint", checkpoint);

    private static void AssertOneLineError(HostTester.Result result, string fragment)
    {
        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        Assert.IsFalse(result.Stderr.Contains("   at ", StringComparison.Ordinal), result.Stderr);
        StringAssert.Contains(result.Stderr, fragment);
    }

    private static string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(TestEnvironment.NewTempDir("input"), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Safetensors(string header, byte[]? data = null)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((long)headerBytes.Length), .. headerBytes, .. data ?? []];
    }

    [TestMethod]
    public void EmptySafetensors_IsAnError_NotAnEvaluationOfRandomWeights()
    {
        var result = Test(Write("empty.safetensors", Safetensors("{}")));

        AssertOneLineError(result, "empty.safetensors' does not fit: it holds no weights at all.");
        Assert.IsFalse(result.Stdout.Contains("accuracy", StringComparison.Ordinal));
    }

    [TestMethod]
    public void SafetensorsOfAnotherModel_IsAnError()
    {
        var result = Test(Write("other.safetensors", Safetensors("{\"encoder.w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])));

        AssertOneLineError(result, "none of its 1 tensors is a weight of the model (it has e.g. 'encoder.w'");
    }

    [TestMethod]
    public void DamagedOrForeignFiles_AreOneLineErrors()
    {
        var good = File.ReadAllBytes(Path.Combine(Trained(), "epoch_2.ckpt"));
        var cases = new (string Name, byte[] Bytes, string Message)[]
        {
            ("text.ckpt", Encoding.UTF8.GetBytes("hello, this is not a checkpoint at all"), "header length"),
            ("truncated.ckpt", good[..(good.Length / 3)], "corrupt or truncated"),
            ("array.ckpt", Safetensors("[]"), "the header is a JSON array"),
            ("null.ckpt", Safetensors("null"), "the header is a JSON null"),
            ("negative.ckpt", Safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", new byte[16]), "not a size"),
            ("overflow.ckpt", Safetensors("{\"w\":{\"dtype\":\"F64\",\"shape\":[3037000500,3037000500],\"data_offsets\":[0,8]}}", new byte[8]), "too large"),
            ("dtype.ckpt", Safetensors("{\"w\":{\"dtype\":3,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "no dtype name"),
            ("offsets.ckpt", Safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"a\":1}}}", new byte[4]), "no valid data_offsets"),
        };
        foreach (var (name, bytes, message) in cases)
        {
            var result = Test(Write(name, bytes));

            AssertOneLineError(result, message);
            StringAssert.Contains(result.Stderr, name);
        }
    }

    [TestMethod]
    public void APointerFile_OrAWorkDir_NamesItsNewestCheckpoint()
    {
        var fromPointer = Test(Path.Combine(Trained(), "last_checkpoint"));
        var fromFolder = Test(Trained());

        Assert.AreEqual(0, fromPointer.ExitCode, fromPointer.Stderr);
        Assert.AreEqual(0, fromFolder.ExitCode, fromFolder.Stderr);
        StringAssert.Contains(fromPointer.Stdout, $"Load checkpoint from {Path.Combine(Trained(), "epoch_2.ckpt")}");
        StringAssert.Contains(fromFolder.Stdout, $"Load checkpoint from {Path.Combine(Trained(), "epoch_2.ckpt")}");
        AssertOneLineError(Test(TestEnvironment.NewTempDir("nothing")), "it is a folder that holds no checkpoint");
    }

    [TestMethod]
    public void AutoResume_FallsBackPastAMalformedNewestCheckpoint()
    {
        var workDir = TestEnvironment.NewTempDir("fallback");
        foreach (var file in Directory.GetFiles(Trained())) File.Copy(file, Path.Combine(workDir, Path.GetFileName(file)));
        File.WriteAllBytes(Path.Combine(workDir, "epoch_2.ckpt"), Safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}"));

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--resume");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "epoch_2.ckpt' is corrupt or truncated: tensor 'w' has a shape entry that is not a size: -1. Trying an older checkpoint.");
        StringAssert.Contains(result.Stdout, "resumed epoch: 1");
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "epoch_2.ckpt.damaged")), "the damaged file is kept under another name");
        using var retrained = CheckpointFile.Load(Path.Combine(workDir, "epoch_2.ckpt"));
    }

    [TestMethod]
    public void ForgedCheckpoint_WithSectionsOfTheWrongShape_IsOneLineNamingTheSection()
    {
        var forged = Path.Combine(TestEnvironment.NewTempDir("forged"), "forged.ckpt");
        using (var checkpoint = CheckpointFile.Load(Path.Combine(Trained(), "epoch_2.ckpt")))
        {
            checkpoint.State["message_hub"] = new Dictionary<string, object> { ["log_scalars"] = "not a table", ["runtime_info"] = 5L };
            CheckpointFile.Save(checkpoint, forged);
        }
        using (var checkpoint = CheckpointFile.Load(Path.Combine(Trained(), "epoch_2.ckpt")))
        {
            checkpoint.Meta["epoch"] = "two";
            CheckpointFile.Save(checkpoint, forged + ".meta.ckpt");
        }

        var hub = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", TestEnvironment.NewTempDir("w"), "--resume", forged);
        var meta = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", TestEnvironment.NewTempDir("w"), "--resume", forged + ".meta.ckpt");

        AssertOneLineError(hub, "its message_hub section does not hold what Runner writes there");
        AssertOneLineError(meta, "its meta.epoch is \"two\", not a count of completed epochs.");
    }
}
