import Foundation
import XCTest
@testable import Refinery

/// Measures the model judges on their held-out gold sets (Judges/Gold, made by Tools/train/make_judge_gold.py) with
/// the bundled model and prints the numbers.
///
/// The likelihood judge must rank good completions above shuffled ones. Each rubric (math, code) must beat chance
/// on its 200 items: accuracy at min_score 5 above 0.55 and a good-above-bad pair rate (AUC) of at least 0.65, where
/// chance is 0.5 with a standard error of about 0.04 at 100 + 100 items (the bundled model measured math 0.71 / 0.81,
/// code 0.82 / 0.89).
///
/// `REFINERY_JUDGE_MODEL` points the test at another GGUF file (e.g. an interim training export); the default is
/// Models/refinery-moe-tiny-q8_0.gguf.
final class ModelJudgeGoldTests: XCTestCase {
    /// `REFINERY_JUDGE_GOLD` points at another folder of gold files (e.g. samples drawn from the training corpus, to
    /// tell a model that has not learned the rubric from a gold set that differs from training).
    static let goldDirectory = ProcessInfo.processInfo.environment["REFINERY_JUDGE_GOLD"]
        .flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Gold", isDirectory: true)
    static let minScore = 5.0
    /// `REFINERY_JUDGE_GOLD_VERBOSE=1` prints every item's judgment detail.
    static let verbose = ProcessInfo.processInfo.environment["REFINERY_JUDGE_GOLD_VERBOSE"] == "1"

    func testMathRubricOnGold() async throws {
        let result = try await runRubric(gold: "rubric-math.jsonl", template: "judges/math-rubric", kind: .math)
        XCTAssertTrue(result.scores.allSatisfy { (1...10).contains($0) }, "math rubric scores \(result.summary)")
        XCTAssertGreaterThan(result.accuracy, 0.55, result.summary)
        XCTAssertGreaterThanOrEqual(result.auc, 0.65, result.summary)
        XCTAssertGreaterThan(result.meanGood, result.meanBad, result.summary)
    }

    func testCodeRubricOnGold() async throws {
        let result = try await runRubric(gold: "rubric-code.jsonl", template: "judges/code-rubric", kind: .code)
        XCTAssertTrue(result.scores.allSatisfy { (1...10).contains($0) }, "code rubric scores \(result.summary)")
        XCTAssertGreaterThan(result.accuracy, 0.55, result.summary)
        XCTAssertGreaterThanOrEqual(result.auc, 0.65, result.summary)
        XCTAssertGreaterThan(result.meanGood, result.meanBad, result.summary)
    }

    func testLikelihoodRanksGoodCompletionsAboveShuffledOnes() async throws {
        let items: [LikelihoodGoldItem] = try Self.loadGold("likelihood.jsonl")
        XCTAssertTrue(items.contains { $0.good } && items.contains { !$0.good }, "gold set needs both classes")
        let templates = [
            TaskKind.math: try PromptTemplate(url: Self.promptURL("math/solve")),
            TaskKind.code: try PromptTemplate(url: Self.promptURL("code/solve")),
        ]
        let model = try Self.loadModel()
        defer { model.shutdown() }
        let judge = LikelihoodJudge(maxNLL: 100, model: model)
        var inputs: [(kind: TaskKind, good: Bool, input: JudgeInput)] = []
        for item in items {
            let kind = try XCTUnwrap(TaskKind(rawValue: item.kind), "unknown kind \(item.kind)")
            let template = try XCTUnwrap(templates[kind])
            let prompt = try template.render(["problem": item.problem])
            inputs.append((kind, item.good, Self.input(kind: kind, prompt: prompt, completion: item.completion,
                                                       fields: ParsedFields(problem: item.problem, solution: ""))))
        }
        let nlls = try await Self.judgeAll(judge, inputs.map(\.input)).map { try XCTUnwrap($0.score) }
        for kind in [TaskKind.math, .code] {
            let good = inputs.indices.filter { inputs[$0].kind == kind && inputs[$0].good }.map { nlls[$0] }
            let bad = inputs.indices.filter { inputs[$0].kind == kind && !inputs[$0].good }.map { nlls[$0] }
            let meanGood = Self.mean(good), meanBad = Self.mean(bad)
            print(String(format: "likelihood %@ gold (%@): mean NLL good %.3f (n=%d), shuffled %.3f (n=%d)",
                         kind.rawValue, model.identity, meanGood, good.count, meanBad, bad.count))
            XCTAssertLessThan(meanGood, meanBad, "\(kind.rawValue): good completions should be likelier")
        }
    }

    // MARK: Rubric runs

    struct RubricResult {
        var scores: [Double]
        var accuracy: Double
        var meanGood: Double
        var meanBad: Double
        var auc: Double
        var summary: String
    }

