namespace Runner.Sdk.Hooks;

/// <summary>The points at which hooks run, in MMEngine's <c>Hook.stages</c> order (used for the hook-order table).</summary>
public enum HookPoint
{
    /// <summary>The run starts.</summary>
    BeforeRun,
    /// <summary>A checkpoint was loaded.</summary>
    AfterLoadCheckpoint,
    /// <summary>Training starts.</summary>
    BeforeTrain,
    /// <summary>A train epoch starts.</summary>
    BeforeTrainEpoch,
    /// <summary>A train iteration starts.</summary>
    BeforeTrainIter,
    /// <summary>A train iteration ended.</summary>
    AfterTrainIter,
    /// <summary>A train epoch ended.</summary>
    AfterTrainEpoch,
    /// <summary>Validation starts.</summary>
    BeforeVal,
    /// <summary>The val pass starts.</summary>
    BeforeValEpoch,
    /// <summary>A val iteration starts.</summary>
    BeforeValIter,
    /// <summary>A val iteration ended.</summary>
    AfterValIter,
    /// <summary>The val pass ended (metrics computed).</summary>
    AfterValEpoch,
    /// <summary>Validation ended.</summary>
    AfterVal,
    /// <summary>A checkpoint is about to be written.</summary>
    BeforeSaveCheckpoint,
    /// <summary>Training ended.</summary>
    AfterTrain,
    /// <summary>Testing starts.</summary>
    BeforeTest,
    /// <summary>The test pass starts.</summary>
    BeforeTestEpoch,
    /// <summary>A test iteration starts.</summary>
    BeforeTestIter,
    /// <summary>A test iteration ended.</summary>
    AfterTestIter,
    /// <summary>The test pass ended (metrics computed).</summary>
    AfterTestEpoch,
    /// <summary>Testing ended.</summary>
    AfterTest,
    /// <summary>The run ends.</summary>
    AfterRun,
}
