using Runner.Sdk.Registries;

// Components of this plugin are found as "thirdparty.<Name>", or by plain name under default_scope = "thirdparty".
[assembly: PluginScope("thirdparty")]
