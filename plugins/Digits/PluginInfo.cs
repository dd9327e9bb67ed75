using Runner.Sdk.Registries;

// The plugin's registry scope: configs name its components "digits.DigitsCnn", or "DigitsCnn" with default_scope = "digits".
[assembly: PluginScope("digits")]
