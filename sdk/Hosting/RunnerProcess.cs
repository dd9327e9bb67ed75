using System.Reflection;
using Runner.Sdk.Distributed;
using Runner.Sdk.Native;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hosting;

/// <summary>
/// The process-wide steps a host takes around its runners: what <c>runner-host</c> does, public so that a host of
/// your own (a service, a notebook kernel, a test) can do the same without reaching into the SDK's internals.
/// </summary>
/// <example>
/// <code>
/// RunnerProcess.PrepareNativeLibraries();              // before any TorchSharp type is touched
/// var exitCode = 0;
/// try
/// {
///     using var runner = TrainingRunner.FromConfig(ConfigLoader.Load("runner.toml"));
///     runner.Train();
/// }
/// catch (RunnerException e) { Console.Error.WriteLine(e.Message); exitCode = 1; }
/// return RunnerProcess.End(exitCode);                   // leaves MPI in order when launched by mpirun or srun
/// </code>
/// </example>
public static class RunnerProcess
{
    /// <summary>
    /// Makes TorchSharp's native library loadable on this machine (the GLIBCXX patch, the bundled libtorch, the
    /// OpenMP wait policy). Call it once, first, before any TorchSharp type is used; later calls do nothing. A
    /// <see cref="TrainingRunner"/> then loads the libtorch its config chooses before its first tensor; a program that
    /// makes tensors itself first calls <see cref="UseLibTorch"/>, so that no other libtorch on the machine
    /// (<c>LD_LIBRARY_PATH</c>, a system package) is found in its place.
    /// </summary>
    public static void PrepareNativeLibraries() => TorchNativeLibrary.EnsureLoadable();

    /// <summary>
    /// Loads libtorch from <paramref name="folder"/> (a PyTorch install's <c>torch/lib</c>, or an unpacked libtorch's
    /// <c>lib</c>) instead of the bundled CPU build; with null, the bundled one, or — when <paramref name="needCuda"/>
    /// and the build carries none with CUDA — the one python3's PyTorch has.
    /// </summary>
    /// <param name="folder">The libtorch <c>lib</c> folder, or null to choose as described.</param>
    /// <param name="origin">Where the folder was given (<c>--libtorch</c>, <c>env_cfg.libtorch</c>), for messages.</param>
    /// <param name="needCuda">Whether the run asks for a CUDA device (a libtorch without CUDA is then an error).</param>
    /// <returns>Notes worth showing the user: which libtorch was taken and why, version mismatches.</returns>
    /// <exception cref="RunnerException">No usable libtorch, or one without CUDA when CUDA is needed.</exception>
    public static IReadOnlyList<string> UseLibTorch(string? folder, string origin, bool needCuda)
    {
        LibTorchLoader.Ensure(folder, origin, needCuda);
        return LibTorchLoader.Notes;
    }

    /// <summary>
    /// This process's rank as its launcher (mpirun, srun, torchrun) announced it in the environment, before MPI is
    /// joined: 0 in a single process. Hosts use it to prefix messages and to show progress on rank 0 only.
    /// </summary>
    public static int Rank => LaunchEnvironment.OfProcess().RankHint;

    /// <summary>
    /// Tells a runner's ranks that the process got <paramref name="signal"/>: a wait for other ranks that goes on a
    /// few seconds longer gives up (a launcher stopping the run signals every rank). Safe from a signal handler.
    /// </summary>
    public static void Interrupt(TrainingRunner runner, string signal) => runner.World.Interrupt(signal);

    /// <summary>
    /// An error message as a console shows it: libtorch's C++ stack (<c>Exception raised from …</c>, <c>frame #N</c>)
    /// removed, keeping the sentence that says what went wrong.
    /// </summary>
    /// <param name="message">An exception's message.</param>
    /// <returns>The message without native frames.</returns>
    public static string ConsoleMessage(string message) => NativeErrorText.WithoutNativeFrames(message);

    /// <summary>
    /// Whether <paramref name="error"/> is libtorch refusing an operation (its message carries the C++ stack), which a
    /// host reports as one line, as it does the user's other mistakes, rather than as a defect.
    /// </summary>
    /// <param name="error">The exception that ended the work.</param>
    /// <param name="summary">libtorch's sentence, printable on one line.</param>
    /// <returns>True for a libtorch error.</returns>
    public static bool IsLibTorchError(Exception error, out string summary)
    {
        summary = "";
        if (error is not System.Runtime.InteropServices.ExternalException || !NativeErrorText.HasNativeFrames(error.Message)) return false;
        summary = NativeErrorText.Printable(NativeErrorText.WithoutNativeFrames(error.Message), 400);
        return true;
    }

    /// <summary>
    /// Ends the process's part in a distributed run: when every rank gets here, they leave MPI together; when some
    /// rank does not (it failed, or is stuck), the run is aborted so no rank hangs. Returns the exit code to use.
    /// </summary>
    public static int End(int exitCode) => Launcher.End(exitCode);

    /// <summary>
    /// Records the file a plugin assembly was loaded from, so that its components' <see cref="PluginFiles"/> name its
    /// folder even when the assembly was loaded from memory (hot-swapping reads plugins into memory).
    /// </summary>
    public static void RecordPluginAssembly(Assembly assembly, string assemblyPath) => PluginFolder.Record(assembly, assemblyPath);
}
