/// The Python program that runs inside the sandbox around the untrusted code (passed with `python3 -I -B -c`).
///
/// It reads `{"nonce", "source", "min_tests"}` as JSON from stdin, then replaces stdin with /dev/null and closes
/// every descriptor above 3. It parses the program with `ast` (syntax errors are reported without running
/// anything), counts the test assertions (module-level `assert` statements, outside functions and classes, that
/// mention a name other than a builtin: `assert True`, `assert 1 == 1` and `assert (x, "msg")` test nothing) and
/// refuses to run with fewer than `min_tests`. Then it executes the top-level statements one at a time in a
/// `__main__` namespace. A top-level `assert L <op> R` is evaluated as L, R and the comparison, so that a failure
/// can say what L was, and so that `==` with a plain value (int, str, list, ...) cannot be won by a class of the
/// program whose `__eq__` says yes to everything (a known reward hack); other statements run unchanged.
/// Exceptions are classified (MemoryError, EFBIG/ENOSPC, EAGAIN from fork and thread creation are limits) and
/// located in the program.
///
/// Every record goes to fd 3 as one JSON line carrying the run's nonce and the harness's pid; forked children
/// stay silent. The verdict is the `result` record, written last, after which the harness calls `os._exit(0)`, so
/// lingering threads and atexit hooks cannot change it. A program that ends the process itself (`os._exit`) leaves
/// no result and does not pass. This stops accidental and casual cheating; code that digs the harness's own frame
/// out of the interpreter could still forge a verdict, which only a second process could prevent.
enum CodeSandboxHarness {
    static let source = #"""
import ast, builtins, json, operator, os, reprlib, resource, sys
import __future__ as _future_module


def _refinery_harness():
    write, getpid, hard_exit, dumps = os.write, os.getpid, os._exit, json.dumps
    getrusage, own, children = resource.getrusage, resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
    chunks = []
    while True:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    payload = json.loads(b"".join(chunks).decode("utf-8"))
    nonce, source, need = payload["nonce"], payload["source"], int(payload["min_tests"])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.closerange(4, 1 << 16)
    main_pid = getpid()
    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlist, short.maxtuple = 160, 160, 12, 12
    short.maxdict, short.maxset, short.maxlong, short.maxlevel = 8, 12, 60, 3

    def clip(value, limit=300):
        try:
            text = " ".join(str(value).split())
        except BaseException:
            text = "<unprintable>"
        return text if len(text) <= limit else text[:limit] + "..."

    def show(value):
        try:
            return clip(short.repr(value), 200)
        except BaseException:
            return "<unrepresentable>"

    def emit(record):
        if getpid() != main_pid:
            return
        record["nonce"], record["pid"] = nonce, main_pid
        try:
            mine, theirs = getrusage(own), getrusage(children)
            record["rss"] = max(mine.ru_maxrss, theirs.ru_maxrss)
            record["cpu"] = round(mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime, 4)
        except BaseException:
            pass
        try:
            write(3, (dumps(record) + "\n").encode("utf-8", "replace"))
        except BaseException:
            pass

    def finish(record):
        record["ev"] = "result"
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        emit(record)
        hard_exit(0)

    emit({"ev": "ready"})
    lines = source.split("\n")

    def line_text(number):
        return clip(lines[number - 1], 200) if 0 < number <= len(lines) else ""

    try:
        tree = ast.parse(source, "<program>")
    except SyntaxError as error:
        finish({"status": "syntax_error", "line": error.lineno or 0, "exception": type(error).__name__,
                "message": clip(error.msg), "text": clip((error.text or "").strip(), 200)})
    except (ValueError, MemoryError, RecursionError) as error:
        finish({"status": "syntax_error", "line": 0, "exception": type(error).__name__, "message": clip(error)})

    def segment(node):
        try:
            text = ast.get_source_segment(source, node)
        except BaseException:
            text = None
        return clip(text if text else line_text(node.lineno))

    def vacuous(node):
        test = node.test
        if isinstance(test, ast.Tuple) and test.elts:
            return True
        names = [n.id for n in ast.walk(test) if isinstance(n, ast.Name)]
        return not any(name not in builtins.__dict__ for name in names)

    tests, empty = [], []

