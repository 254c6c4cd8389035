"""PyTorch-side sanity evaluation of a checkpoint on held-out seed passages.

Usage:
    python3 eval_torch.py --run runs/tiny --seeds data/heldout-seeds.jsonl --n 50 [--temperature 0.8 --top-p 0.95]
    python3 eval_torch.py --run runs/tiny --experts          # per-layer expert usage on a held-out batch

For each seed it renders Prompts/math/generate and Prompts/code/generate, samples a completion (stopping at EOS or
--max-tokens), and checks it with simple verifiers:
  math: parses "<problem>\\n\\nSolution:\\n<steps>\\n#### <answer>"; verified when every <<expr=result>> annotation is
        exact, there is at least one, and the final answer equals the last annotation's result.
  code: parses the Solution and Tests fenced blocks; passes when there are >= 3 asserts and
        `solution + "\\n\\n" + tests` exits 0 in a fresh `python3 -I` subprocess within 10 s.
Prints a JSON summary (and writes samples with --dump FILE).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import corpus
import mathgen
from export_gguf import load_checkpoint

BOS, EOS = 0, 1


def generate(m, ids: list[int], max_tokens: int, temperature: float, top_p: float, rng: torch.Generator) -> list[int]:
    caches: list = []
    out: list[int] = []
    ctx = m.c.ctx
    with torch.no_grad():
        logits = m(torch.tensor([ids]), caches=caches)[0][0, -1]
        for _ in range(max_tokens):
            if temperature <= 0:
                nxt = int(logits.argmax())
            else:
                p = torch.softmax(logits.float() / temperature, -1)
                sp, si = p.sort(descending=True)
                keep = (sp.cumsum(0) - sp) < top_p
                sp = sp * keep
                nxt = int(si[torch.multinomial(sp / sp.sum(), 1, generator=rng)])
            if nxt == EOS:
                break
            out.append(nxt)
            if len(ids) + len(out) >= ctx:
                break
            logits = m(torch.tensor([[nxt]]), caches=caches)[0][0, -1]
    return out


def check_math(text: str) -> dict:
    if "\n\nSolution:\n" not in text:
        return {"parsed": False, "verified": False, "reason": "no Solution: section"}
    sol = text.split("\n\nSolution:\n", 1)[1].rstrip()
    lines = sol.split("\n")
    if not lines[-1].startswith("#### "):
        return {"parsed": False, "verified": False, "reason": "no final answer line"}
    if not mathgen.ANN.search(sol):
        return {"parsed": True, "verified": False, "reason": "no annotations"}
    ok, why = mathgen.check_solution(sol)
    return {"parsed": True, "verified": ok, "reason": why}


BLOCK = re.compile(r"```python\n(.*?)\n```", re.S)


def check_code(text: str, timeout: float = 10.0) -> dict:
    if "\n\nSolution:\n" not in text or "\n\nTests:\n" not in text:
        return {"parsed": False, "passed": False, "reason": "missing Solution or Tests section"}
    sol_part, test_part = text.split("\n\nTests:\n", 1)
    s, t = BLOCK.search(sol_part), BLOCK.search(test_part + "\n")
    if not s or not t:
        return {"parsed": False, "passed": False, "reason": "missing fenced block"}
    tests = t.group(1)
    if sum(1 for l in tests.split("\n") if l.startswith("assert ")) < 3:
        return {"parsed": True, "passed": False, "reason": "fewer than three asserts"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(s.group(1) + "\n\n" + tests + "\n")
        path = f.name
    try:
        r = subprocess.run([sys.executable, "-I", path], capture_output=True, timeout=timeout, text=True)
        ok = r.returncode == 0
        reason = "ok" if ok else (r.stderr.strip().split("\n")[-1] if r.stderr else f"exit {r.returncode}")
    except subprocess.TimeoutExpired:
        ok, reason = False, "timeout"
    finally:
        Path(path).unlink(missing_ok=True)
    return {"parsed": True, "passed": ok, "reason": reason}


def expert_usage(m, n_docs: int = 64) -> list[list[float]]:
    """Fraction of top-k assignments per expert, per layer, on fresh examples from an unseen corpus seed."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(Path(__file__).parent / "tokenizer.json"))
    totals = None
    with torch.no_grad():
        for i in range(n_docs):
            try:
                ex = corpus.make_example(987654, i)
            except ValueError:
                continue
            ids = [BOS] + tok.encode(ex["prompt"] + ex["completion"], add_special_tokens=False).ids + [EOS]
            _, _, counts = m(torch.tensor([ids[: m.c.ctx]]))
            cs = torch.stack(counts).float()
            totals = cs if totals is None else totals + cs
    frac = totals / totals.sum(-1, keepdim=True)
    return [[round(float(x), 3) for x in row] for row in frac]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = Path(__file__).resolve().parent
    ap.add_argument("--run", default=str(here / "runs/tiny"))
    ap.add_argument("--seeds", default=str(here / "data/heldout-seeds.jsonl"))
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--max-tokens", type=int, default=384)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tasks", default="math,code")
    ap.add_argument("--dump", default="")
    ap.add_argument("--experts", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    m, ck = load_checkpoint(Path(a.run))
    if a.experts:
        print(json.dumps({"step": ck["step"], "expert_fraction_per_layer": expert_usage(m)}))
        return 0
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(here / "tokenizer.json"))
    seeds = [json.loads(l)["text"] for l in open(a.seeds, encoding="utf-8")][: a.n]
    rng = torch.Generator().manual_seed(a.seed)
    res = {"math": [], "code": []}
    dump = []
    t0 = time.time()
    for i, passage in enumerate(seeds):
        for task in a.tasks.split(","):
            prompt = corpus.render(f"{task}/generate", passage=passage)
            ids = [BOS] + tok.encode(prompt, add_special_tokens=False).ids
            out = generate(m, ids, a.max_tokens, a.temperature, a.top_p, rng)
            text = tok.decode(out)
            r = check_math(text) if task == "math" else check_code(text)
            res[task].append(r)
            dump.append({"seed": i, "task": task, "completion": text, **r})
    summary = {"step": ck["step"], "seeds": len(seeds), "temperature": a.temperature, "top_p": a.top_p,
               "seconds": round(time.time() - t0, 1)}
    for task, rs in res.items():
        if not rs:
            continue
        key = "verified" if task == "math" else "passed"
        summary[task] = {"n": len(rs), key: round(sum(r[key] for r in rs) / len(rs), 3),
                         "parse_failure": round(sum(not r["parsed"] for r in rs) / len(rs), 3)}
    print(json.dumps(summary))
    if a.dump:
        with open(a.dump, "w", encoding="utf-8") as f:
            for d in dump:
                f.write(json.dumps(d) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
