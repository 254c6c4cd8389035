"""Prints a Markdown summary of a training run: progress, throughput, a loss table and an ASCII loss curve.

Usage:
    python3 summarize.py --run runs/tiny [--rows 12]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default=str(Path(__file__).resolve().parent / "runs/tiny"))
    ap.add_argument("--rows", type=int, default=12)
    a = ap.parse_args(argv)
    run = Path(a.run)
    by_step = {}
    for line in open(run / "log.jsonl"):
        if line.strip():
            r = json.loads(line)
            by_step[r["step"]] = r  # a resumed run re-logs the steps after its last checkpoint; keep the latest
    recs = [by_step[k] for k in sorted(by_step)]
    cfg = json.loads((run / "config.json").read_text())
    if not recs:
        print("no log lines yet")
        return 0
    last = recs[-1]
    tok_per_step = cfg["train"]["batch"] * cfg["model"]["ctx"]
    hours = last["elapsed_h"]
    budget = cfg["train"]["hours"]
    if (run / "hours").exists():
        budget = float((run / "hours").read_text().strip())
    print(f"- steps: {last['step']} ({last['step'] * tok_per_step / 1e6:.2f} M tokens incl. padding), "
          f"{hours:.2f} h of training time of a {budget} h budget, done: {(run / 'DONE').exists()}")
    print(f"- mean throughput: {last['step'] * tok_per_step / max(1e-9, hours * 3600):.0f} tokens/s")
    print(f"- last: loss {last['loss']}, completion loss (EMA) {last['comp_ema']}, lr {last['lr']}, "
          f"aux {last['aux']}, epoch {last['epoch']}")
    print()
    print("| step | hours | tokens (M) | loss (weighted) | completion loss (EMA) | lr |")
    print("|---:|---:|---:|---:|---:|---:|")
    n = len(recs)
    idx = sorted({min(n - 1, round(i * (n - 1) / max(1, a.rows - 1))) for i in range(a.rows)})
    for i in idx:
        r = recs[i]
        print(f"| {r['step']} | {r['elapsed_h']:.2f} | {r['step'] * tok_per_step / 1e6:.2f} | {r['loss']:.3f} | "
              f"{r['comp_ema']:.3f} | {r['lr']:.2e} |")
    print()
    width, height = 60, 12
    pts = [(r["step"], r["comp_ema"]) for r in recs]
    lo, hi = min(p[1] for p in pts), max(p[1] for p in pts[min(len(pts) - 1, 5):])
    grid = [[" "] * width for _ in range(height)]
    smax = pts[-1][0]
    for s, v in pts:
        x = min(width - 1, int(s / max(1, smax) * (width - 1)))
        y = min(height - 1, max(0, int((min(v, hi) - lo) / max(1e-9, hi - lo) * (height - 1))))
        grid[height - 1 - y][x] = "*"
    print("```")
    print(f"completion loss (EMA), {hi:.2f} (top) .. {lo:.2f} (bottom), steps 0 .. {smax}")
    for row in grid:
        print("|" + "".join(row))
    print("+" + "-" * width)
    print("```")
    rep = run / "report"
    if (rep / "experts.json").exists():
        ex = json.loads((rep / "experts.json").read_text())
        fr = ex["expert_fraction_per_layer"]
        print()
        print(f"Expert usage (share of top-{cfg['model']['top_k']} assignments, step {ex['step']}; uniform = "
              f"{1 / len(fr[0]):.3f}):")
        print()
        print("| layer | " + " | ".join(f"e{i}" for i in range(len(fr[0]))) + " | histogram |")
        print("|---:|" + "---:|" * len(fr[0]) + "---|")
        for li, row in enumerate(fr):
            bars = "".join(" ▁▂▃▄▅▆▇█"[min(8, int(v / max(max(r) for r in fr) * 8 + 0.5))] for v in row)
            print(f"| {li} | " + " | ".join(f"{v:.3f}" for v in row) + f" | `{bars}` |")
    for name in ("eval.json", "eval-greedy.json"):
        if (rep / name).exists():
            print()
            print(f"{name}: `{(rep / name).read_text().strip()}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
