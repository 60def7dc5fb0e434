import DebtCtl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Process-wide setup lives here only: a closed pipe (`debtctl … | head`) must end the program quietly
// through EPIPE on write, not kill it with SIGPIPE.
signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
if let status = CLI.runImmediately(arguments) { exit(status) }
exit(await CLI.run(arguments: arguments))
