import HummingbirdBcrypt

/// bcrypt for the command-line account tools (the server itself hashes off the event loop).
public enum PasswordHashing {
    public static func hash(_ password: String, cost: UInt8) -> String { Bcrypt.hash(password, cost: cost) }
}
