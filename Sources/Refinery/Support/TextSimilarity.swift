import Foundation

/// Exact word n-gram Jaccard similarity, for comparing two texts directly (an evolved problem and its parent, a
/// sample and its nearest kept neighbour). Large-scale near-duplicate search uses MinHash (Dedup/) instead.
public enum TextSimilarity {
    /// Lower-cased words of letters and digits.
    public static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    /// The set of word n-grams; a text shorter than n words is one gram of all its words.
    public static func shingles(_ text: String, n: Int = 5) -> Set<String> {
        let tokens = words(text)
        guard tokens.count >= n else { return tokens.isEmpty ? [] : [tokens.joined(separator: " ")] }
        var result = Set<String>()
        for start in 0...(tokens.count - n) { result.insert(tokens[start..<start + n].joined(separator: " ")) }
        return result
    }

    public static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        let intersection = a.intersection(b).count
        return Double(intersection) / Double(a.count + b.count - intersection)
    }

    public static func jaccard(_ a: String, _ b: String, n: Int = 5) -> Double {
        jaccard(shingles(a, n: n), shingles(b, n: n))
    }
}
