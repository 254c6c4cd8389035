import Foundation

/// HTML building blocks for the audit report. Every piece of text goes through `escape`, so untrusted model
/// output (`</pre><script>`, `<img onerror=…>`, quotes in attributes) stays text. The output is also well-formed
/// XML (void elements self-closed, only the five XML entities), so tests can parse the whole document.
enum HTML {
    /// Escapes `& < > " '` and replaces characters XML forbids: C0 controls other than tab/newline/CR become their
    /// visible control pictures (U+2400…), U+FFFE and U+FFFF become U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 {
                    // A visible control picture (␛ for ESC), as in terminal output.
                    out.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value) ?? "\u{FFFD}")
                } else if scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// An element with escaped text content.
    static func element(_ name: String, _ text: String, class className: String? = nil) -> String {
        "<\(name)\(className.map { " class=\"\(escape($0))\"" } ?? "")>\(escape(text))</\(name)>"
    }

    static func pre(_ text: String?) -> String {
        guard let text else { return "<p class=\"muted\">none</p>" }
        return "<pre>\(escape(text))</pre>"
    }

    /// A table; `header` cells and `rows` are escaped text, `numeric` columns are right-aligned.
    static func table(
        _ header: [String], _ rows: [[String]], numeric: Set<Int> = [], class className: String? = nil
    )
        -> String
    {
        var out = "<table\(className.map { " class=\"\($0)\"" } ?? "")><thead><tr>"
        for (index, cell) in header.enumerated() {
            out += numeric.contains(index) ? "<th class=\"n\">\(escape(cell))</th>" : "<th>\(escape(cell))</th>"
        }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += numeric.contains(index) ? "<td class=\"n\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// A number for SVG coordinates: fixed, short, locale-free.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return AuditHistogram.number((value * 10).rounded() / 10)
    }
}

/// Inline SVG charts (no scripts, no external resources).
enum SVGChart {
    static let palette = (
        accent: "#2f6fde", bad: "#d64545", wait: "#9aa5b1", grid: "#d9e2ec", ink: "#1f2933",
        muted: "#616e7c", soft: "#dbe7fb"
    )

    /// A funnel: one row per stage with bars for passed (blue), rejected (red) and waiting (grey), scaled to the
    /// samples planned.
    static func funnel(_ funnel: SampleFunnel, title: String) -> String {
        let rowHeight = 30.0
        let labelWidth = 190.0
        let barWidth = 420.0
        let width = 860.0
        let top = 8.0
        let height = top + Double(funnel.stages.count) * rowHeight + 34
        let scale = barWidth / Double(max(1, funnel.planned))
        var out = svgOpen(width: width, height: height, title: title)
        for (index, stage) in funnel.stages.enumerated() {
            let y = top + Double(index) * rowHeight
            out += text(x: labelWidth - 10, y: y + 19, stageLabel(stage.name), anchor: "end", size: 12)
            var x = labelWidth
            out += rect(x: x, y: y + 4, width: barWidth, height: rowHeight - 10, fill: "#f0f4f8")
            for (count, color, label) in [
                (stage.passed, palette.accent, "passed"), (stage.rejected, palette.bad, "rejected"),
                (stage.waiting, palette.wait, "waiting"),
            ] where count > 0 {
                let w = max(1.5, Double(count) * scale)
                out += rect(
                    x: x, y: y + 4, width: w, height: rowHeight - 10, fill: color,
                    tooltip: "\(stage.name): \(label) \(count)")
                x += w
            }
            var note = "\(stage.passed) passed"
            if stage.rejected > 0 { note += " · \(stage.rejected) rejected" }
            if stage.waiting > 0 { note += " · \(stage.waiting) waiting" }
            if let rate = stage.passRate { note += " (\(String(format: "%.1f", rate * 100))%)" }
            out += text(x: labelWidth + barWidth + 10, y: y + 19, note, size: 12)
        }
        let legendY = top + Double(funnel.stages.count) * rowHeight + 14
        var legendX = labelWidth
        for (label, color) in [
            ("passed", palette.accent), ("rejected", palette.bad), ("waiting (in flight)", palette.wait),
        ] {
            out += rect(x: legendX, y: legendY - 9, width: 12, height: 12, fill: color)
            out += text(x: legendX + 17, y: legendY + 1, label, size: 11, fill: palette.muted)
            legendX += 40 + Double(label.count) * 6.5
        }
        return out + "</svg>"
    }

