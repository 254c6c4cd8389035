import XCTest
@testable import Refinery

final class CodePythonScannerTests: XCTestCase {
    func testCountsAssertStatementsOnly() {
        let source = #"""
        assert f(1) == 1
        assert f(2) == 2; assert f(3) == 3
        for x in [4, 5]: assert f(x) == x
        # assert in a comment
        s = "assert inside a string"
        t = 'it''s assert'
        doc = """
        assert inside a triple-quoted string
        """
        raw = r'assert \' still in the string'
        fs = f"{x!r} assert"
        bs = b'assert'
        assertion_count = 3  # a name that starts with assert
        x.assert_called()
        """#
        XCTAssertEqual(CodePythonScanner(source).assertionCount, 4)
    }

    func testLineContinuationAndBracketsKeepLogicalLines() {
        let source = """
        def f(a,
              b):
            return a + \\
                b
        class Stack:
            def push(self, x):
                pass
        async def fetch():
            pass
        x = [
        def_like for def_like in range(3)
        ]
        """
        let scan = CodePythonScanner(source)
        XCTAssertEqual(scan.topLevelDefinitions, ["f", "Stack", "fetch"])
        XCTAssertEqual(scan.assertionCount, 0)
    }

    func testCalledNamesSkipAttributesKeywordsAndDefinitions() {
        let source = """
        def helper(x):
            return x
        assert total([1, 2]) == 3 and helper(2) == 2
        assert obj.method(1) is None
        assert not (total([]) != 0)
        """
        XCTAssertEqual(CodePythonScanner(source).calledNames, ["total", "helper"])
    }

    func testUnterminatedStringDoesNotSwallowTheNextLine() {
        let source = "s = 'unterminated\nassert f(1) == 1\n"
        XCTAssertEqual(CodePythonScanner(source).assertionCount, 1)
    }

    func testTokenLinesAndIndentation() {
        let source = "def f():\n\n    return 1\n"
        let tokens = CodePythonScanner(source).tokens.filter { $0.kind == .name }
        XCTAssertEqual(tokens.map(\.text), ["def", "f", "return"])
        XCTAssertEqual(tokens.map(\.line), [1, 1, 3])
        XCTAssertEqual(tokens.map(\.indent), [0, 0, 4])
        XCTAssertEqual(tokens.map(\.startsLogicalLine), [true, false, true])
    }
}
