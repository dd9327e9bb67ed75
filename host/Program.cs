// runner-host: see HostApp for the command line.

// A rank started by mpirun or srun writes to a terminal its launcher made only to forward the output: .NET, seeing a
// terminal, would send the terminal's start-up codes (keypad mode, "\e[?1h\e=") into the user's redirected output.
// A terminal without such codes ("dumb") is what that forwarding needs; chosen before the console is first touched.
if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") is not null || Environment.GetEnvironmentVariable("PMIX_RANK") is not null
    || Environment.GetEnvironmentVariable("SLURM_PROCID") is not null)
    Environment.SetEnvironmentVariable("TERM", "dumb");

var exitCode = Runner.Host.HostApp.Run(args);
Runner.Host.QuickExit.AfterExitHandlers(exitCode);
return exitCode;