    /// A vertical bar histogram with bin labels and the peak count.
    static func histogram(
        _ histogram: AuditHistogram, title: String, threshold: Double? = nil,
        color: String = palette.accent
    ) -> String {
        let width = 400.0
        let height = 208.0
        let left = 36.0
        let right = 10.0
        let top = 22.0
        let bottom = 40.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let peak = max(1, histogram.counts.max() ?? 0)
        let bins = max(1, histogram.counts.count)
        let slot = plotWidth / Double(bins)
        var out = svgOpen(width: width, height: height, title: title)
        out += line(x1: left, y1: top + plotHeight, x2: width - right, y2: top + plotHeight, stroke: palette.muted)
        out += line(x1: left, y1: top, x2: width - right, y2: top, stroke: palette.grid, dash: true)
        out += text(x: left - 4, y: top + 4, String(peak), anchor: "end", size: 10, fill: palette.muted)
        out += text(x: left - 4, y: top + plotHeight, "0", anchor: "end", size: 10, fill: palette.muted)
        let labelEvery = bins <= 10 ? 1 : Int((Double(bins) / 10).rounded(.up))
        for (index, count) in histogram.counts.enumerated() {
            let h = Double(count) / Double(peak) * plotHeight
            let x = left + Double(index) * slot
            if count > 0 {
                out += rect(
                    x: x + 1, y: top + plotHeight - h, width: max(1, slot - 2), height: h, fill: color,
                    tooltip: "\(histogram.label(index)): \(count)")
            }
            if index % labelEvery == 0 {
                let label =
                    histogram.integerBins
                    ? histogram.label(index)
                    : AuditHistogram.number(histogram.lower + Double(index) * histogram.binWidth)
                let anchorX = histogram.integerBins ? x + slot / 2 : x
                out += text(
                    x: anchorX, y: top + plotHeight + 14, label, anchor: "middle", size: 10, fill: palette.muted)
            }
        }
        if !histogram.integerBins {
            out += text(
                x: left + plotWidth, y: top + plotHeight + 14, AuditHistogram.number(histogram.upper),
                anchor: "middle", size: 10, fill: palette.muted)
        }
        if let threshold, histogram.upper > histogram.lower, threshold >= histogram.lower, threshold <= histogram.upper
        {
            let x = left + (threshold - histogram.lower) / (histogram.upper - histogram.lower) * plotWidth
            out += line(x1: x, y1: top - 6, x2: x, y2: top + plotHeight, stroke: palette.bad, dash: true)
            let label = "threshold \(AuditHistogram.number(threshold))"
            let flip = x > left + plotWidth * 0.7
            out += text(
                x: flip ? x - 4 : x + 4, y: top - 8, label, anchor: flip ? "end" : "start", size: 10,
                fill: palette.bad)
        }
        var footer = "n=\(histogram.total)"
        if histogram.below > 0 { footer += " · \(histogram.below) below range" }
        if histogram.above > 0 { footer += " · \(histogram.above) above range" }
        out += text(x: left, y: height - 6, footer, size: 10, fill: palette.muted)
        return out + "</svg>"
    }

    static func svgOpen(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(HTML.coordinate(width))\" "
            + "height=\"\(HTML.coordinate(height))\" "
            + "viewBox=\"0 0 \(HTML.coordinate(width)) \(HTML.coordinate(height))\" "
            + "role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
    }

    static func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, tooltip: String? = nil
    )
        -> String
    {
        let attributes =
            "x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" width=\"\(HTML.coordinate(width))\" "
            + "height=\"\(HTML.coordinate(height))\" fill=\"\(fill)\" rx=\"2\""
        guard let tooltip else { return "<rect \(attributes)/>" }
        return "<rect \(attributes)><title>\(HTML.escape(tooltip))</title></rect>"
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, dash: Bool = false) -> String {
        "<line x1=\"\(HTML.coordinate(x1))\" y1=\"\(HTML.coordinate(y1))\" x2=\"\(HTML.coordinate(x2))\" "
            + "y2=\"\(HTML.coordinate(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\""
            + (dash ? " stroke-dasharray=\"4 3\"" : "") + "/>"
    }

    static func text(
        x: Double, y: Double, _ content: String, anchor: String = "start", size: Double = 12,
        fill: String = palette.ink
    ) -> String {
        "<text x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" text-anchor=\"\(anchor)\" "
            + "font-size=\"\(HTML.coordinate(size))\" fill=\"\(fill)\">\(HTML.escape(content))</text>"
    }

    /// Stage names as shown in charts (`write` is where accepted samples land).
    static func stageLabel(_ name: String) -> String {
        name == "write" ? "write (accepted)" : name
    }
}
