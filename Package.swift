// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Refinery",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "refinery", targets: ["refinery"]),
        .library(name: "Refinery", targets: ["Refinery"]),
        .library(name: "MoE", targets: ["MoE"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        // Runtime benchmarks (Benchmarks/, `swift package benchmark`). Only the MallocInterposer trait: the default
        // traits also pull ordo-one/swift-runtime-interposer on Linux with Swift 6.3, which this machine can't resolve.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // libzstd from the system (Debian: libzstd-dev).
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        // zlib from the system (Debian: zlib1g-dev): reads .gz inputs (benchmarks are often shipped gzipped).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // HTTP POST over libcurl, loaded with dlopen on first use (the remote backend's only networking).
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // Hot loops of the inference runtime in C: per-function AVX2/AVX-512 variants chosen at run time from the
        // CPU's features (so one binary runs on any x86-64), plus the persistent worker pool. Optimised even in
        // debug builds (the last -O wins) so the numeric tests stay fast; no fast-math, no FP contraction.
        .target(
            name: "MoEKernels",
            cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]
        ),
        // The inference runtime: GGUF, tensor types, kernels, architectures, tokenizer, sampler, engine.
        .target(
            name: "MoE",
            dependencies: ["MoEKernels"]
        ),
        // The pipeline: config, corpora, prompts, generators, judges, dedup, shards, ledger, audit, export.
        .target(
            name: "Refinery",
            dependencies: [
                "MoE",
                "CZstd",
                "CZlib",
                "CCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command-line front end; thin.
        .executableTarget(
            name: "refinery",
            dependencies: [
                "Refinery",
                "MoE",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Runtime benchmarks of the kernels and the engine, run by `swift package benchmark` (Benchmarks/README.md),
        // not by `swift test`. BenchmarkPlugin generates the executable's entry point.
        .executableTarget(
            name: "MoEBenchmarks",
            dependencies: [
                "MoE",
                "MoEKernels",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/MoEBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .testTarget(name: "MoETests", dependencies: ["MoE"], exclude: ["Fixtures", "Tokenizer/Fixtures"]),
        .testTarget(name: "RefineryTests", dependencies: ["Refinery", "MoE"], exclude: ["Math/Gold", "Code/Gold", "Judges/Gold"]),
        .testTarget(name: "RefineryCLITests", dependencies: ["Refinery"]),
    ]
)
