namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;

/// <summary>The base of every loop (MMEngine's <c>BaseLoop</c>): the runner, the dataloader, and <see cref="Run"/>.</summary>
public abstract class BaseLoop
{
    protected BaseLoop(Runner runner, DataLoader dataloader)
    {
        Runner = runner;
        Dataloader = dataloader;
    }

    public Runner Runner { get; }

    public DataLoader Dataloader { get; }

    public abstract void Run();
}