    def collect(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Assert):
                (empty if vacuous(child) else tests).append(child)
            collect(child)

    collect(tree)
    emit({"ev": "count", "tests": len(tests), "vacuous": len(empty)})
    if len(tests) < need:
        finish({"status": "too_few_tests", "tests": len(tests), "vacuous": len(empty),
                "examples": [segment(node) for node in empty[:3]]})

    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(_future_module, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    compare = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
               ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
               ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
    namespace = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
    sys.argv = ["program.py"]
    test_ids = {id(node) for node in tests}
    every_assert = tests + empty
    ran = 0

    plain_types = (int, float, complex, str, bytes, bool, list, tuple, dict, set, frozenset, type(None))

    def own_equality(value):
        for name in ("__eq__", "__ne__"):
            code = getattr(getattr(type(value), name, None), "__code__", None)
            if code is not None and code.co_filename == "<program>":
                return True
        return False

    def evaluate(expression):
        return eval(compile(ast.Expression(expression), "<program>", "eval", flags, True), namespace)

    def classify(error):
        if isinstance(error, MemoryError):
            return "memory_limit"
        if isinstance(error, OSError) and error.errno in (27, 28):
            return "file_size_limit"
        if isinstance(error, OSError) and error.errno == 11:
            return "process_limit"
        if isinstance(error, RuntimeError) and "can't start new thread" in str(error):
            return "process_limit"
        return "runtime_error"

    def fail(error, statement):
        entries, trace = [], error.__traceback__
        while trace is not None:
            entries.append(trace)
            trace = trace.tb_next
        program = [entry for entry in entries if entry.tb_frame.f_code.co_filename == "<program>"]
        innermost = entries[-1] if entries else None
        if (isinstance(error, AssertionError) and program and innermost is program[-1]
                and innermost.tb_frame.f_code.co_name == "<module>"):
            line = innermost.tb_lineno
            for node in every_assert:
                if node.lineno <= line <= (node.end_lineno or node.lineno):
                    message = clip(error) if str(error) else None
                    finish({"status": "assertion_failed", "line": node.lineno, "assertion": segment(node),
                            "message": message, "ran": ran})
        record = {"status": classify(error), "line": statement.lineno, "exception": type(error).__name__,
                  "message": clip(error), "ran": ran,
                  "statement": segment(statement) if isinstance(statement, ast.Assert)
                  else line_text(statement.lineno)}
        if isinstance(error, SystemExit):
            record["message"] = "the program called exit(%s)" % show(error.code)
        if program:
            where = program[-1]
            record["error_line"] = where.tb_lineno
            record["error_text"] = line_text(where.tb_lineno)
            record["function"] = where.tb_frame.f_code.co_name
        finish(record)

    for statement in tree.body:
        emit({"ev": "stmt", "line": statement.lineno, "text": line_text(statement.lineno)})
        try:
            test = statement.test if isinstance(statement, ast.Assert) else None
            if (id(statement) in test_ids and isinstance(test, ast.Compare) and len(test.ops) == 1
                    and type(test.ops[0]) in compare):
                left = evaluate(test.left)
                right = evaluate(test.comparators[0])
                verdict = compare[type(test.ops[0])](left, right)
                if verdict and type(test.ops[0]) in (ast.Eq, ast.NotEq) and type(right) in plain_types:
                    if own_equality(left):
                        finish({"status": "assertion_failed", "line": statement.lineno, "ran": ran,
                                "assertion": segment(statement), "got": show(left),
                                "message": "only the program's own __eq__ makes it equal to a plain value"})
                if not verdict:
                    message = clip(evaluate(statement.msg)) if statement.msg is not None else None
                    shown = right if isinstance(test.ops[0], (ast.In, ast.NotIn)) else left
                    finish({"status": "assertion_failed", "line": statement.lineno, "assertion": segment(statement),
                            "got": show(shown), "message": message, "ran": ran})
            else:
                exec(compile(ast.Module([statement], []), "<program>", "exec", flags, True), namespace)
        except BaseException as error:
            fail(error, statement)
        ran += sum(1 for node in tests if statement.lineno <= node.lineno <= (statement.end_lineno or 0))
    finish({"status": "passed", "ran": ran, "tests": len(tests)})


_refinery_harness()
"""#
}
