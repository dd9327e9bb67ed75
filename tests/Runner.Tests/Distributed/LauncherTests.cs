using Runner.Sdk.Configuration;
using Runner.Sdk.Distributed;
using Runner.Sdk.Evaluation;
using Runner.Tests.Support;

namespace Runner.Tests.Distributed;

/// <summary>A launcher the environment contradicts is an error that says what to run instead; results cross ranks intact.</summary>
[TestClass]
public sealed class LauncherTests
{
    private static LaunchEnvironment With(params (string Name, string Value)[] variables) =>
        new(name => variables.FirstOrDefault(v => v.Name == name).Value);

    private static string Refusal(string launcher, LaunchEnvironment environment) =>
        Assert.ThrowsExactly<ConfigException>(() => Launcher.Start(launcher, environment, new SourceLocation("job.toml", 3, 1))).Message;

    [TestMethod]
    public void None_UnderAMultiProcessLauncher_IsRefused()
    {
        StringAssert.Contains(Refusal("none", With(("OMPI_COMM_WORLD_SIZE", "2"), ("OMPI_COMM_WORLD_RANK", "0"))), "one of 2 that mpirun started");
        StringAssert.Contains(Refusal("none", With(("OMPI_COMM_WORLD_SIZE", "2"))), "--launcher mpi");
        StringAssert.Contains(Refusal("none", With(("SLURM_PROCID", "1"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "4"))), "one of 4 tasks that srun started");
        StringAssert.Contains(Refusal("none", With(("RANK", "0"), ("WORLD_SIZE", "2"))), "mpirun -np 2");
    }

    [TestMethod]
    public void None_InASingleProcessEnvironment_IsOneProcess()
    {
        // An sbatch script's own process (SLURM_PROCID without a job step) and mpirun -np 1 are single processes too.
        Assert.AreEqual(1, Launcher.Start("none", With(), null).WorldSize);
        Assert.AreEqual(1, Launcher.Start("none", With(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "4")), null).WorldSize);
        Assert.AreEqual(1, Launcher.Start("none", With(("OMPI_COMM_WORLD_SIZE", "1")), null).WorldSize);
    }

    [TestMethod]
    public void MpiOrSlurm_WithoutTheirStarter_SayHowToStart()
    {
        var mpi = Refusal("mpi", With());
        StringAssert.StartsWith(mpi, "job.toml(3,1): launcher: launcher is \"mpi\", but this process was not started by mpirun");
        StringAssert.Contains(mpi, "mpirun -np N runner-host --config FILE --launcher mpi");
        StringAssert.Contains(Refusal("mpi", With(("PMI_SIZE", "2"))), "MPICH's mpiexec");
        StringAssert.Contains(Refusal("slurm", With()), "srun -n N --mpi=pmix runner-host");
    }

    [TestMethod]
    public void PyTorch_IsRefusedWithTheEquivalentCommands()
    {
        var refusal = Refusal("pytorch", With(("RANK", "1"), ("WORLD_SIZE", "4"), ("MASTER_ADDR", "a"), ("MASTER_PORT", "29500")));

        StringAssert.Contains(refusal, "mpirun -np 4 runner-host --config FILE --launcher mpi");
        StringAssert.Contains(refusal, "srun -n 4 --mpi=pmix");
    }

    private sealed record Counts(long Hits, long Total);

    [TestMethod]
    public void MetricResults_CrossRanksIntact()
    {
        // Arrange: the kinds of plain values metrics keep.
        object[] results = [new long[] { 3, 4 }, "{\"a\":1}", new Counts(7, 9), new Dictionary<string, double> { ["x"] = 0.1 + 0.2 }, new List<int> { 1 }, double.NaN];

        // Act
        var decoded = ResultCodec.Decode(ResultCodec.Encode(results, "Test"), "Test");

        // Assert: the same types and values (doubles to the last bit).
        CollectionAssert.AreEqual(new long[] { 3, 4 }, (long[])decoded[0]);
        Assert.AreEqual("{\"a\":1}", decoded[1]);
        Assert.AreEqual(new Counts(7, 9), decoded[2]);
        Assert.AreEqual(0.1 + 0.2, ((Dictionary<string, double>)decoded[3])["x"]);
        CollectionAssert.AreEqual(new List<int> { 1 }, (List<int>)decoded[4]);
        Assert.IsTrue(double.IsNaN((double)decoded[5]));
    }

    [TestMethod]
    public void ConfigErrors_NameTheLineAndTheFix()
    {
        var unknown = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--launcher", "mpii");
        var wrapper = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--cfg-options", "model_wrapper_cfg={ type = \"MMFullyShardedDataParallel\" }");
        var timeout = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--cfg-options", "env_cfg.dist_cfg.timeout=0");

        Assert.AreEqual(1, unknown.ExitCode);
        StringAssert.Contains(unknown.Stderr, "'mpii' is not a launcher");
        StringAssert.Contains(unknown.Stderr, "did you mean 'mpi'?");
        Assert.AreEqual(1, wrapper.ExitCode);
        StringAssert.Contains(wrapper.Stderr, "model_wrapper_cfg.type");
        Assert.AreEqual(1, timeout.ExitCode);
        StringAssert.Contains(timeout.Stderr, "env_cfg.dist_cfg.timeout");
    }

    [TestMethod]
    public void MpiRunWithoutOpenMpi_IsOneClearLine()
    {
        // As if mpirun had started this process on a machine whose Open MPI library is missing.
        var result = HostTester.RunProcessWith(new Dictionary<string, string?>
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2", ["OMPI_COMM_WORLD_RANK"] = "0", ["RUNNER_MPI_LIBRARY"] = "/nonexistent/libmpi.so.40",
        }, "train", "--config", TestEnvironment.ToyConfig, "--launcher", "mpi", "--work-dir", TestEnvironment.NewTempDir("no-mpi"));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.StartsWith(result.Stderr, "error: Open MPI's library (/nonexistent/libmpi.so.40) could not be loaded");
        StringAssert.Contains(result.Stderr, "apt-get install openmpi-bin");
        Assert.AreEqual(1, result.Stderr.Trim().Split('\n').Length, result.Stderr);
    }
}
