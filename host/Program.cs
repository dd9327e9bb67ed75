// runner-host: see HostApp for the command line.
return Runner.Host.HostApp.Run(args);
