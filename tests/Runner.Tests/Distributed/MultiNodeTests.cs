using System.Diagnostics;
using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

namespace Runner.Tests.Distributed;

/// <summary>
/// Data parallel across two machines for real: <c>build/multinode-check</c> makes two hosts out of this one (two
/// network namespaces joined by a veth pair, TCP only), trains the toy job as 2 hosts × 1 rank and as 1 process,
/// and kills the remote rank of a third run.
/// </summary>
[TestClass]
public sealed class MultiNodeTests
{
    [TestMethod]
    public void TwoHostsOfOneRank_TrainAsOneProcessOfTheWholeBatch_AndAKilledRemoteRankIsNamed()
    {
        // Arrange
        MpiRun.RequireOpenMpi();
        if (Environment.UserName != "root" || !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
            Assert.Inconclusive("build/multinode-check makes network namespaces: it needs root and iproute2's ip.");
        var host = Path.Combine(TestEnvironment.RepoRoot, "host", "bin", DotnetCli.Configuration, "net10.0", "runner-host.dll");

        // Act
        var start = new ProcessStartInfo(Path.Combine(TestEnvironment.RepoRoot, "build", "multinode-check"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot,
        };
        foreach (var arg in (string[])["--host-dll", host]) start.ArgumentList.Add(arg);
        using var check = Process.Start(start)!;
        var errors = check.StandardError.ReadToEndAsync();
        var output = check.StandardOutput.ReadToEnd();
        Assert.IsTrue(check.WaitForExit(TimeSpan.FromMinutes(10)), "build/multinode-check did not end");
        if (check.ExitCode == 3) Assert.Inconclusive($"network namespaces cannot be made here: {errors.Result}");
        Assert.AreEqual(0, check.ExitCode, output + errors.Result);
        var dirs = output.Split('\n').Single(line => line.StartsWith("multinode-check work dirs: ", StringComparison.Ordinal))["multinode-check work dirs: ".Length..].Trim().Split(' ');
        try
        {
            // Assert: one rank on each "machine"; the weights of 2 × 16 are those of 1 × 32; rank 0 alone wrote the records.
            StringAssert.Contains(output, "World size: 2 (1 on this machine)");
            using (var one = CheckpointFile.Load(Path.Combine(dirs[0], "epoch_3.ckpt")))
            using (var two = CheckpointFile.Load(Path.Combine(dirs[1], "epoch_3.ckpt")))
            {
                foreach (var (name, tensor) in one.StateDict)
                {
                    var difference = (tensor - two.StateDict[name]).abs().max().item<float>();
                    Assert.IsTrue(difference <= 1e-5, $"{name} differs by {difference}");
                }
            }
            var entries = Directory.GetFileSystemEntries(dirs[1]).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.HasCount(1, Directory.GetDirectories(dirs[1]), "one log folder: " + string.Join(", ", entries));
            CollectionAssert.IsSubsetOf(new[] { "epoch_1.ckpt", "epoch_2.ckpt", "epoch_3.ckpt", "last_checkpoint" }, entries);
            Assert.HasCount(1, entries.Where(e => e!.EndsWith(".toml", StringComparison.Ordinal)).ToList(), "one config dump");
            // The killed remote rank: the run ended non-zero, naming it.
            StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"killed run ended with exit [1-9]\d*"));
            StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"rank 1 .* on node 10\.77\.0\.2"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dirs[0])!, recursive: true);
        }
    }
}
