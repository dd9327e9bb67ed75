namespace Runner.Sdk.Hooks;

/// <summary>The points at which hooks run, in MMEngine's <c>Hook.stages</c> order (used for the hook-order table).</summary>
public enum HookPoint
{
    BeforeRun,
    AfterLoadCheckpoint,
    BeforeTrain,
    BeforeTrainEpoch,
    BeforeTrainIter,
    AfterTrainIter,
    AfterTrainEpoch,
    BeforeVal,
    BeforeValEpoch,
    BeforeValIter,
    AfterValIter,
    AfterValEpoch,
    AfterVal,
    BeforeSaveCheckpoint,
    AfterTrain,
    BeforeTest,
    BeforeTestEpoch,
    BeforeTestIter,
    AfterTestIter,
    AfterTestEpoch,
    AfterTest,
    AfterRun,
}
