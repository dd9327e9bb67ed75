namespace Runner.Sdk.Models;

/// <summary>What <see cref="BaseModel.Forward"/> returns (MMEngine's <c>mode</c>).</summary>
public enum ForwardMode
{
    /// <summary>A dictionary of named losses, for training.</summary>
    Loss,

    /// <summary>Predictions as a <see cref="Data.DataBatch"/>, for validation and testing.</summary>
    Predict,

    /// <summary>The raw output tensor.</summary>
    Tensor,
}
