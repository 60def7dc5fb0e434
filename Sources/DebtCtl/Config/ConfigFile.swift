import DebtCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Profiles in `$XDG_CONFIG_HOME/debtctl/config` (else `~/.config/debtctl/config`), like kubectl contexts:
///
/// ```
/// current-profile = prod
///
/// [prod]
/// server = https://debt.example.com
/// database = service=debt-prod
/// token = …
/// ```
/// The file is written atomically with mode 0600; tokens and passwords never leave it in output.
struct ConfigFile: Equatable {
    struct Profile: Equatable {
        var server: String?
        var database: String?
        var token: String?
    }

    var currentProfile: String?
    var profiles: [String: Profile] = [:]
    /// Profile names in file order.
    var order: [String] = []

    static var path: String {
        if let xdg = environment("XDG_CONFIG_HOME") { return xdg + "/debtctl/config" }
        return (environment("HOME") ?? ".") + "/.config/debtctl/config"
    }

    static func load(from path: String = ConfigFile.path) throws -> ConfigFile {
        guard let f = fopen(path, "r") else {
            if errno == ENOENT { return ConfigFile() }
            throw CLIError.failure("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            text.append(contentsOf: chunk[0..<n])
        }
        return try parse(String(decoding: text, as: UTF8.self), path: path)
    }

    static func parse(_ text: String, path: String) throws -> ConfigFile {
        var config = ConfigFile()
        var section: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast()).trimmingWhitespace
                section = name
                if config.profiles[name] == nil {
                    config.profiles[name] = Profile()
                    config.order.append(name)
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw CLIError.failure("\(path):\(number + 1): expected 'key = value'")
            }
            let key = String(line[..<eq]).trimmingWhitespace
            let value = String(line[line.index(after: eq)...]).trimmingWhitespace
            guard let s = section else {
                guard key == "current-profile" else { throw CLIError.failure("\(path):\(number + 1): unknown setting '\(key)'") }
                config.currentProfile = value
                continue
            }
            switch key {
            case "server": config.profiles[s]?.server = value
            case "database": config.profiles[s]?.database = value
            case "token": config.profiles[s]?.token = value
            default: throw CLIError.failure("\(path):\(number + 1): unknown key '\(key)' (server, database, token)")
            }
        }
        return config
    }

    var text: String {
        var out = "# debtctl profiles: edit with 'debtctl config set' and 'debtctl login'\n"
        if let currentProfile { out += "current-profile = \(currentProfile)\n" }
        for name in order {
            guard let p = profiles[name] else { continue }
            out += "\n[\(name)]\n"
            if let s = p.server { out += "server = \(s)\n" }
            if let d = p.database { out += "database = \(d)\n" }
            if let t = p.token { out += "token = \(t)\n" }
        }
        return out
    }

    /// Writes the file with mode 0600 (through a temporary file and rename, so it is never half-written).
    func save(to path: String = ConfigFile.path) throws {
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !dir.isEmpty { try makeDirectories(dir) }
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CLIError.failure("cannot write \(temp): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temp, path) == 0 else {
            unlink(temp)
            throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func makeDirectories(_ dir: String) throws {
        var current = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw CLIError.failure("cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A connection string with any password replaced by `***` (URL userinfo or `password=` pairs).
func redactedConnectionString(_ s: String) -> String {
    if let scheme = s.firstRange(of: "://") {
        let rest = s[scheme.upperBound...]
        if let at = rest.firstIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            return String(s[..<rest.index(after: colon)]) + "***" + String(rest[at...])
        }
        return s
    }
    return s.split(separator: " ").map { pair -> String in
        pair.lowercased().hasPrefix("password=") ? "password=***" : String(pair)
    }.joined(separator: " ")
}
