import Foundation
import XCTest

@testable import Refinery

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The HTML report parses as XML, holds its charts and records, loads nothing external and shows hostile model
/// output as text.
final class AuditHTMLTests: XCTestCase {
    /// Elements, attributes and text of a parsed document.
    private final class Scan: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var attributes: [(element: String, name: String, value: String)] = []
        var text = ""
        var error: Error?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            elements.append(elementName)
            for (name, value) in attributeDict { attributes.append((elementName, name, value)) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
    }

    private func scan(_ markup: String, file: StaticString = #filePath, line: UInt = #line) -> Scan {
        let parser = XMLParser(data: Data(markup.utf8))
        let scan = Scan()
        parser.delegate = scan
        let ok = parser.parse()
        XCTAssertTrue(
            ok, "not well-formed: \(String(describing: parser.parserError ?? scan.error))", file: file,
            line: line)
        return scan
    }

    private func report(acceptedExamples: Int = 6) throws -> (AuditFixture, AuditReport) {
        let fixture = try AuditStandardFixture.make(self)
        return (
            fixture, try AuditReport(ledger: fixture.ledger, options: AuditOptions(acceptedExamples: acceptedExamples))
        )
    }

    func testTheDocumentIsWellFormedAndSelfContained() throws {
        let (_, report) = try report()
        let html = report.html()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        let document = scan(html)
        XCTAssertFalse(document.elements.contains("script"), "no script elements at all")
        XCTAssertFalse(document.elements.contains("img"))
        XCTAssertFalse(document.elements.contains("iframe"))
        XCTAssertFalse(document.elements.contains("link"), "no external style sheets")
        for attribute in document.attributes {
            XCTAssertFalse(
                attribute.name.lowercased().hasPrefix("on"), "event handler \(attribute.name) on \(attribute.element)")
            XCTAssertNotEqual(attribute.name, "src")
            if attribute.name == "href" {
                XCTAssertTrue(attribute.value.hasPrefix("#"), "external link \(attribute.value)")
            }
        }
        let policy = try XCTUnwrap(
            document.attributes.first { $0.name == "content" && $0.value.contains("default-src") })
        XCTAssertTrue(policy.value.contains("default-src 'none'"))
        XCTAssertEqual(document.elements.filter { $0 == "style" }.count, 1)
    }

