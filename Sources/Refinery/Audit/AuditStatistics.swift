import Foundation

/// Counts tokens in a text; the audit uses it for problem and solution lengths.
public typealias AuditTokenCounter = @Sendable (String) -> Int

/// A tokenizer-free token estimate, used when no tokenizer is given.
///
/// Rule (documented in every report that uses it): each run of letters counts one token per 5 letters (rounded up),
/// each run of digits one token per 3 digits (rounded up, as BPE vocabularies group digits), every other
/// non-space character one token, and whitespace nothing. On English prose it lands within about ±20% of GPT-2-style
/// BPE counts, which is enough to compare length distributions between runs.
public enum TokenEstimate {
    public static let description = "estimated: letters/5, digits/3, 1 per symbol"

    public static func count(_ text: String) -> Int {
        var tokens = 0
        var letters = 0
        var digits = 0
        func flush() {
            tokens += (letters + 4) / 5 + (digits + 2) / 3
            letters = 0
            digits = 0
        }
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if properties.numericType == .decimal {
                if letters > 0 { flush() }
                digits += 1
            } else if properties.isAlphabetic {
                if digits > 0 { flush() }
                letters += 1
            } else {
                flush()
                if !properties.isWhitespace { tokens += 1 }
            }
        }
        flush()
        return tokens
    }
}

/// Order statistics of a list of numbers: count, extremes, mean and the 10th/50th/90th percentiles.
public struct DistributionSummary: Sendable, Hashable {
    public var count: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    public var p10: Double
    public var median: Double
    public var p90: Double

    /// Nil for an empty list. Percentiles are nearest-rank (the value at rank ⌈p·n⌉), so they are always observed
    /// values and exact for integers.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        min = sorted[0]
        max = sorted[sorted.count - 1]
        mean = sorted.reduce(0, +) / Double(sorted.count)
        func rank(_ p: Double) -> Double {
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        p10 = rank(0.1)
        median = rank(0.5)
        p90 = rank(0.9)
    }
}

/// Counts of values in equal-width bins over `[lower, upper]`: bin i holds `lower + i·w ≤ v < lower + (i+1)·w`, and
/// the last bin also holds `upper`. Values outside the range are counted in `below`/`above`.
public struct AuditHistogram: Sendable, Hashable {
    public var lower: Double
    public var upper: Double
    public var counts: [Int]
    public var below: Int
    public var above: Int
    /// Whether the bins are single integers (labels `3` rather than `3–4`).
    public var integerBins: Bool

    public var binWidth: Double { counts.isEmpty ? 0 : (upper - lower) / Double(counts.count) }
    public var total: Int { counts.reduce(0, +) + below + above }

    public init(values: [Double], lower: Double, upper: Double, bins: Int, integerBins: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.integerBins = integerBins
        counts = [Int](repeating: 0, count: Swift.max(1, bins))
        below = 0
        above = 0
        let width = (upper - lower) / Double(counts.count)
        for value in values {
            if value < lower {
                below += 1
            } else if value > upper {
                above += 1
            } else if width <= 0 {
                counts[0] += 1
            } else {
                let index = Int(((value - lower) / width).rounded(.down))
                counts[Swift.min(counts.count - 1, Swift.max(0, index))] += 1
            }
        }
    }

    /// Bins chosen from the data: one bin per integer (at least five) when every value is an integer spanning at
    /// most 12, else
    /// `bins` bins from 0 (or the minimum when negative) to a round upper bound (1, 2 or 5 × 10ᵏ steps).
    public static func automatic(_ values: [Double], bins: Int = 10) -> AuditHistogram {
        guard let low = values.min(), let high = values.max() else {
            return AuditHistogram(values: [], lower: 0, upper: 1, bins: bins)
        }
        if values.allSatisfy({ $0 == $0.rounded() }) && high - low <= 12 {
            // At least five bins, so one repeated value does not fill the whole chart.
            let span = Int(high - low) + 1
            let pad = Swift.max(0, 5 - span)
            let start = low >= 0 ? Swift.max(0, low - Double(pad / 2)) : low - Double(pad / 2)
            let bins = Swift.max(span, 5, Int(high - start) + 1)
            return AuditHistogram(
                values: values, lower: start, upper: start + Double(bins), bins: bins,
                integerBins: true)
        }
        return ranged(values, lower: Swift.min(0, low), upper: high, bins: bins)
    }

    /// Bins over `[lower, niceUpper]` where the upper bound is rounded up so bin edges are round numbers.
    /// At most `bins` bins; as many as the round step needs to reach `upper`.
    public static func ranged(_ values: [Double], lower: Double, upper: Double, bins: Int = 10) -> AuditHistogram {
        guard upper > lower else { return AuditHistogram(values: values, lower: lower, upper: lower + 1, bins: 1) }
        let step = niceStep((upper - lower) / Double(bins))
        let count = Swift.min(bins, Swift.max(1, Int(((upper - lower) / step - 1e-9).rounded(.up))))
        return AuditHistogram(values: values, lower: lower, upper: lower + step * Double(count), bins: count)
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ᵏ at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor * magnitude >= raw * (1 - 1e-12) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// The label of bin `index`: `3` for integer bins, else `lower–upper` with trailing zeros dropped.
    public func label(_ index: Int) -> String {
        let start = lower + Double(index) * binWidth
        if integerBins { return Self.number(start) }
        return "\(Self.number(start))–\(Self.number(start + binWidth))"
    }

    /// A short number: integers without a fraction, else up to two decimals.
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e12 { return String(Int(value)) }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Text rows `label |█████    count`, bars scaled to the largest bin.
    public func textRows(width: Int = 30) -> [[String]] {
        let peak = counts.max() ?? 0
        var rows: [[String]] = []
        if below > 0 { rows.append(["< \(Self.number(lower))", "", String(below)]) }
        for (index, count) in counts.enumerated() {
            rows.append([label(index), "|" + Self.bar(count, peak: peak, width: width), String(count)])
        }
        if above > 0 { rows.append(["> \(Self.number(upper))", "", String(above)]) }
        return rows
    }

    /// A bar of block characters with eighth-block precision.
    static func bar(_ count: Int, peak: Int, width: Int) -> String {
        guard peak > 0, count > 0 else { return "" }
        let eighths = Swift.max(1, Int((Double(count) / Double(peak) * Double(width * 8)).rounded()))
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: eighths / 8) + partial[eighths % 8]
    }
}

/// Percent text with one decimal, or `–` when the denominator is zero.
func percentText(_ numerator: Int, _ denominator: Int) -> String {
    denominator == 0 ? "–" : String(format: "%.1f%%", Double(numerator) / Double(denominator) * 100)
}

/// A ratio, nil when the denominator is zero.
func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
    denominator == 0 ? nil : Double(numerator) / Double(denominator)
}

/// A number with `digits` decimals, or `–`.
func decimalText(_ value: Double?, _ digits: Int = 2) -> String {
    guard let value, value.isFinite else { return "–" }
    return String(format: "%.\(digits)f", value)
}
