// The hooks register in the same scope as the plugin's other components: "MyPlugin.MyHook", or plain under default_scope = "MyPlugin".
[assembly: Runner.Sdk.Registries.PluginScope("MyPlugin")]