    private func runRubric(gold: String, template name: String, kind: TaskKind) async throws -> RubricResult {
        let items: [RubricGoldItem] = try Self.loadGold(gold)
        XCTAssertTrue(items.contains { $0.good } && items.contains { !$0.good }, "gold set needs both classes")
        let template = try PromptTemplate(url: Self.promptURL(name))
        let model = try Self.loadModel()
        defer { model.shutdown() }
        let judge = RubricJudge(template: template, minScore: Self.minScore, model: model)
        let started = Date()
        let inputs = items.map { item in
            Self.input(kind: kind, prompt: "", completion: item.solution,
                       fields: ParsedFields(problem: item.problem, solution: item.solution, tests: item.tests))
        }
        let judgments = try await Self.judgeAll(judge, inputs)
        var correct = 0
        var goodScores: [Double] = [], badScores: [Double] = []
        var byCorruption: [String: (passed: Int, total: Int)] = [:]
        for (item, judgment) in zip(items, judgments) {
            let score = try XCTUnwrap(judgment.score, "rubric judgment without a score: \(judgment.reason)")
            if judgment.passed == item.good { correct += 1 }
            if item.good { goodScores.append(score) } else { badScores.append(score) }
            if Self.verbose { print("  \(item.good ? "good" : item.corruption): \(judgment.detail)") }
            let key = item.good ? "good" : item.corruption
            let entry = byCorruption[key] ?? (0, 0)
            byCorruption[key] = (entry.passed + (judgment.passed ? 1 : 0), entry.total + 1)
        }
        let accuracy = Double(correct) / Double(items.count)
        let meanGood = Self.mean(goodScores), meanBad = Self.mean(badScores)
        let auc = Self.rankingAccuracy(good: goodScores, bad: badScores)
        let passes = byCorruption.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.passed)/\($0.value.total)" }
        let summary = String(
            format: "%@ on %@ (%d items, min_score %.0f, %@): accuracy %.3f, mean score good %.2f, bad %.2f, "
                + "good-above-bad pairs (AUC) %.3f; passed: %@; %.1f s",
            name, gold, items.count, Self.minScore, model.identity, accuracy, meanGood, meanBad, auc,
            passes.joined(separator: ", "), Date().timeIntervalSince(started))
        print(summary)
        return RubricResult(scores: goodScores + badScores, accuracy: accuracy, meanGood: meanGood, meanBad: meanBad,
                            auc: auc, summary: summary)
    }

    // MARK: Helpers

    static func loadModel() throws -> LocalModel {
        let override = ProcessInfo.processInfo.environment["REFINERY_JUDGE_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        let url = override.map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent("Models/refinery-moe-tiny-q8_0.gguf")
        return try LocalModel(url: url, threads: 2, maxSequences: 8)
    }

    static func promptURL(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Prompts/\(name).mustache")
    }

    static func loadGold<Item: Decodable>(_ name: String) throws -> [Item] {
        let url = goldDirectory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").enumerated().map { index, line in
            do {
                return try decoder.decode(Item.self, from: Data(line.utf8))
            } catch {
                throw RefineryError.input("bad gold line \(index + 1): \(error)", at: SourceLocation(file: url.path))
            }
        }
    }

    /// Judges every input concurrently (the model batches them) and returns the judgments in input order.
    static func judgeAll(_ judge: some SampleJudge, _ inputs: [JudgeInput]) async throws -> [Judgment] {
        try await withThrowingTaskGroup(of: (Int, Judgment).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, try await judge.judge(input)) }
            }
            var results = [Judgment?](repeating: nil, count: inputs.count)
            for try await (index, judgment) in group { results[index] = judgment }
            return results.compactMap { $0 }
        }
    }

    static func input(kind: TaskKind, prompt: String, completion: String, fields: ParsedFields) -> JudgeInput {
        let task = TaskConfig(
            name: "gold-\(kind.rawValue)", kind: kind, prompt: "", samplesPerSeed: 1, sampling: .defaults,
            judges: [], evolve: nil, repair: nil, difficulty: nil)
        let seed = SeedRecord(ordinal: 0, id: "gold", source: "gold", start: 0, end: 0, text: "")
        return JudgeInput(task: task, seed: seed, prompt: prompt, completion: completion, fields: fields)
    }

    /// The fraction of (good, bad) pairs in which the good item scores higher (ties count half): the ROC AUC.
    static func rankingAccuracy(good: [Double], bad: [Double]) -> Double {
        guard !good.isEmpty, !bad.isEmpty else { return .nan }
        var wins = 0.0
        for g in good {
            for b in bad { wins += g > b ? 1 : (g == b ? 0.5 : 0) }
        }
        return wins / Double(good.count * bad.count)
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}

/// One line of rubric-math.jsonl / rubric-code.jsonl.
struct RubricGoldItem: Decodable {
    var problem: String
    var solution: String
    var tests: String
    var good: Bool
    var corruption: String
}

/// One line of likelihood.jsonl.
struct LikelihoodGoldItem: Decodable {
    var kind: String
    var problem: String
    var completion: String
    var good: Bool
    var corruption: String
}
