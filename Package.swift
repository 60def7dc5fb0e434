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
    targets: [
        // System libraries: module map + shim header, found through pkg-config.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(
            name: "CEditLine", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),

        // Pure domain core: events, validation, reducers, undo planning, sync hash, schema and the
        // one append protocol. No Foundation, no NIO: debtctl links it and must start in milliseconds.
        .target(name: "DebtCore", swiftSettings: upcoming),

        // The libpq driver of the store's session protocol (used by debtctl and the tests).
        .target(name: "LibPQ", dependencies: ["CLibPQ", "DebtCore"], swiftSettings: upcoming),

        // A throwaway or embedded PostgreSQL cluster: initdb + pg_ctl, as an unprivileged user under root.
        .target(name: "EmbeddedPostgres", swiftSettings: upcoming),

        // The test harness: one throwaway cluster per test process, a fresh database per test.
        .target(name: "TestSupport", dependencies: ["DebtCore", "LibPQ", "EmbeddedPostgres"], swiftSettings: upcoming),

        .target(
            name: "DebtCtl", dependencies: ["DebtCore", "LibPQ", "CCurl", "CEditLine"],
            swiftSettings: upcoming),
        .executableTarget(name: "debtctl", dependencies: ["DebtCtl"], swiftSettings: upcoming),
        .executableTarget(
            name: "debt-server", dependencies: ["DebtCore", "LibPQ", "EmbeddedPostgres"],
            swiftSettings: upcoming),

        .testTarget(name: "DebtCoreTests", dependencies: ["DebtCore"], swiftSettings: upcoming),
        .testTarget(
            name: "EventStoreTests", dependencies: ["DebtCore", "LibPQ", "EmbeddedPostgres", "TestSupport"],
            swiftSettings: upcoming),
        .testTarget(
            name: "DebtCtlTests", dependencies: ["DebtCtl", "DebtCore", "LibPQ", "EmbeddedPostgres", "TestSupport"],
            swiftSettings: upcoming),
    ]
)
