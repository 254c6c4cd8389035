"""Builds the training corpus: rendered Prompts/ templates plus completions in the exact published format.

Usage:
    python3 corpus.py --examples 150000 --seed 1 --out data/corpus.jsonl --heldout data/heldout-seeds.jsonl

Each JSONL line is {"kind", "prompt", "completion"}; the trainer appends the end-of-sequence token after the
completion. Example i is drawn from `random.Random(f"{seed}-{i}")`, so the corpus is deterministic and can be built
in parallel or extended. Held-out passages come from a different seed stream and are never trained on.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import codegen
import mathgen
from mathgen import fmt
from passages import PassageMaker

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "Prompts"

KINDS = [("math/generate", 30), ("code/generate", 25), ("math/solve", 8), ("code/solve", 6), ("evolve/math", 6),
         ("evolve/code", 5), ("repair/math", 5), ("repair/code", 5), ("judges/math-rubric", 5),
         ("judges/code-rubric", 5)]

MATH_INSTRUCTIONS = ["add one more step", "add a constraint", "use larger numbers", "change the setting"]


def load_templates() -> dict[str, str]:
    out = {}
    for p in sorted(PROMPTS.rglob("*.mustache")):
        out[str(p.relative_to(PROMPTS))[: -len(".mustache")]] = p.read_text(encoding="utf-8")
    return out


TEMPLATES = load_templates()


def render(name: str, **values: str) -> str:
    """Substitutes {{{name}}} variables; the file's final newline is kept."""
    text = TEMPLATES[name]
    for k, v in values.items():
        text = text.replace("{{{" + k + "}}}", v)
    if "{{" in text:
        raise ValueError(f"unfilled variable in {name}: {re.findall(r'{{+[^}]*}+', text)}")
    return text


def corrupt_math(rng: random.Random, item: mathgen.MathItem) -> tuple[str, str, str]:
    """Returns (wrong solution, failure message, kind) with one wrong annotation or a wrong final answer."""
    anns = [i for i, s in enumerate(item.steps) if "<<" in s]
    if anns and rng.random() < 0.6:
        i = rng.choice(anns)
        m = mathgen.ANN.search(item.steps[i])
        expr, res = m.group(1), m.group(2)
        right = mathgen.parse_number(res)
        wrong = right + rng.choice([-3, -2, -1, 1, 1, 2, 3, 10])
        if wrong < 0:
            wrong = right + 1
        w = fmt(wrong)
        steps = list(item.steps)
        steps[i] = steps[i].replace(f"<<{expr}={res}>>{res}", f"<<{expr}={w}>>{w}")
        sol = "\n".join(steps) + f"\n#### {fmt(item.answer)}"
        return sol, f"the step <<{expr}={w}>> is wrong: {expr} = {res}", "annotation"
    wrong = item.answer + rng.choice([-2, -1, 1, 2, 5])
    if wrong < 0:
        wrong = item.answer + 1
    sol = "\n".join(item.steps) + f"\n#### {fmt(wrong)}"
    return sol, f"the final answer {fmt(wrong)} does not match the last step's result {fmt(item.answer)}", "final"


def corrupt_tests(rng: random.Random, spec: codegen.Spec) -> str | None:
    """Changes one assert's expected value so that the tests no longer match the solution."""
    lines = list(spec.tests)
    i = rng.randrange(len(lines))
    head, exp = lines[i].rsplit(" == ", 1)
    others = [l.rsplit(" == ", 1)[1] for j, l in enumerate(lines) if j != i]
    alts = [o for o in others if o != exp]
    if re.fullmatch(r"-?\d+", exp):
        new = str(int(exp) + rng.choice([-2, -1, 1, 2]))
    elif alts:
        new = rng.choice(alts)
    else:
        return None
    lines[i] = f"{head} == {new}"
    bad = "\n".join(lines)
    ok, _ = codegen.run_tests(spec.solution, bad)
    return None if ok else bad


def fence(code: str) -> str:
    return f"```python\n{code}\n```"


def noisy(rng: random.Random, score: int, lo: int, hi: int) -> int:
    if rng.random() < 0.15:
        score += rng.choice([-1, 1])
    return max(lo, min(hi, score))


def make_example(seed: int, i: int) -> dict:
    rng = random.Random(f"{seed}-{i}")
    pm = PassageMaker(rng)
    passage, facts = pm.make()
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    return example_of_kind(kind, rng, pm, passage, facts)


