import DebtCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum ConfigCommands {
    /// `config view`: profiles with tokens shown only as set or not, passwords in URLs redacted.
    static func view(_ ctx: Context) async throws -> Int32 {
        let config = try ConfigFile.load()
        try ctx.sink.write("# \(ConfigFile.path)\n")
        if config.order.isEmpty {
            try ctx.sink.write("no profiles; create one with 'debtctl config set NAME database URL'\n")
            return 0
        }
        for name in config.order {
            guard let p = config.profiles[name] else { continue }
            let mark = name == config.currentProfile ? " (current)" : ""
            try ctx.sink.write("[\(name)]\(mark)\n")
            if let s = p.server { try ctx.sink.write("  server   = \(redactedConnectionString(s))\n") }
            if let d = p.database { try ctx.sink.write("  database = \(redactedConnectionString(d))\n") }
            try ctx.sink.write("  token    = \(p.token == nil ? "(none)" : "(set, hidden)")\n")
        }
        return 0
    }

    static func use(_ ctx: Context) async throws -> Int32 {
        var config = try ConfigFile.load()
        let name = ctx.invocation.positionals[0]
        guard config.profiles[name] != nil else {
            throw CLIError.usage("no profile '\(name)'; profiles: \(config.order.joined(separator: ", "))")
        }
        config.currentProfile = name
        try config.save()
        try ctx.sink.write("current profile is now \(name)\n")
        return 0
    }

    static func set(_ ctx: Context) async throws -> Int32 {
        var config = try ConfigFile.load()
        let p = ctx.invocation.positionals
        let (name, key) = (p[0], p[1])
        var value = p[2]
        if value == "-" {
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while read(0, &byte, 1) == 1, byte != 0x0A { bytes.append(byte) }
            value = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        }
        guard !name.isEmpty, !name.contains("]"), !name.contains("\n") else { throw CLIError.usage("invalid profile name '\(name)'") }
        guard !value.contains("\n") else { throw CLIError.usage("the value must be one line") }
        if config.profiles[name] == nil {
            config.profiles[name] = ConfigFile.Profile()
            config.order.append(name)
        }
        switch key {
        case "server": config.profiles[name]?.server = value
        case "database": config.profiles[name]?.database = value
        case "token": config.profiles[name]?.token = value
        default: throw CLIError.usage("KEY must be server, database or token, got '\(key)'")
        }
        if config.currentProfile == nil { config.currentProfile = name }
        try config.save()
        try ctx.sink.write("set \(key) of profile \(name)\n")
        return 0
    }
}
