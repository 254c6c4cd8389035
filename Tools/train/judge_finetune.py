"""Builds the judge fine-tuning set: rubric examples with a weighted score token, mixed with replayed training docs.

Usage (from Tools/train, after corpus.py/tokenizer.py and make_judge_gold.py):
    python3 judge_finetune.py --rubric 24000 --out data/judge-ft
    python3 train.py --run runs/judge-ft --init runs/tiny/ckpt.pt --data data/judge-ft --lr 5e-4 --warmup 30 \\
        --hours 0.75
    python3 export_gguf.py --run runs/judge-ft

Why: in the base corpus a rubric example is ~150 prompt tokens and one score token, so grading was ~0.05% of the
completion loss and the model learned only the score distribution's mean (every item scored ~7). Here half of the
tokens are rubric examples (math and code, half good and half corrupted, drawn by `corpus.example_of_kind` from the
stream `judge-ft-{seed}-{i}`, which neither the corpus nor the gold sets use) whose score token carries mask weight
`--score-weight` (train.py multiplies the loss by the mask value); the other half replays documents of the base
corpus so generation does not degrade. Examples whose problem text occurs in a gold set under
Tests/RefineryTests/Judges/Gold are skipped, so the gold sets stay held out.

Output: OUT.ids.npy / OUT.mask.npy / OUT.docs.npy in the layout of tokenizer.py's `encode`.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

import corpus
from passages import PassageMaker
from tokenizer import BOS, EOS

HERE = Path(__file__).resolve().parent
GOLD = HERE.parents[1] / "Tests" / "RefineryTests" / "Judges" / "Gold"
SECTION = re.compile(r"(?:Problem|Task):\n(.*?)\n\n", re.S)


def gold_problems() -> set[str]:
    seen = set()
    for path in sorted(GOLD.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            seen.add(json.loads(line)["problem"])
    return seen


def rubric_examples(count: int, seed: int, exclude: set[str], math_fraction: float = 0.5) -> list[dict]:
    out, i, skipped, math = [], 0, 0, 0
    while len(out) < count:
        rng = random.Random(f"judge-ft-{seed}-{i}")
        i += 1
        pm = PassageMaker(rng)
        passage, facts = pm.make()
        # Deterministic interleaving: math while its share so far is below math_fraction.
        kind = "judges/math-rubric" if math < math_fraction * (len(out) + 1) else "judges/code-rubric"
        try:
            ex = corpus.example_of_kind(kind, rng, pm, passage, facts)
        except ValueError:
            continue
        m = SECTION.search(ex["prompt"])
        if m and m.group(1) in exclude:
            skipped += 1
            continue
        out.append(ex)
        math += kind == "judges/math-rubric"
    print(json.dumps({"rubric_examples": len(out), "math": math, "draws": i, "skipped_gold": skipped}),
          file=sys.stderr)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rubric", type=int, default=24000, help="rubric examples")
    ap.add_argument("--math-fraction", type=float, default=0.5, help="share of math rubric examples (rest code)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--score-weight", type=int, default=8, help="loss weight of the score token")
    ap.add_argument("--replay", type=float, default=1.0, help="replayed base-corpus tokens per rubric token")
    ap.add_argument("--base", default="data/tokens")
    ap.add_argument("--tokenizer", default="tokenizer.json")
    ap.add_argument("--out", default="data/judge-ft")
    a = ap.parse_args(argv)

    tok = Tokenizer.from_file(a.tokenizer)
    examples = rubric_examples(a.rubric, a.seed, gold_problems(), a.math_fraction)
    ids_chunks, mask_chunks = [], []
    pe = tok.encode_batch([e["prompt"] for e in examples], add_special_tokens=False)
    ce = tok.encode_batch([e["completion"] for e in examples], add_special_tokens=False)
    rubric_tokens = 0
    for p, c in zip(pe, ce):
        ids = [BOS] + p.ids + c.ids + [EOS]
        mask = [0] * (1 + len(p.ids)) + [a.score_weight] * len(c.ids) + [1]
        ids_chunks.append(np.asarray(ids, dtype=np.uint16))
        mask_chunks.append(np.asarray(mask, dtype=np.uint8))
        rubric_tokens += len(ids)

    base_ids = np.load(a.base + ".ids.npy", mmap_mode="r")
    base_mask = np.load(a.base + ".mask.npy", mmap_mode="r")
    base_docs = np.load(a.base + ".docs.npy")
    rng = np.random.default_rng(a.seed)
    replay_tokens, replayed = 0, 0
    for d in rng.permutation(len(base_docs) - 1):
        if replay_tokens >= a.replay * rubric_tokens:
            break
        s, e = int(base_docs[d]), int(base_docs[d + 1])
        ids_chunks.append(np.asarray(base_ids[s:e], dtype=np.uint16))
        mask_chunks.append(np.asarray(base_mask[s:e], dtype=np.uint8))
        replay_tokens += e - s
        replayed += 1

    starts = np.concatenate([[0], np.cumsum([len(c) for c in ids_chunks])]).astype(np.int64)
    np.save(a.out + ".ids.npy", np.concatenate(ids_chunks))
    np.save(a.out + ".mask.npy", np.concatenate(mask_chunks))
    np.save(a.out + ".docs.npy", starts)
    print(json.dumps({"documents": len(ids_chunks), "rubric_tokens": rubric_tokens, "replay_docs": replayed,
                      "replay_tokens": replay_tokens, "score_weight": a.score_weight}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
