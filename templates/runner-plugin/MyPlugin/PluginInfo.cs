// Components of this plugin are found as "MyPlugin.<Name>", or by plain name under default_scope = "MyPlugin".
[assembly: Runner.Sdk.Registries.PluginScope("MyPlugin")]
