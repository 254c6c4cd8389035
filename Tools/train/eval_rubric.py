"""Rubric-judge accuracy of a checkpoint on the gold sets, PyTorch side (the Swift test measures the GGUF).

Usage:
    python3 eval_rubric.py --run runs/judge-ft [--threads 1]

The score is computed as RubricJudge does it: P(k) for k = 2..9 is the probability of the digit token, P(10) is
P("1") * P("0" | "1"), P(1) is P("1") - P(10); the expectation over the ten, renormalised, passes at >= 5.
Prints per-set accuracy, mean scores of good and bad items, and the ranking AUC as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer

import corpus
from export_gguf import load_checkpoint

HERE = Path(__file__).resolve().parent
GOLD = HERE.parents[1] / "Tests" / "RefineryTests" / "Judges" / "Gold"


def score(m, tok: Tokenizer, prompt: str) -> float:
    ids = [0] + tok.encode(prompt, add_special_tokens=False).ids
    digit = {d: tok.token_to_id(str(d)) for d in range(10)}
    with torch.no_grad():
        logits = m(torch.tensor([ids]))[0][0, -1]
        p = torch.softmax(logits.double(), -1)
        after_one = torch.softmax(m(torch.tensor([ids + [digit[1]]]))[0][0, -1].double(), -1)
    probs = {k: float(p[digit[k]]) for k in range(2, 10)}
    probs[10] = float(p[digit[1]]) * float(after_one[digit[0]])
    probs[1] = max(0.0, float(p[digit[1]]) - probs[10])
    total = sum(probs.values())
    return sum(k * v for k, v in probs.items()) / total


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/judge-ft")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    m, _ = load_checkpoint(Path(a.run))
    tok = Tokenizer.from_file(str(HERE / "tokenizer.json"))
    out = {}
    for name, kind in [("rubric-math.jsonl", "judges/math-rubric"), ("rubric-code.jsonl", "judges/code-rubric")]:
        items = [json.loads(l) for l in (GOLD / name).read_text().splitlines()]
        if a.limit:
            items = items[: a.limit]
        scored = []
        kinds: dict[str, list[float]] = {}
        for it in items:
            if kind == "judges/math-rubric":
                prompt = corpus.render(kind, problem=it["problem"], solution=it["solution"])
            else:
                prompt = corpus.render(kind, problem=it["problem"], solution=it["solution"], tests=it["tests"])
            scored.append((score(m, tok, prompt), it["good"]))
            kinds.setdefault(it["corruption"] or "good", []).append(scored[-1][0])
        good = [s for s, g in scored if g]
        bad = [s for s, g in scored if not g]
        acc = sum((s >= 5) == g for s, g in scored) / len(scored)
        auc = sum((x > y) + 0.5 * (x == y) for x in good for y in bad) / max(1, len(good) * len(bad))
        out[name] = {"n": len(scored), "accuracy": round(acc, 3), "auc": round(auc, 3),
                     "mean_good": round(sum(good) / len(good), 2), "mean_bad": round(sum(bad) / len(bad), 2),
                     "mean_by_kind": {k: round(sum(v) / len(v), 2) for k, v in sorted(kinds.items())}}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
