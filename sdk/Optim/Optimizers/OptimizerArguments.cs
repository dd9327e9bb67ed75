namespace Runner.Sdk.Optim.Optimizers;

/// <summary>Checks shared by the optimizer factories.</summary>
internal static class OptimizerArguments
{
    public static double[] Betas(double[]? betas)
    {
        betas ??= [0.9, 0.999];
        if (betas.Length != 2 || betas.Any(b => b is < 0 or >= 1))
            throw new ArgumentException($"betas must be two numbers in [0, 1), got [{string.Join(", ", betas)}].");
        return betas;
    }

    public static double[] Pair(double[] values, string name) =>
        values.Length == 2 ? values : throw new ArgumentException($"{name} must be two numbers, got [{string.Join(", ", values)}].");
}
