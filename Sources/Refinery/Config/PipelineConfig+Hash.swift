import Foundation

extension PipelineConfig {
    /// The canonical form of everything that decides what a run produces, as stable JSON.
    ///
    /// Paths are written relative to the pipeline's folder and every referenced file (templates, benchmarks) by
    /// its content hash, so moving a checkout keeps the hash while editing a template changes it. Execution
    /// settings that do not change the output (threads, batch size, concurrency, the seed limit) are left out:
    /// the runtime's batch invariance makes the text independent of them.
    public func canonicalJSON(modelIdentity: String) throws -> JSONValue {
        func relative(_ path: String) -> String {
            let base = baseDirectory.hasSuffix("/") ? baseDirectory : baseDirectory + "/"
            return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
        }
        func fileHash(_ path: String) throws -> JSONValue {
            .string(try Hashing.sha256Hex(fileAt: URL(fileURLWithPath: path)))
        }
        func sampling(_ value: SamplingConfig) -> JSONValue {
            .object([
                ("temperature", .double(value.temperature)), ("top_p", .double(value.topP)),
                ("top_k", .int(value.topK)), ("min_p", .double(value.minP)),
                ("repetition_penalty", .double(value.repetitionPenalty)), ("max_tokens", .int(value.maxTokens)),
                ("stop", .array(value.stop.map(JSONValue.string))),
            ])
        }
        func judge(_ value: JudgeConfig) throws -> JSONValue {
            switch value {
            case .mathAnswer(let requireAnnotations):
                return .object([("kind", .string("math_answer")), ("require_annotations", .bool(requireAnnotations))])
            case .codeTests(let timeout, let minTests, let memory):
                return .object([("kind", .string("code_tests")), ("timeout_s", .double(timeout)),
                                ("min_tests", .int(minTests)), ("memory_mb", .int(memory))])
            case .rubric(let prompt, let minScore):
                return .object([("kind", .string("rubric")), ("prompt", try fileHash(prompt)),
                                ("min_score", .double(minScore))])
            case .likelihood(let maxNLL):
                return .object([("kind", .string("likelihood")), ("max_nll", .double(maxNLL))])
            case .selfConsistency(let prompt, let samples, let agreement):
                return .object([("kind", .string("self_consistency")), ("prompt", try fileHash(prompt)),
                                ("samples", .int(samples)), ("agreement", .double(agreement))])
            }
        }
        let tasks: [JSONValue] = try self.tasks.map { task in
            var pairs: [(String, JSONValue)] = [
                ("name", .string(task.name)), ("kind", .string(task.kind.rawValue)),
                ("prompt", try fileHash(task.prompt)), ("samples_per_seed", .int(task.samplesPerSeed)),
                ("sampling", sampling(task.sampling)), ("judges", .array(try task.judges.map(judge))),
            ]
            if let evolve = task.evolve {
                pairs.append(("evolve", .object([
                    ("rounds", .int(evolve.rounds)), ("prompt", try fileHash(evolve.prompt)),
                    ("instructions", .array(evolve.instructions.map(JSONValue.string))),
                    ("max_similarity", .double(evolve.maxSimilarity)),
                ])))
            }
            if let repair = task.repair {
                pairs.append(("repair", .object([("attempts", .int(repair.attempts)),
                                                 ("prompt", try fileHash(repair.prompt))])))
            }
            if let difficulty = task.difficulty {
                pairs.append(("difficulty", .object([
                    ("attempts", .int(difficulty.attempts)), ("prompt", try fileHash(difficulty.prompt)),
                    ("sampling", sampling(difficulty.sampling)), ("max_solve_rate", .double(difficulty.maxSolveRate)),
                    ("min_solve_rate", .double(difficulty.minSolveRate)),
                ])))
            }
            return .object(pairs)
        }
        var dedupPairs: [(String, JSONValue)] = [("exact", .bool(dedup.exact))]
        if let minhash = dedup.minhash {
            dedupPairs.append(("minhash", .object([
                ("ngram", .int(minhash.ngram)), ("bands", .int(minhash.bands)), ("rows", .int(minhash.rows)),
                ("threshold", .double(minhash.threshold)),
            ])))
        }
        dedupPairs.append(("decontaminate", .array(try dedup.decontaminate.map {
            .object([("file", try fileHash($0.path)), ("field", .string($0.field))])
        })))
        dedupPairs.append(("ngram", .int(dedup.decontaminationNGram)))
        var modelPairs: [(String, JSONValue)] = [
            ("model", .string(modelIdentity)),
            // Local runs only: the activation precision changes the generated text; a remote server's does not
            // show here.
            ("activations", .string(model.path == nil ? "remote" : model.activations.rawValue)),
        ]
        // Only when not the default, so runs started before the key existed (or with the default) keep their hash and
        // resume; `kv_cache: f32` local runs hash differently.
        if model.path != nil && model.kvCache != .float16 {
            modelPairs.append(("kv_cache", .string(model.kvCache.rawValue)))
        }
        return .object([
            ("name", .string(name)),
            ("seeds", .object([
                ("corpus", .array(seeds.corpus.map { .string(relative($0)) })),
                ("text_field", .string(seeds.textField)),
                ("min_chars", .int(seeds.minCharacters)), ("max_chars", .int(seeds.maxCharacters)),
                ("exclude", .array(seeds.exclude.map(JSONValue.string))),
            ])),
        ] + modelPairs + [
            ("tasks", .array(tasks)),
            ("dedup", .object(dedupPairs)),
            ("output", .object([("shard_bytes", .int(output.shardBytes)), ("zstd_level", .int(output.zstdLevel))])),
            ("diversity", .object([
                ("max_per_seed", .int(diversity.maxPerSeed ?? 0)), ("max_per_source", .int(diversity.maxPerSource ?? 0)),
                ("max_similarity", .double(diversity.maxSimilarity ?? 0)),
            ])),
            ("run_all_judges", .bool(runAllJudges)),
        ])
    }

    /// SHA-256 of the canonical JSON.
    public func hash(modelIdentity: String) throws -> String {
        Hashing.sha256Hex(try canonicalJSON(modelIdentity: modelIdentity).serialized())
    }
}