    func testTheChartsAreThereAndEachSVGParsesOnItsOwn() throws {
        let (_, report) = try report()
        let html = report.html()
        var fragments: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "),
            let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
        {
            fragments.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        // Two funnels, two judge histograms, five length histograms (accepted problem/solution and completions
        // per task, minus none), one difficulty histogram.
        let labels = fragments.map { fragment -> String in
            let svg = scan(fragment)
            XCTAssertEqual(svg.elements.first, "svg")
            return svg.attributes.first { $0.element == "svg" && $0.name == "aria-label" }?.value ?? ""
        }
        XCTAssertTrue(labels.contains("Funnel of task math"))
        XCTAssertTrue(labels.contains("Funnel of task code"))
        XCTAssertTrue(labels.contains("math · rubric scores"))
        XCTAssertTrue(labels.contains("code · likelihood scores"))
        XCTAssertTrue(labels.contains("math · problem length (accepted)"))
        XCTAssertTrue(labels.contains("math · evolve round 1 difficulty"))
        // The rubric histogram has one bar per non-empty bin (counts 1 1 4 2 2 1) with the count in its tooltip.
        let rubric = try XCTUnwrap(fragments.first { $0.contains("aria-label=\"math · rubric scores\"") })
        XCTAssertEqual(rubric.components(separatedBy: "<rect ").count - 1, 6)
        XCTAssertTrue(rubric.contains("<title>6–7: 4</title>"))
        XCTAssertTrue(rubric.contains("threshold 6"))
        // The math funnel has a bar per stage and its rejected segments carry counts.
        let funnel = try XCTUnwrap(fragments.first { $0.contains("Funnel of task math") })
        XCTAssertTrue(funnel.contains("<title>judge:math_answer: rejected 2</title>"))
        XCTAssertTrue(funnel.contains("<title>dedup: waiting 1</title>"))
    }

    func testTablesAndExampleRecordsWithTheirLineage() throws {
        let (fixture, report) = try report()
        let html = report.html()
        let text = scan(html).text
        for reason in [
            "math_answer:wrong_annotation", "duplicate_of:*", "contaminated:gsm8k", "parse:missing_solution",
        ] {
            XCTAssertTrue(text.contains(reason), "missing rejection reason \(reason)")
        }
        XCTAssertTrue(text.contains("Reconciled: generated 17 = accepted 6 + rejected 8 + in flight 3"))
        // Every stratum is represented by at least one example.
        for stratum in [
            "accepted", "borderline", "rejected:math_answer:wrong_annotation", "rejected:duplicate_of:*",
            "rejected:parse:missing_solution", "rejected:contaminated:gsm8k",
        ] {
            XCTAssertTrue(report.examples.contains { $0.stratum == stratum }, "no \(stratum) example")
        }
        XCTAssertEqual(report.examples.filter { $0.stratum == "accepted" }.count, 6)
        for example in report.examples {
            XCTAssertTrue(html.contains("id=\"sample-\(example.lineage.sample.id)\""))
        }
        // The lineage of m0: seed, prompt, output, parse, judgments, dedup cluster with its duplicate, shard line.
        let m0 = try XCTUnwrap(fixture.ids["m0"])
        let block = try XCTUnwrap(html.components(separatedBy: "<details").first { $0.contains("id=\"sample-\(m0)\"") })
        for part in [
            "Seed", "Rendered prompt", "Raw model output", "Parse: ok", "Judgments", "Dedup cluster",
            "Shard record", "corpus/a.txt", "[0, 60)", "Seed passage 0", "math/generate@abcdef012345",
            "expected score 8.0", "shards/part-00000.jsonl.zst line 1", "duplicate_of:",
        ] {
            XCTAssertTrue(block.contains(HTML.escape(part)), "lineage of m0 lacks \(part)")
        }
        XCTAssertTrue(block.contains("sample \(fixture.ids["m5"]!) (math generate r0, rejected"))
    }

    func testHostileModelOutputIsEscaped() throws {
        let (fixture, report) = try report()
        let m6 = try XCTUnwrap(fixture.ids["m6"])
        XCTAssertTrue(report.examples.contains { $0.lineage.sample.id == m6 }, "the hostile record is an example")
        let html = report.html()
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertFalse(html.contains("<img src=x"))
        XCTAssertFalse(html.contains("</pre></td><script>"))
        XCTAssertFalse(html.contains("\u{1B}"))
        XCTAssertFalse(html.contains("\u{07}"))
        XCTAssertTrue(html.contains("&lt;/pre&gt;&lt;/td&gt;&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("onerror=&quot;alert(1)&quot;"))
        // The parsed text holds the hostile string (control characters shown as symbols), i.e. it stayed text.
        let text = scan(html).text
        XCTAssertTrue(
            text.contains(
                "</pre></td><script>alert('pwned')</script><img src=x onerror=\"alert(1)\"> & "
                    + "␛[31mred␛[0m␇ ]]> <!-- -->"))
        XCTAssertEqual(HTML.escape("a<b>&\"c'\u{0}\u{FFFE}"), "a&lt;b&gt;&amp;&quot;c&#39;␀\u{FFFD}")
    }

    func testWriteToPutsBothReportsInTheAuditFolder() throws {
        let (fixture, report) = try report(acceptedExamples: 3)
        let audit = fixture.directory.appendingPathComponent("audit")
        let (textURL, htmlURL) = try report.write(to: audit)
        XCTAssertEqual(textURL.lastPathComponent, "report.txt")
        XCTAssertEqual(htmlURL.lastPathComponent, "report.html")
        XCTAssertEqual(try String(contentsOf: textURL, encoding: .utf8), report.text())
        let html = try String(contentsOf: htmlURL, encoding: .utf8)
        XCTAssertEqual(html, report.html())
        _ = scan(html)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: audit.path).sorted(),
            ["report.html", "report.txt"])
    }

    func testComparisonSectionAppearsWhenGiven() throws {
        let (_, report) = try report(acceptedExamples: 1)
        let baseline = try AuditReport(ledger: try AuditComparisonTests.baseline(self).ledger)
        let html = report.html(comparison: AuditComparison(current: report, baseline: baseline))
        let document = scan(html)
        XCTAssertTrue(document.attributes.contains { $0.name == "id" && $0.value == "comparison" })
        XCTAssertTrue(document.text.contains("baseline-run"))
        XCTAssertTrue(html.contains("aria-label=\"math rubric baseline\""))
    }
}
