using Runner.Sdk.Registries;

// Components of this plugin are found as "vision.<Name>", or by plain name under default_scope = "vision".
[assembly: PluginScope("vision")]
