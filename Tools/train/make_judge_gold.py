"""Writes the model-judge gold sets under Tests/RefineryTests/Judges/Gold/ from the training generators.

Usage (from Tools/train, no third-party packages needed):
    python3 make_judge_gold.py [--count 50] [--out ../../Tests/RefineryTests/Judges/Gold]

The training corpus draws example i from `random.Random(f"{seed}-{i}")` with an integer seed and its held-out
passages from `random.Random(f"heldout-{seed}")`. Gold item i here is drawn from
`random.Random(f"judge-gold-{set}-{i}")`, a string no training stream can produce, so the items are held out (the
generators' space is small, so the same problem text can still come up by chance: with `--exclude-corpus` (default
data/corpus.jsonl, the deterministic `corpus.py --seed 1` output) a draw whose problem text appears anywhere in the
training corpus, as a prompt's Problem/Task or a completion's problem, is skipped and the item redrawn from
`judge-gold-{set}-{i}-retry{n}`). Output is deterministic: the same command and corpus write the same bytes.

Files:
- rubric-math.jsonl: {"problem", "solution" (steps + "#### answer"), "tests": "", "good", "corruption"};
  bad items use `corpus.corrupt_math` (a wrong `<<expr=result>>` annotation or a wrong final answer).
- rubric-code.jsonl: {"problem", "solution" (code), "tests" (asserts), "good", "corruption"}; bad items alternate
  between `codegen.mutate` (the code fails a test) and `corpus.corrupt_tests` (an assert expects a wrong value).
- likelihood.jsonl: {"kind" (math|code), "problem", "completion", "good", "corruption"}; the completion answers the
  math/solve or code/solve prompt; bad items are the same completion with the words of each line shuffled.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import codegen
import corpus
import mathgen
from passages import PassageMaker

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parents[1] / "Tests" / "RefineryTests" / "Judges" / "Gold"


def stream(name: str, i: int) -> random.Random:
    """The held-out random stream for gold item i of set `name`."""
    return random.Random(f"judge-gold-{name}-{i}")


SEEN: set[str] = set()


def training_problems(path: Path) -> set[str]:
    """Every problem text of the training corpus: the Problem/Task section of prompts and the head of completions."""
    seen = set()
    section = re.compile(r"(?:Problem|Task):\n(.*?)\n\n", re.S)
    with open(path, encoding="utf-8") as f:
        for line in f:
            ex = json.loads(line)
            seen.update(m.group(1) for m in section.finditer(ex["prompt"]))
            head = ex["completion"].split("\n\nSolution:", 1)
            if len(head) == 2:
                seen.add(head[0])
    return seen


def draws(name: str, i: int, tries: int = 200):
    """The held-out streams for item i: the first, then its retries."""
    for attempt in range(tries):
        yield stream(name, i) if attempt == 0 else random.Random(f"judge-gold-{name}-{i}-retry{attempt}")


def math_item(name: str, i: int) -> tuple[random.Random, mathgen.MathItem]:
    for rng in draws(name, i):
        _, facts = PassageMaker(rng).make()
        try:
            item = mathgen.make_math(rng, facts)
        except ValueError:
            continue
        if item.problem not in SEEN:
            return rng, item
    raise ValueError(f"no held-out math item for {name} {i}")


def code_spec(name: str, i: int, accept=lambda rng, spec: True) -> tuple[random.Random, codegen.Spec]:
    for rng in draws(name, i):
        _, facts = PassageMaker(rng).make()
        try:
            spec = codegen.make_code(rng, facts, hard=rng.random() < 0.3)
        except ValueError:
            continue
        if spec.task not in SEEN and accept(rng, spec):
            return rng, spec
    raise ValueError(f"no held-out code item for {name} {i}")


def rubric_math(count: int) -> list[dict]:
    out = []
    for i in range(count):
        rng, item = math_item("rubric-math", i)
        if i % 2 == 0:
            out.append({"problem": item.problem, "solution": item.solution(), "tests": "", "good": True,
                        "corruption": ""})
        else:
            sol, _, how = corpus.corrupt_math(rng, item)
            out.append({"problem": item.problem, "solution": sol, "tests": "", "good": False, "corruption": how})
    return out


def rubric_code(count: int) -> list[dict]:
    out = []
    for i in range(count):
        want = "none" if i % 2 == 0 else ("mutation" if i % 4 == 1 else "tests")
        made: dict[str, str] = {}

        def accept(rng: random.Random, spec: codegen.Spec) -> bool:
            made["solution"], made["tests"] = spec.solution, spec.tests_text()
            if want == "mutation":
                m = codegen.mutate(rng, spec)
                if not m:
                    return False
                made["solution"] = m[0]
            elif want == "tests":
                bad = corpus.corrupt_tests(rng, spec)
                if not bad:
                    return False
                made["tests"] = bad
            else:
                ok, why = codegen.run_tests(spec.solution, spec.tests_text())
                if not ok:
                    raise ValueError(f"generated code fails its own tests: {why}")
            return True

        _, spec = code_spec("rubric-code", i, accept)
        out.append({"problem": spec.task, "solution": made["solution"], "tests": made["tests"],
                    "good": want == "none", "corruption": "" if want == "none" else want})
    return out


def shuffle_words(rng: random.Random, text: str) -> str:
    """Shuffles the words of every line; keeps the lines, so only the word order is wrong."""
    lines = []
    for line in text.split("\n"):
        words = line.split()
        if len(words) > 1:
            original = list(words)
            for _ in range(5):
                rng.shuffle(words)
                if words != original:
                    break
        lines.append(" ".join(words))
    return "\n".join(lines)


def likelihood(pairs: int) -> list[dict]:
    out = []
    for i in range(pairs):
        _, item = math_item("likelihood-math", i)
        good = item.solution()
        bad = shuffle_words(stream("likelihood-math-shuffle", i), good)
        out.append({"kind": "math", "problem": item.problem, "completion": good, "good": True, "corruption": ""})
        out.append({"kind": "math", "problem": item.problem, "completion": bad, "good": False,
                     "corruption": "shuffled_words"})
    for i in range(pairs):
        _, spec = code_spec("likelihood-code", i)
        good = corpus.fence(spec.solution)
        bad = corpus.fence(shuffle_words(stream("likelihood-code-shuffle", i), spec.solution))
        out.append({"kind": "code", "problem": spec.task, "completion": good, "good": True, "corruption": ""})
        out.append({"kind": "code", "problem": spec.task, "completion": bad, "good": False,
                    "corruption": "shuffled_words"})
    return out


def write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=50, help="items per rubric set (half good, half bad)")
    ap.add_argument("--pairs", type=int, default=12, help="good/shuffled pairs per kind in likelihood.jsonl")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--exclude-corpus", default=str(HERE / "data" / "corpus.jsonl"),
                    help="training corpus whose problems are skipped; '' to skip nothing")
    a = ap.parse_args(argv)
    if a.exclude_corpus:
        path = Path(a.exclude_corpus)
        if not path.exists():
            print(f"{path} not found: build it with corpus.py (see its docstring) or pass --exclude-corpus ''",
                  file=sys.stderr)
            return 2
        SEEN.update(training_problems(path))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sets = {"rubric-math.jsonl": rubric_math(a.count), "rubric-code.jsonl": rubric_code(a.count),
            "likelihood.jsonl": likelihood(a.pairs)}
    for name, rows in sets.items():
        write(out / name, rows)
    summary = {name: {"items": len(rows), "good": sum(r["good"] for r in rows),
                      "corruptions": sorted({r["corruption"] for r in rows if r["corruption"]})}
               for name, rows in sets.items()}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
