import DebtCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum LoginCommand {
    /// `debtctl login`: an admin login against the server; the token goes into the profile (mode 0600).
    static func run(_ ctx: Context) async throws -> Int32 {
        let inv = ctx.invocation
        var config = try ConfigFile.load()
        let name = inv.string("profile") ?? environment("DEBTCTL_PROFILE") ?? config.currentProfile ?? "default"
        guard let server = inv.string("server") ?? environment("DEBTCTL_SERVER") ?? config.profiles[name]?.server else {
            throw CLIError.usage("login needs a server: --server URL, DEBTCTL_SERVER, or a profile with a server")
        }
        guard let username = try inv.string("username") ?? prompt("Username: ") else { throw CLIError.usage("login needs --username") }
        let password: String
        if inv.flag("password-stdin") {
            password = readLine(strippingNewline: true) ?? ""
        } else {
            guard ctx.terminal.stdinIsTTY else { throw CLIError.usage("no terminal to ask for the password on; pipe it with --password-stdin") }
            password = try readSecret("Password: ")
        }
        let token = try ServerBackend(url: server, token: nil).adminLogin(username: username, password: password)
        if config.profiles[name] == nil {
            config.profiles[name] = ConfigFile.Profile()
            config.order.append(name)
        }
        config.profiles[name]?.server = server
        config.profiles[name]?.token = token
        if config.currentProfile == nil { config.currentProfile = name }
        try config.save()
        try ctx.sink.write("logged in to \(server) as \(username); token saved in profile \(name) (\(ConfigFile.path))\n")
        return ExitStatus.ok
    }

    static func prompt(_ text: String) throws -> String? {
        printErrorNoNewline(text)
        return readLine(strippingNewline: true)
    }

    /// Reads a line from the terminal with echo off, restoring the terminal whatever happens.
    static func readSecret(_ text: String) throws -> String {
        printErrorNoNewline(text)
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { throw CLIError.failure("cannot read the terminal's settings") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(0, TCSAFLUSH, &saved)
            printError("")
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
