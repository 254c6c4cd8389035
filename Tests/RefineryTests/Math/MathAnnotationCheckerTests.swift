import XCTest

@testable import Refinery

final class MathAnnotationCheckerTests: XCTestCase {
    private func check(_ solution: String, answer: String? = nil,
                       options: MathAnnotationOptions = MathAnnotationOptions()) -> MathAnnotationReport {
        MathAnnotationChecker.check(solution: solution, finalAnswer: answer, options: options)
    }

    func testFindsEveryAnnotation() {
        let report = check("a <<1+1=2>> b <<2*3=6>> c << 6 - 1 = 5 >>", answer: "5")
        XCTAssertTrue(report.passed)
        XCTAssertEqual(report.reason, .ok)
        XCTAssertEqual(report.annotations.map(\.expression), ["1+1", "2*3", "6 - 1"])
        XCTAssertEqual(report.annotations.map(\.result), ["2", "6", "5"])
        XCTAssertEqual(report.annotations[1].offset, 14)
    }

    func testFirstWrongStepMessage() {
        let report = check("<<4*3=13>> then <<1+1=3>>")
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.reason, .wrongStep)
        XCTAssertEqual(report.message, "the step <<4*3=13>> is wrong: 4*3 = 12")
        XCTAssertEqual(report.failing?.text, "<<4*3=13>>")
    }

    func testRoundedResults() {
        XCTAssertTrue(check("<<10/3=3.33>>").passed)
        XCTAssertTrue(check("<<10/3=3.3333>>").passed)
        XCTAssertTrue(check("<<-10/3=-3.33>>").passed, "negative values round on the magnitude")
        XCTAssertTrue(check("<<5/8=0.63>>").passed, "0.625 rounds half up")
        let wrong = check("<<10/3=3.34>>")
        XCTAssertEqual(wrong.reason, .wrongStep)
        XCTAssertEqual(wrong.message, "the step <<10/3=3.34>> is wrong: 10/3 ≈ 3.3333, which rounds to 3.33")
        XCTAssertEqual(check("<<10/3=3>>").reason, .wrongStep, "an integer result is never a rounding")
    }

    func testAnswerMustFollowFromLastStep() {
        XCTAssertTrue(check("<<2+2=4>> <<4*3=12>>", answer: "12").passed)
        XCTAssertTrue(check("<<10/3=3.33>>", answer: "3.33").passed)
        XCTAssertTrue(check("<<10/3=3.33>>", answer: "10/3").passed)
        XCTAssertTrue(check("<<1000*3=3000>>", answer: "3,000").passed, "format is judged elsewhere")
        let report = check("<<2+2=4>> <<4*3=12>>", answer: "4")
        XCTAssertEqual(report.reason, .answerNotFromLastStep)
        XCTAssertEqual(report.message,
                       "the final answer 4 does not match the result of the last step <<4*3=12>>, which is 12")
        let relaxed = MathAnnotationOptions(requireAnswerFromLastStep: false)
        XCTAssertTrue(check("<<2+2=4>> <<4*3=12>>", answer: "4", options: relaxed).passed)
    }

    func testNoAnnotationsIsAParameter() {
        let optional = check("No calculations here.", answer: "3")
        XCTAssertTrue(optional.passed)
        XCTAssertEqual(optional.reason, .noAnnotations)
        let required = check("No calculations here.", answer: "3",
                             options: MathAnnotationOptions(requireAnnotations: true))
        XCTAssertFalse(required.passed)
        XCTAssertEqual(required.reason, .noAnnotations)
    }

    func testMalformedAndUnsupported() {
        XCTAssertEqual(check("<<4*3>>").reason, .malformedAnnotation)
        XCTAssertEqual(check("<<4*3=12").reason, .malformedAnnotation)
        XCTAssertEqual(check("<<4*3=12\n>>").reason, .malformedAnnotation, "annotations stay on one line")
        XCTAssertEqual(check("<<4*3=>>").reason, .malformedAnnotation)
        XCTAssertEqual(check("<<4*3=a dozen>>").reason, .malformedAnnotation)
        XCTAssertEqual(check("<<x*3=12>>").reason, .unsupportedExpression)
        XCTAssertEqual(check("<<1/0=0>>").reason, .divisionByZero)
        XCTAssertEqual(check("<<2^999999=0>>").reason, .tooComplex)
    }

    func testAcceptedNotations() {
        for annotation in ["<<4×3=12>>", "<<4·3=12>>", "<<12÷4=3>>", "<<5−8=−3>>", "<<2**3=8>>", "<<$4*3=$12>>",
                           "<<1,000+1=1,001>>", "<<(1,000+1)*2=2,002>>", "<<25%*8=2>>", "<<1/4=25%>>",
                           "<<3/4+1/4=1>>", "<<6/8=3/4>>", "<<.5*4=2>>", "<<2.50*2=5.00>>"] {
            let report = check(annotation)
            XCTAssertTrue(report.passed, "\(annotation): \(report.message)")
        }
    }
}
