import Foundation

/// Deterministic synthetic documents with planted near-duplicates, for `refinery bench dedup` and tests.
///
/// Words come from a fixed vocabulary of syllable strings with a Zipf-like frequency; sentences are capitalised and
/// end in punctuation so normalization has work to do. About `nearDuplicateRate` of the documents are copies of an
/// earlier document with 1–10 % of their words replaced, and `exactDuplicateRate` are re-cased, re-spaced copies.
public struct SyntheticCorpus: Sendable {
    public struct PlantedPair: Sendable, Hashable {
        /// Index of the original document.
        public var original: Int
        /// Index of the planted copy.
        public var copy: Int
        /// Fraction of words replaced (0 for a re-cased exact copy).
        public var editRate: Double
    }

    public var documents: [String]
    public var planted: [PlantedPair]

    public var totalBytes: Int { documents.reduce(0) { $0 + $1.utf8.count } }

    public init(count: Int, seed: UInt64 = 20_261_128, minWords: Int = 100, maxWords: Int = 400,
                nearDuplicateRate: Double = 0.08, exactDuplicateRate: Double = 0.02) {
        var random = SplitMix64(seed: seed)
        let vocabulary = Self.vocabulary(size: 20_000, random: &random)
        var documents: [String] = []
        var words: [[Int]] = []
        var planted: [PlantedPair] = []
        documents.reserveCapacity(count)
        for index in 0..<count {
            let roll = Double(random.next() % 1_000_000) / 1_000_000
            if index > 10, roll < nearDuplicateRate + exactDuplicateRate {
                let original = Int(random.next() % UInt64(index))
                if roll < exactDuplicateRate {
                    documents.append(Self.recased(documents[original], random: &random))
                    words.append(words[original])
                    planted.append(PlantedPair(original: original, copy: index, editRate: 0))
                    continue
                }
                var copy = words[original]
                let editRate = 0.01 + Double(random.next() % 10) / 100
                let edits = max(1, Int(Double(copy.count) * editRate))
                for _ in 0..<edits {
                    copy[Int(random.next() % UInt64(copy.count))] = Self.zipf(vocabulary.count, random: &random)
                }
                documents.append(Self.render(copy, vocabulary: vocabulary))
                words.append(copy)
                planted.append(PlantedPair(original: original, copy: index, editRate: editRate))
                continue
            }
            let length = minWords + Int(random.next() % UInt64(max(1, maxWords - minWords + 1)))
            let document = (0..<length).map { _ in Self.zipf(vocabulary.count, random: &random) }
            documents.append(Self.render(document, vocabulary: vocabulary))
            words.append(document)
        }
        self.documents = documents
        self.planted = planted
    }

    static func vocabulary(size: Int, random: inout SplitMix64) -> [String] {
        let onsets = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
                      "st", "tr", "ch", "sh", "pl", "gr"]
        let vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
        var seen = Set<String>()
        var words: [String] = []
        while words.count < size {
            let syllables = 1 + Int(random.next() % 3)
            var word = ""
            for _ in 0..<syllables {
                word += onsets[Int(random.next() % UInt64(onsets.count))]
                word += vowels[Int(random.next() % UInt64(vowels.count))]
            }
            if random.next() % 3 == 0 { word += ["n", "s", "t", "r"][Int(random.next() % 4)] }
            if seen.insert(word).inserted { words.append(word) }
        }
        return words
    }

    /// A word index with probability roughly proportional to 1/(rank + 1).
    static func zipf(_ size: Int, random: inout SplitMix64) -> Int {
        let uniform = Double(random.next() >> 11) / Double(1 << 53)
        return min(size - 1, Int(pow(Double(size), uniform)) - 1)
    }

    /// Sentences of 8–20 words, capitalised, ending in '.', '?' or '!', some with a comma.
    static func render(_ words: [Int], vocabulary: [String]) -> String {
        var text = ""
        text.reserveCapacity(words.count * 7)
        var sentenceStart = true
        for (position, word) in words.enumerated() {
            var token = vocabulary[word]
            if sentenceStart { token = token.prefix(1).uppercased() + token.dropFirst() }
            if !text.isEmpty { text += " " }
            text += token
            let mark = (word &* 2_654_435_761 &+ position) % 97
            sentenceStart = mark < 8
            if mark < 6 {
                text += "."
            } else if mark < 7 {
                text += "?"
            } else if mark < 8 {
                text += "!"
            } else if mark < 12 {
                text += ","
            }
        }
        return text + "."
    }

    static func recased(_ text: String, random: inout SplitMix64) -> String {
        let upper = random.next() % 2 == 0
        let cased = upper ? text.uppercased() : text.lowercased()
        return "  " + cased.replacingOccurrences(of: " ", with: upper ? "\t " : "  ") + "\n"
    }
}
