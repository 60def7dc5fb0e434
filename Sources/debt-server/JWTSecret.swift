import Foundation

/// The token signing key: `DEBT_JWT_SECRET`, else a random one generated once into `DIR/jwt-secret`
/// (mode 0600). Instances of one deployment must share it.
enum JWTSecret {
    static func load(environment: [String: String], directory: String) throws -> [UInt8] {
        if let s = environment["DEBT_JWT_SECRET"] {
            guard s.utf8.count >= 32 else { throw ConfigurationFailure("DEBT_JWT_SECRET must have at least 32 characters") }
            return Array(s.utf8)
        }
        let path = directory + "/jwt-secret"
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: 64)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationFailure("cannot write \(path)")
        }
        return bytes
    }
}

struct ConfigurationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
