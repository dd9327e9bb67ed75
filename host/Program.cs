// runner-host: see HostApp for the command line.
var exitCode = Runner.Host.HostApp.Run(args);
Runner.Host.QuickExit.AfterExitHandlers(exitCode);
return exitCode;
