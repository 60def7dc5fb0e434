// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "debt-tracker",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "debtctl", targets: ["debtctl"]),
        .executable(name: "debt-server", targets: ["debt-server"]),
        .library(name: "DebtCore", targets: ["DebtCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // System libraries: module map + shim header. The libraries themselves are loaded with dlopen on first use.
        .systemLibrary(
            // No pkgConfig on purpose: it would add -lpq, and libpq is loaded with dlopen (see shim.h).
            name: "CLibPQ",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        // libcurl's headers; the library itself is loaded with dlopen on first use (see shim.h).
        // No pkgConfig on purpose: it would add -lcurl; the headers are on the standard include path.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        // libedit's headers for the shell (debtctl shell); like libcurl, the library is loaded with dlopen
        // when the shell starts, so one-shot commands never load it.
        .systemLibrary(name: "CEditLine", providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),

        // Pure domain core: events, validation, reducers, undo planning, sync hash, schema and the
        // one append protocol. No Foundation, no NIO: debtctl links it and must start in milliseconds.
        .target(name: "DebtCore", swiftSettings: upcoming + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]),

        // The libpq driver of the store's session protocol (used by debtctl and the tests).
        .target(name: "LibPQ", dependencies: ["CLibPQ", "CInterrupts", "DebtCore"], swiftSettings: upcoming + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]),
        // The SIGINT handler that cancels a running statement (the shell's Ctrl-C); C, as a handler must be.
        .target(name: "CInterrupts"),

        // A throwaway or embedded PostgreSQL cluster: initdb + pg_ctl, as an unprivileged user under root.
        .target(name: "EmbeddedPostgres", swiftSettings: upcoming),

        // The test harness: one throwaway cluster per test process, a fresh database per test.
        .target(name: "TestSupport", dependencies: ["DebtCore", "LibPQ", "EmbeddedPostgres"], swiftSettings: upcoming),

        // Async functions run on their caller's executor (debtctl's is the main thread): a command that
        // never hops to the global executor never starts its worker threads (about 2 ms of a start).
        .target(
            name: "DebtCtl", dependencies: ["DebtCore", "LibPQ", "CCurl", "CEditLine"],
            swiftSettings: upcoming + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]),
        .executableTarget(name: "debtctl", dependencies: ["DebtCtl"], swiftSettings: upcoming),
        // The server: Hummingbird 2, PostgresNIO, WebSocket; every write through DebtCore's append path.
        .target(
            name: "DebtServer",
            dependencies: [
                "DebtCore", "EmbeddedPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/admin")],
            swiftSettings: upcoming),
        .executableTarget(
            name: "debt-server",
            dependencies: ["DebtCore", "DebtServer", "LibPQ", "EmbeddedPostgres", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: upcoming),

        // The benchmark suite: generates an event log into a throwaway PostgreSQL and measures each hot path
        // beside its baseline (scripts/bench; BENCHMARKS.md).
        .executableTarget(
            name: "debt-bench",
            dependencies: [
                "DebtCore", "LibPQ", "EmbeddedPostgres",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming),

        .testTarget(name: "DebtCoreTests", dependencies: ["DebtCore"], swiftSettings: upcoming),
        .testTarget(
            name: "EventStoreTests", dependencies: ["DebtCore", "LibPQ", "EmbeddedPostgres", "TestSupport"],
            swiftSettings: upcoming),
        .testTarget(
            name: "DebtServerTests",
            dependencies: [
                "DebtServer", "DebtCore", "LibPQ", "TestSupport", "EmbeddedPostgres",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: upcoming),
        .testTarget(
            name: "DebtCtlTests", dependencies: ["DebtCtl", "DebtCore", "LibPQ", "EmbeddedPostgres", "TestSupport"],
            exclude: ["Golden"],
            swiftSettings: upcoming),
    ]
)
