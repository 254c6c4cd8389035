/// Finds control and user-defined token texts (e.g. `<|eos|>`, `<think>`) in the UTF-8 of an input string.
///
/// A byte trie over the token texts; matching is leftmost-longest, like HuggingFace's added-token splitting.
/// Control and unknown tokens match only when the caller parses special tokens; user-defined tokens (HF added
/// tokens that are not special) always match, as in HF and llama.cpp.
struct BPESpecialTokenMatcher: Sendable {
    /// One piece of the partitioned input: a run of ordinary text, or a matched token.
    enum Segment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    private struct Node: Sendable {
        var children: [UInt8: Int32] = [:]
        var tokenID: Int32 = -1
        var alwaysMatches = false
    }

    private var nodes: [Node] = [Node()]
    private var firstBytes = [Bool](repeating: false, count: 256)

    var isEmpty: Bool { nodes.count == 1 }

    /// Adds a token text. `alwaysMatches` is true for user-defined tokens, false for control/unknown ones.
    /// Empty texts are ignored; when two tokens share a text the first added keeps it.
    mutating func add(_ utf8: [UInt8], id: Int32, alwaysMatches: Bool) {
        guard let first = utf8.first else { return }
        firstBytes[Int(first)] = true
        var node = 0
        for byte in utf8 {
            if let child = nodes[node].children[byte] {
                node = Int(child)
            } else {
                nodes.append(Node())
                let child = nodes.count - 1
                nodes[node].children[byte] = Int32(child)
                node = child
            }
        }
        if nodes[node].tokenID < 0 {
            nodes[node].tokenID = id
            nodes[node].alwaysMatches = alwaysMatches
        }
    }

    /// The longest allowed token text starting at `start`, as (id, byte length).
    func longestMatch(in utf8: [UInt8], at start: Int, parseSpecial: Bool) -> (id: Int32, length: Int)? {
        guard firstBytes[Int(utf8[start])] else { return nil }
        var node = 0
        var best: (id: Int32, length: Int)?
        var i = start
        while i < utf8.count, let child = nodes[node].children[utf8[i]] {
            node = Int(child)
            i += 1
            let candidate = nodes[node]
            if candidate.tokenID >= 0, parseSpecial || candidate.alwaysMatches {
                best = (candidate.tokenID, i - start)
            }
        }
        return best
    }

    /// Splits `utf8` into text runs and matched tokens, in order.
    func partition(_ utf8: [UInt8], parseSpecial: Bool) -> [Segment] {
        if isEmpty { return utf8.isEmpty ? [] : [.text(0..<utf8.count)] }
        var segments: [Segment] = []
        var textStart = 0
        var i = 0
        while i < utf8.count {
            if let match = longestMatch(in: utf8, at: i, parseSpecial: parseSpecial) {
                if textStart < i { segments.append(.text(textStart..<i)) }
                segments.append(.token(match.id))
                i += match.length
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < utf8.count { segments.append(.text(textStart..<utf8.count)) }
        return segments
    }
}
