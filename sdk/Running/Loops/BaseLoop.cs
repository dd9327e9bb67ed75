namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;

/// <summary>The base of every loop (MMEngine's <c>BaseLoop</c>): the runner, the dataloader, and <see cref="Run"/>.</summary>
[global::Runner.Sdk.Registries.ComponentKind("loop", 8)]
public abstract class BaseLoop
{
    protected BaseLoop(TrainingRunner runner, DataLoader dataloader)
    {
        TrainingRunner = runner;
        Dataloader = dataloader;
    }

    public TrainingRunner TrainingRunner { get; }

    /// <summary>The loop's dataloader (for an evaluation loop over several sets, the one being run).</summary>
    public DataLoader Dataloader { get; protected set; }

    public abstract void Run();
}
