import DebtCore
@testable import DebtCtl
import Foundation
import Testing
import TestSupport

/// Property-based fuzzing of the argument parser: command lines generated from the command table
/// (valid ones, then mutated: tokens inserted, dropped, swapped, duplicated, cut, joined, bytes
/// changed) and random ones. Properties: parsing never crashes; it either gives an invocation of a
/// command in the table or a usage error with a message whose offending index is inside the argument
/// vector and whose rendering works; the result is deterministic. A sample of the rejected command
/// lines is run through the real binary: exit 2, the message on stderr, nothing on stdout.
/// `DEBT_FUZZ_INPUTS` sets the count (200,000 in the test run; `scripts/reliability` runs 1,000,000);
/// `DEBT_FUZZ_SEED` the seed.
@Suite("Parser fuzzing")
struct ParserFuzzTests {
    static let commands = CommandTable.commands
    static let weird = [
        "", "-", "--", "---", "--=", "-=", "=", "--=x", " ", "\t", "\n", "-\u{301}", "é", "🦆", "--🦆", "-🦆", "\u{202E}", "\\", "'", "\"",
        "%s%n", "$(reboot)", "; DROP TABLE events; --", String(repeating: "a", count: 5000), String(repeating: "-", count: 300),
        "-9223372036854775808", "9223372036854775807", "99999999999999999999", "-1", "0", "1e9", "0x10", "+5", "NaN",
        "00000000-0000-0000-0000-000000000000", "0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "0b7e5c1a3f2d4c8ea1b2c3d4e5f60718",
        "contact-0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "transaction-", "contact-x", "2026-01-18", "2026-02-30", "2026-01-18T10:00:00Z",
        "2026-01-18T25:00:00Z", "15m", "2h", "7d", "0m", "-5m", "9999999999d", "m", "1y", "json", "ndjson", "csv", "table", "xml", "contact",
        "transaction", "CONTACT_CREATED", "UNDO", "created", "bash", "zsh", "fish", "powershell",
    ]

    static func value(for o: OptionSpec, _ r: inout SplitMix64) -> String {
        if r.chance(30) { return r.pick(weird) }
        switch o.valueType {
        case .text: return r.pick(["alice", "x", "a,b", "CONTACT_CREATED,UNDO", "service=prod", "postgresql://u@h/db"])
        case .integer(let min): return String(Int64(r.below(2000)) - 5 + min)
        case .choice(let values): return r.chance(90) ? r.pick(values) : r.pick(values).uppercased()
        case .identifier: return r.chance(80) ? Identifier.random().description : String(Identifier.random().description.dropLast())
        case .time: return r.pick(["15m", "2h", "7d", "2026-01-18", "2026-01-18T10:00:00Z", "yesterday", "2026-13-01"])
        }
    }

    /// A command line the table accepts (mostly), built from a random command.
    static func valid(_ r: inout SplitMix64) -> [String] {
        let c = r.pick(commands)
        var argv = c.path
        let options = c.options + CommandTable.globalOptions.filter { $0.name != "help" }
        for _ in 0..<r.below(4) {
            let o = r.pick(options)
            let name = r.chance(20) && o.short != nil ? "-\(o.short!)" : "--\(o.name)"
            if o.takesValue {
                let v = value(for: o, &r)
                if r.chance(25), name.hasPrefix("--") { argv.append("\(name)=\(v)") } else { argv += [name, v] }
            } else {
                argv.append(name)
            }
        }
        for p in c.positionals.prefix(r.below(3)) { argv.append(p.name.contains("ID") ? Identifier.random().description : r.pick(weird)) }
        if r.chance(20) { argv.shuffle(using: &r) }
        return argv
    }

