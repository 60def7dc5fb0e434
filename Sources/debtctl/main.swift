import DebtCtl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Process-wide setup lives here only: a closed pipe (`debtctl … | head`) must end the program quietly
// through EPIPE on write, not kill it with SIGPIPE.
signal(SIGPIPE, SIG_IGN)
// The signal mask is inherited across exec: a parent that spawned us from a thread with SIGINT or
// SIGTERM blocked would leave Ctrl-C and kill without effect (the work runs on this thread).
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&stopSignals, s) }
sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
let arguments = Array(CommandLine.arguments.dropFirst())
if let status = CLI.runImmediately(arguments) { exit(status) }
exit(await CLI.run(arguments: arguments))
