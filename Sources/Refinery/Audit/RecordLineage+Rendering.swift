import Foundation

extension RecordLineage {
    /// The lineage as text for a terminal. Model output is untrusted: control characters (escape sequences
    /// included) are shown as visible symbols, never sent to the terminal.
    public func text() -> String {
        var lines: [String] = []
        let s = sample
        var head = "sample \(s.id)"
        if let recordID = s.recordID { head += " · record \(recordID)" }
        head += " · task \(s.task) · kind \(s.kind) · round \(s.round) · attempt \(s.attempt)"
        head += " · index \(s.sampleIndex)"
        lines.append(TerminalText.clean(head))
        lines.append("run       \(TerminalText.clean(runID))")
        lines.append("state     \(outcomeLine)")
        if s.score != nil || s.difficulty != nil {
            lines.append("score     \(decimalText(s.score)) · difficulty (solve rate) \(decimalText(s.difficulty))")
        }
        lines.append("")
        if let seed {
            lines.append("SEED \(seed.id) (ordinal \(seed.ordinal))")
            lines.append("  source  \(TerminalText.clean(seed.source))  span [\(seed.start), \(seed.end))")
            lines += TerminalText.block(seed.text)
        } else {
            lines.append("SEED ordinal \(s.seedOrdinal): missing from the ledger")
        }
        lines.append("")
        lines.append("PROMPT \(TerminalText.clean(s.promptRef ?? "(not rendered yet)"))")
        if let prompt = s.prompt { lines += TerminalText.block(prompt) }
        lines.append("")
        lines.append("OUTPUT \(generationLine)")
        if let output = s.output { lines += TerminalText.block(output) }
        lines.append("")
        lines.append("PARSE \(TerminalText.clean(parseResult))")
        for (name, value) in [
            ("problem", s.problem), ("solution", s.solution), ("answer", s.answer),
            ("tests", s.tests),
        ] {
            guard let value, !value.isEmpty else { continue }
            lines.append("  \(name)")
            lines += TerminalText.block(value, indent: "    ")
        }
        lines.append("")
        lines.append("JUDGMENTS" + (judgments.isEmpty ? " none" : ""))
        for (index, judgment) in judgments.enumerated() {
            lines.append("  \(index + 1). " + TerminalText.clean(Self.judgmentLine(judgment)))
            if !judgment.model.isEmpty || !judgment.promptRef.isEmpty {
                lines.append(
                    "     model \(TerminalText.clean(judgment.model.isEmpty ? "–" : judgment.model))"
                        + "  prompt \(TerminalText.clean(judgment.promptRef.isEmpty ? "–" : judgment.promptRef))")
            }
            if !judgment.detail.isEmpty { lines += TerminalText.block(judgment.detail, indent: "     ") }
        }
        if let detail = s.rejectDetail, !detail.isEmpty {
            lines.append("")
            lines.append("REJECTION DETAIL")
            lines += TerminalText.block(detail)
        }
        lines.append("")
        lines.append(
            "DEDUP cluster \(TerminalText.clean(s.dedupCluster ?? "–"))"
                + (duplicates.isEmpty
                    ? ", no other sample shares this record or cluster"
                    : ", \(duplicates.count) other sample(s) share this record or cluster:"))
        for relative in duplicates { lines.append("  " + TerminalText.clean(relative.summary)) }
        lines.append("")
        if let shard, let line = s.shardLine {
            lines.append(
                "SHARD \(shardPath ?? shard.file) line \(line) (shard \(shard.id), \(shard.records) records, "
                    + "sha256 \(shard.sha256.prefix(16))…)")
            if let shardLineText { lines += TerminalText.block(shardLineText) }
            if let shardProblem { lines.append("  ! \(TerminalText.clean(shardProblem))") }
        } else {
            lines.append("SHARD none (not accepted)")
        }
        lines.append("")
        if !solves.isEmpty {
            let solved = solves.filter(\.solved).count
            lines.append("SOLVES \(solved) of \(solves.count) fresh attempts solved the problem")
            for solve in solves {
                let detail = solve.detail.isEmpty ? "" : ": " + solve.detail
                lines.append("  attempt \(solve.attempt) \(solve.solved ? "solved" : "failed")" + TerminalText.clean(detail))
            }
            lines.append("")
        }
        lines.append("PARENT " + TerminalText.clean(parent?.summary ?? "none"))
        lines.append("CHILDREN" + (children.isEmpty ? " none" : ""))
        for child in children { lines.append("  " + TerminalText.clean(child.summary)) }
        return lines.joined(separator: "\n") + "\n"
    }

    var outcomeLine: String {
        switch sample.state {
        case .accepted:
            return "accepted" + (shardPath.map { " → \($0) line \(sample.shardLine ?? 0)" } ?? "")
        case .rejected:
            return TerminalText.clean("rejected at \(sample.rejectStage ?? "?"): \(sample.rejectReason ?? "?")")
        case .pending:
            return "pending (not generated yet)"
        default:
            return "\(sample.state.rawValue) (in flight)"
        }
    }

    var generationLine: String {
        let s = sample
        guard s.output != nil else { return "(not generated yet) · sampling seed \(s.samplingSeed)" }
        return TerminalText.clean(
            "finish \(s.finishReason ?? "?") · \(s.promptTokens ?? 0) prompt tokens · "
                + "\(s.completionTokens ?? 0) completion tokens · \(decimalText(s.generationSeconds)) s · "
                + "sampling seed \(s.samplingSeed)")
    }

