import DebtCore
@testable import DebtCtl
import Foundation
import Testing
import TestSupport

@Suite("Completions and man pages, generated from the command table")
struct GeneratedDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func file(_ path: String) -> String? { try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    @Test("checked-in completion scripts equal the generator's output", arguments: ["bash", "zsh", "fish"])
    func completionSnapshots(shell: String) {
        #expect(Completion.script(for: shell) == Self.file("completions/debtctl.\(shell)"), "run scripts/generate-docs")
    }

    @Test("checked-in man pages equal the generator's output, one per page and no stale ones")
    func manSnapshots() throws {
        for name in ManPage.names {
            #expect(ManPage.page(name) == Self.file("man/\(name).1"), "man/\(name).1 is stale: run scripts/generate-docs")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("man").path).filter { $0.hasSuffix(".1") }
        #expect(Set(files) == Set(ManPage.names.map { $0 + ".1" }))
    }

    @Test("every command and every option of the table appears in the man pages")
    func manCoverage() throws {
        let main = try #require(ManPage.page("debtctl"))
        for o in CommandTable.globalOptions { #expect(main.contains("\\-\\-" + ManPage.escape(o.name).replacingOccurrences(of: "\\-", with: "\\-")), "--\(o.name)") }
        for c in CommandTable.commands where !c.hidden {
            #expect(main.contains(".B " + ManPage.escape(c.name)), "\(c.name) missing from debtctl(1)")
            guard ManPage.groups.contains(c.path[0]), let page = ManPage.page("debtctl-" + c.path[0]) else { continue }
            for o in c.options { #expect(page.contains("\\fB\\-\\-\(ManPage.escape(o.name))\\fR"), "--\(o.name) missing from debtctl-\(c.path[0])(1)") }
        }
        for (code, _) in ExitStatus.table { #expect(main.contains(".B \(code)\n")) }
    }

    @Test("every page renders without a single groff warning")
    func lint() throws {
        for name in ManPage.names {
            let path = Self.root.appendingPathComponent("man/\(name).1").path
            let r = try CommandRunner.run("/usr/bin/groff", ["-man", "-ww", "-z", path])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(name): \(r.stderr)")
        }
    }

    @Test("completion offers every command, subcommand and option of the table")
    func completionCoverage() async {
        let top = Completion.candidates([""], live: nil)
        #expect(Set(top) == Set(CommandTable.commands.filter { !$0.hidden }.map { $0.path[0] }))
        for c in CommandTable.commands where !c.hidden {
            if c.path.count == 2 {
                #expect(Completion.candidates([c.path[0], ""], live: nil).contains(c.path[1]))
            }
            let options = Completion.candidates(c.path + ["--"], live: nil)
            for o in c.options + CommandTable.globalOptions { #expect(options.contains("--" + o.name), "\(c.name) --\(o.name)") }
        }
        #expect(Completion.candidates(["-o", ""], live: nil) == CommandTable.outputFormats)
        #expect(Completion.candidates(["events", "list", "--aggregate", "t"], live: nil) == ["transaction"])
        #expect(Completion.candidates(["events", "list", "--type", "CONTACT_D"], live: nil) == ["CONTACT_DELETED"])
        #expect(Completion.candidates(["projections", "rebuild", ""], live: nil) == Schema.projections)
        #expect(Completion.candidates(["completion", "z"], live: nil) == ["zsh"])
    }

    @Test("the real binary completes live values from the database")
    func liveCompletion() async throws {
        let d = try await Deployment.make()
        let users = try d.debtctl(["__complete", "events", "list", "--user", ""])
        #expect(users.stdout == "alice\nbob\n")
        let events = try d.debtctl(["__complete", "events", "show", "00000000-03ed"])
        #expect(events.stdout.split(separator: "\n").count == 1)
        let streams = try d.debtctl(["__complete", "stream", "show", "contact-"])
        let expectedStreams: Set<String> = Set([UInt64(10), 11, 12].map { n -> String in "contact-" + Deployment.id(n).description })
        let gotStreams: Set<String> = Set(streams.stdout.split(separator: "\n").map { String($0) })
        #expect(gotStreams == expectedStreams)
        // Global options typed before the word are honoured; an unreachable backend completes nothing, quietly.
        let unreachable = try CommandRunner.run("debtctl", ["__complete", "--database", "postgresql://x@127.0.0.1:1/x", "undo", ""])
        #expect(unreachable.status == 0 && unreachable.stdout.isEmpty)
    }
}
