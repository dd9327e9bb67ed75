using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running.Loops;

/// <summary>The base of every loop (MMEngine's <c>BaseLoop</c>): the runner, the dataloader, and <see cref="Run"/>.</summary>
[ComponentKind("loop", 8)]
public abstract class BaseLoop
{
    /// <summary>A loop of <paramref name="runner"/> over <paramref name="dataloader"/>.</summary>
    protected BaseLoop(TrainingRunner runner, DataLoader dataloader)
    {
        Runner = runner;
        Dataloader = dataloader;
    }

    /// <summary>The runner the loop belongs to (its hooks, model and logger).</summary>
    public TrainingRunner Runner { get; }

    /// <summary>The loop's dataloader (for an evaluation loop over several sets, the one being run).</summary>
    public DataLoader Dataloader { get; protected set; }

    /// <summary>Runs the loop, calling the hooks at each point through <c>Runner.CallHooks</c>.</summary>
    public abstract void Run();
}