    static func judgmentLine(_ judgment: Judgment) -> String {
        "\(judgment.judge) v\(judgment.version)  \(judgment.passed ? "passed" : "FAILED")  "
            + "score \(decimalText(judgment.score))  reason \(judgment.reason)  \(decimalText(judgment.seconds)) s"
    }

    /// The lineage as JSON (`refinery inspect --json`, review samples).
    public func json(includeShardLine: Bool = true) -> JSONValue {
        let s = sample
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        func integer(_ value: Int?) -> JSONValue { value.map(JSONValue.int) ?? .null }
        var pairs: [(String, JSONValue)] = [
            ("run", .string(runID)),
            ("sample_id", .int(Int(s.id))),
            ("record_id", text(s.recordID)),
            ("task", .string(s.task)),
            ("kind", .string(s.kind)),
            ("round", .int(s.round)),
            ("attempt", .int(s.attempt)),
            ("sample_index", .int(s.sampleIndex)),
            ("state", .string(s.state.rawValue)),
            ("reject_stage", text(s.rejectStage)),
            ("reject_reason", text(s.rejectReason)),
            ("reject_detail", text(s.rejectDetail)),
            (
                "seed",
                seed.map { seed in
                    .object([
                        ("id", .string(seed.id)), ("ordinal", .int(seed.ordinal)), ("source", .string(seed.source)),
                        ("span", .array([.int(seed.start), .int(seed.end)])), ("text", .string(seed.text)),
                    ])
                } ?? .null
            ),
            (
                "generation",
                .object([
                    ("prompt_ref", text(s.promptRef)), ("prompt", text(s.prompt)), ("output", text(s.output)),
                    ("finish_reason", text(s.finishReason)), ("prompt_tokens", integer(s.promptTokens)),
                    ("completion_tokens", integer(s.completionTokens)), ("seconds", number(s.generationSeconds)),
                    ("sampling_seed", .int(Int(s.samplingSeed))), ("generated_at", text(s.generatedAt)),
                ])
            ),
            (
                "parse",
                .object([
                    ("result", .string(parseResult)), ("problem", text(s.problem)), ("solution", text(s.solution)),
                    ("answer", text(s.answer)), ("tests", text(s.tests)),
                ])
            ),
            (
                "judgments",
                .array(
                    judgments.map { judgment in
                        .object([
                            ("judge", .string(judgment.judge)), ("version", .string(judgment.version)),
                            ("passed", .bool(judgment.passed)), ("score", number(judgment.score)),
                            ("reason", .string(judgment.reason)), ("detail", .string(judgment.detail)),
                            ("seconds", .double(judgment.seconds)), ("model", .string(judgment.model)),
                            ("prompt_ref", .string(judgment.promptRef)),
                        ])
                    })
            ),
            ("score", number(s.score)),
            ("difficulty", number(s.difficulty)),
            (
                "dedup",
                .object([
                    ("cluster", text(s.dedupCluster)),
                    ("related", .array(duplicates.map(Self.relativeJSON))),
                ])
            ),
        ]
        var shardPairs: [(String, JSONValue)] = []
        if let shard {
            shardPairs = [
                ("file", .string(shardPath ?? shard.file)), ("line", integer(s.shardLine)),
                ("sha256", .string(shard.sha256)),
            ]
            if includeShardLine {
                shardPairs.append(("record", shardLineText.flatMap { try? JSONValue.parse($0) } ?? .null))
            }
            if let shardProblem { shardPairs.append(("problem", .string(shardProblem))) }
        }
        pairs.append(("shard", shard == nil ? .null : .object(shardPairs)))
        pairs.append(("solves", .array(solves.map { solve in
            .object([("attempt", .int(solve.attempt)), ("solved", .bool(solve.solved)),
                     ("detail", .string(solve.detail))])
        })))
        pairs.append(("parent", parent.map(Self.relativeJSON) ?? .null))
        pairs.append(("children", .array(children.map(Self.relativeJSON))))
        pairs.append(
            (
                "timestamps",
                .object([
                    ("generated", text(s.generatedAt)), ("judged", text(s.judgedAt)),
                    ("finished", text(s.finishedAt)),
                ])
            ))
        return .object(pairs)
    }

    static func relativeJSON(_ relative: LineageRelative) -> JSONValue {
        .object([
            ("sample_id", .int(Int(relative.sampleID))), ("task", .string(relative.task)),
            ("kind", .string(relative.kind)), ("round", .int(relative.round)), ("attempt", .int(relative.attempt)),
            ("state", .string(relative.state.rawValue)),
            ("record_id", relative.recordID.map(JSONValue.string) ?? .null),
            ("reject_reason", relative.rejectReason.map(JSONValue.string) ?? .null),
            ("score", relative.score.map(JSONValue.double) ?? .null),
        ])
    }
}

/// Makes untrusted text safe to print on a terminal: control characters other than newline and tab (escape
/// sequences, carriage returns, bells) become visible Unicode control pictures.
enum TerminalText {
    static func clean(_ text: String, keepNewlines: Bool = false) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09:
                out.append(scalar)
            case 0x0A where keepNewlines:
                out.append(scalar)
            case 0x00..<0x20:
                out.append(Unicode.Scalar(0x2400 + scalar.value) ?? "?")
            case 0x7F:
                out.append("\u{2421}")
            case 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                // C1 controls, line separators and bidirectional overrides that could disguise text.
                out.append("\u{FFFD}")
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A block of text, each line prefixed with `indent` and a bar.
    static func block(_ text: String, indent: String = "  ") -> [String] {
        let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
            "\(indent)│ " + clean(String($0))
        }
    }
}