    static func mutate(_ argv: [String], _ r: inout SplitMix64) -> [String] {
        var a = argv
        for _ in 0..<(1 + r.below(3)) {
            switch r.below(9) {
            case 0 where !a.isEmpty: a.remove(at: r.below(a.count))
            case 1: a.insert(r.pick(weird), at: r.below(a.count + 1))
            case 2 where !a.isEmpty: a[r.below(a.count)] = r.pick(weird)
            case 3 where a.count > 1: a.swapAt(r.below(a.count), r.below(a.count))
            case 4 where !a.isEmpty: let i = r.below(a.count); a.insert(a[i], at: i)
            case 5 where !a.isEmpty:
                let i = r.below(a.count)
                a[i] = String(a[i].prefix(r.below(a[i].count + 1)))
            case 6 where a.count > 1:
                let i = r.below(a.count - 1)
                a[i] += a.remove(at: i + 1)
            case 7 where !a.isEmpty:
                let i = r.below(a.count)
                var scalars = Array(a[i].unicodeScalars)
                let replacement = Unicode.Scalar(UInt32(1 + r.below(0x2FF))) ?? "x"
                if scalars.isEmpty { scalars = [replacement] } else { scalars[r.below(scalars.count)] = replacement }
                a[i] = String(String.UnicodeScalarView(scalars))
            default: a.append(r.pick(commands.flatMap(\.path) + CommandTable.globalOptions.map { "--" + $0.name }))
            }
        }
        return a
    }

    static func random(_ r: inout SplitMix64) -> [String] {
        (0..<r.below(7)).map { _ in
            r.chance(50) ? r.pick(weird) : String(String.UnicodeScalarView((0..<r.below(12)).compactMap { _ in Unicode.Scalar(UInt32(1 + r.below(0x7F))) }))
        }
    }

    @Test("generated and mutated command lines (1,000,000 in scripts/reliability): no crash, an invocation or a usage error with a message; a sample through the real binary exits 2")
    func fuzz() throws {
        let env = ProcessInfo.processInfo.environment
        let count = env["DEBT_FUZZ_INPUTS"].flatMap(Int.init) ?? 200_000
        let seed = env["DEBT_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_122
        var r = SplitMix64(seed: seed)
        let now = Timestamp(rfc3339: "2026-01-18T12:00:00Z")!
        let known = Set(Self.commands.map(\.path))
        var accepted = 0
        var rejected = 0
        var problems: [String] = []
        var sample: [[String]] = []
        for n in 0..<count {
            let argv: [String] = switch n % 10 {
            case 0, 1, 2: Self.valid(&r)
            case 3, 4, 5, 6, 7: Self.mutate(Self.valid(&r), &r)
            default: Self.random(&r)
            }
            do {
                switch try Parser.parse(argv, now: now) {
                case .invocation(let i):
                    accepted += 1
                    if !known.contains(i.command.path) { problems.append("unknown command \(i.command.path) from \(argv)") }
                case .noCommand:
                    accepted += 1
                }
            } catch {
                rejected += 1
                if error.message.isEmpty { problems.append("empty message for \(argv)") }
                if let i = error.index, i < 0 || i >= argv.count { problems.append("index \(i) outside \(argv.count) arguments: \(argv)") }
                if error.rendered().isEmpty { problems.append("empty rendering for \(argv)") }
                if n % 97 == 0, (try? Parser.parse(argv, now: now)) != nil { problems.append("not deterministic: \(argv)") }
                if sample.count < 300, n % 1000 == 7, !argv.contains(where: { $0.utf8.count > 1000 }) { sample.append(argv) }
            }
            if problems.count > 20 { break }
        }
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
        #expect(accepted + rejected == count)
        #expect(accepted > count / 10 && rejected > count / 10, "the generator reaches both sides: \(accepted) accepted, \(rejected) rejected")

        // The real binary: every rejected sample is exit 2 with the message on stderr and nothing on stdout.
        for argv in sample {
            let result = try CommandRunner.run("debtctl", argv, environment: ["DEBTCTL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"])
            #expect(result.status == 2 && result.stderr.hasPrefix("debtctl: ") && result.stdout.isEmpty,
                    "\(argv): exit \(result.status), stderr \(result.stderr.prefix(200)), stdout \(result.stdout.prefix(100))")
        }
        print("RELIABILITY: parser fuzzing: \(count) inputs (seed \(seed)): \(accepted) accepted, \(rejected) rejected, 0 crashes; \(sample.count) rejected samples through the binary, all exit 2")
    }
}