def example_of_kind(kind: str, rng: random.Random, pm: PassageMaker, passage: str, facts) -> dict:
    """One example of `kind` drawn from `rng`, about `passage` (made by `pm`, with `facts`)."""
    if kind == "math/generate":
        item = mathgen.make_math(rng, facts)
        return {"kind": kind, "prompt": render(kind, passage=passage), "completion": item.completion()}
    if kind == "code/generate":
        spec = codegen.make_code(rng, facts)
        return {"kind": kind, "prompt": render(kind, passage=passage), "completion": spec.completion()}
    if kind == "math/solve":
        item = mathgen.make_math(rng, facts)
        return {"kind": kind, "prompt": render(kind, problem=item.problem), "completion": item.solution()}
    if kind == "code/solve":
        spec = codegen.make_code(rng, facts, hard=rng.random() < 0.3)
        return {"kind": kind, "prompt": render(kind, problem=spec.task), "completion": fence(spec.solution)}
    if kind == "evolve/math":
        sub = rng.randrange(1 << 30)
        ins = rng.choice(MATH_INSTRUCTIONS)
        d = rng.choice([1, 2, 3])
        fam = rng.choices([f for f, _ in mathgen.FAMILIES], weights=[w for _, w in mathgen.FAMILIES])[0]
        base = mathgen.make_math(random.Random(sub), facts, d, fam)
        if ins == "use larger numbers":
            hard = mathgen.make_math(random.Random(sub), facts, d, fam, big=True)
        elif ins == "change the setting":
            _, other = pm.make()
            hard = mathgen.make_math(random.Random(sub), other, d + 1, fam)
        else:
            hard = mathgen.make_math(random.Random(sub), facts, d + 1, fam)
        return {"kind": kind, "prompt": render(kind, instruction=ins, problem=base.problem),
                "completion": hard.completion()}
    if kind == "evolve/code":
        sub = rng.randrange(1 << 30)
        texty = facts.topic in codegen.TEXT_TOPICS
        fams = codegen.FAMILIES
        weights = [w * (3 if (f.__name__ in codegen.TEXT_FAMILIES) == texty else 1) for f, w in fams]
        fam = rng.choices([f for f, _ in fams], weights=weights)[0]
        base = codegen.make_code(random.Random(sub), facts, False, fam)
        hard = codegen.make_code(random.Random(sub), facts, True, fam)
        return {"kind": kind, "prompt": render(kind, instruction=hard.instruction, problem=base.task),
                "completion": hard.completion()}
    if kind == "repair/math":
        item = mathgen.make_math(rng, facts)
        bad, failure, _ = corrupt_math(rng, item)
        return {"kind": kind, "prompt": render(kind, failure=failure, problem=item.problem, solution=bad),
                "completion": item.solution()}
    if kind == "repair/code":
        for _ in range(10):
            spec = codegen.make_code(rng, facts, hard=rng.random() < 0.3)
            m = codegen.mutate(rng, spec)
            if m:
                bad, failure = m
                return {"kind": kind, "prompt": render(kind, failure=failure, problem=spec.task, solution=bad,
                                                        tests=spec.tests_text()), "completion": fence(spec.solution)}
        raise ValueError("no mutation found")
    if kind == "judges/math-rubric":
        item = mathgen.make_math(rng, facts)
        if rng.random() < 0.5:
            sol = item.solution()
            score = noisy(rng, 8 + min(2, len(item.steps) - 1), 8, 10)
        else:
            sol, _, how = corrupt_math(rng, item)
            score = noisy(rng, 2 if how == "annotation" else 3, 1, 4)
        return {"kind": kind, "prompt": render(kind, problem=item.problem, solution=sol), "completion": str(score)}
    if kind == "judges/code-rubric":
        spec = codegen.make_code(rng, facts, hard=rng.random() < 0.3)
        sol, tests = spec.solution, spec.tests_text()
        r = rng.random()
        score = noisy(rng, 10 if spec.instruction else 9, 8, 10)
        if r < 0.25:
            m = codegen.mutate(rng, spec)
            if m:
                sol, score = m[0], noisy(rng, 2, 1, 4)
        elif r < 0.5:
            bad = corrupt_tests(rng, spec)
            if bad:
                tests, score = bad, noisy(rng, 3, 1, 4)
        return {"kind": kind, "prompt": render(kind, problem=spec.task, solution=sol, tests=tests),
                "completion": str(score)}
    raise ValueError(kind)


def heldout(seed: int, n: int) -> list[str]:
    rng = random.Random(f"heldout-{seed}")
    pm = PassageMaker(rng)
    return [pm.make()[0] for _ in range(n)]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=150000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="data/corpus.jsonl")
    ap.add_argument("--heldout", default="data/heldout-seeds.jsonl")
    ap.add_argument("--heldout-count", type=int, default=200)
    a = ap.parse_args(argv)
    held = heldout(a.seed, a.heldout_count)
    held_set = set(held)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.heldout, "w", encoding="utf-8") as f:
        for t in held:
            f.write(json.dumps({"text": t}) + "\n")
    errors = 0
    counts: dict[str, int] = {}
    with open(a.out, "w", encoding="utf-8") as f:
        i = 0
        written = 0
        while written < a.examples:
            try:
                ex = make_example(a.seed, i)
            except ValueError:
                errors += 1
                i += 1
                continue
            i += 1
            if any(h in ex["prompt"] for h in held_set if len(h) > 0 and h[:40] in ex["prompt"]):
                continue
            f.write(json.dumps(ex) + "\n")
            counts[ex["kind"]] = counts.get(ex["kind"], 0) + 1
            written += 1
            if written % 20000 == 0:
                print(f"{written} examples", file=sys.stderr, flush=True)
    print(json.dumps({"examples": written, "skipped_errors": errors, "kinds": counts}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
