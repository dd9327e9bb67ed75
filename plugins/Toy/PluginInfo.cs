using Runner.Sdk.Registries;

// The plugin's registry scope: configs name its components "toy.ToyModel", or "ToyModel" with default_scope = "toy".
[assembly: PluginScope("toy")]
