#!/usr/bin/env bash
# Runtime vs llama.cpp on the same GGUF files, same machine, same thread count, interleaved in one run.
#
#   LLAMA_CPP_BIN=/path/to/llama.cpp/build/bin [TYPES="q8_0 q4_k f32"] Tools/bench/compare-llamacpp.sh [OUT_DIR] [ROUNDS]
#
# Writes (or reuses) OUT_DIR/bench-{q8_0,q4_k}.gguf (TYPES, default "q8_0 q4_k"; f32 is a 1.9 GB file), the issue's
# benchmark shape made by `refinery model synthesize`
# (hidden 1024, 8 layers, 8 heads x 128, 2 KV heads, 32 experts top-4 FFN 512, shared FFN 512, vocab 16384, random
# weights), and measures on each file and on the bundled model, ROUNDS times (default 2), alternating engines:
#   llama.cpp: llama-bench -t 2 -p 512 -n 128 (pp512, tg128) and llama-batched-bench -t 2 -npp 64 -ntg 32 -npl 16
#   refinery:  refinery bench model --prompt 512 --generate 128 --batch 16 --json (int8 activations; also float)
# and prints one JSON line per measurement to OUT_DIR/results.jsonl plus a summary table (best round per engine),
# the per-round ratios with their median, and refinery's resident set against GGUF size + KV cache (rss_ratio).
# llama.cpp is never part of this repository: build it yourself (CPU, Release, GGML_NATIVE=ON), e.g. from the
# ngxson/llama.cpp repository at tag b10573 (`cmake -B build -DLLAMA_BUILD_TOOLS=ON && cmake --build build
# --target llama-bench llama-batched-bench`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$here/.build/bench-compare}"
rounds="${2:-2}"
bin="${LLAMA_CPP_BIN:?set LLAMA_CPP_BIN to the folder holding llama-bench and llama-batched-bench}"
refinery="${REFINERY:-$here/.build/release/refinery}"
threads="${THREADS:-2}"
mkdir -p "$out"
[[ -x "$refinery" ]] || (cd "$here" && swift build -c release --product refinery)
models=()
for t in ${TYPES:-q8_0 q4_k}; do
    [[ -f "$out/bench-$t.gguf" ]] || "$refinery" model synthesize "$out/bench-$t.gguf" --type "$t"
    models+=("$out/bench-$t.gguf")
done
models+=("$here/Models/refinery-moe-tiny-q8_0.gguf" "$here/Models/refinery-moe-tiny-f32.gguf")
results="$out/results.jsonl"
: > "$results"
for ((r = 1; r <= rounds; r++)); do
    for m in "${models[@]}"; do
        name="$(basename "$m" .gguf)"
        cat "$m" > /dev/null   # page the file in (this VM evicts idle file pages)
        # Prompt of 512 does not fit the bundled model's 512-token context: 448 there, for both engines.
        ctx="$("$refinery" model info "$m" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["context_length"])')"
        p=512
        if (( ctx <= 512 )); then p=448; fi
        "$bin/llama-bench" -m "$m" -t "$threads" -p "$p" -n 128 -r 2 -o jsonl 2>/dev/null |
            python3 -c '
import json, sys
for line in sys.stdin:
    j = json.loads(line)
    kind = "prompt" if j["n_gen"] == 0 else "decode"
    print(json.dumps({"round": '"$r"', "model": "'"$name"'", "engine": "llama.cpp", "measure": kind,
                      "tokens_per_second": j["avg_ts"]}))' >> "$results" || true  # llama.cpp cannot read CLA files
        "$bin/llama-batched-bench" -m "$m" -t "$threads" -c 2048 -npp 64 -ntg 32 -npl 16 2>&1 |
            python3 -c '
import sys, json
for line in sys.stdin:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) >= 10 and cells[0].isdigit() and cells[2] == "16":
        print(json.dumps({"round": '"$r"', "model": "'"$name"'", "engine": "llama.cpp", "measure": "batch16",
                          "tokens_per_second": float(cells[7])}))' >> "$results" || true
        for act in int8 float; do
            "$refinery" bench model "$m" --prompt "$p" --generate 128 --batch 16 --threads "$threads" \
                --activations "$act" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
for kind, key in [("prompt", "prompt_tokens_per_second"), ("decode", "decode_tokens_per_second"),
                  ("batch16", "aggregate_tokens_per_second")]:
    print(json.dumps({"round": '"$r"', "model": "'"$name"'", "engine": "refinery-'"$act"'", "measure": kind,
                      "tokens_per_second": j[key], "rss_bytes": j["rss_bytes"], "rss_ratio": j["rss_ratio"],
                      "roofline": j["roofline_ratio"]}))' \
                >> "$results"
        done
    done
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
best = {}
for r in rows:
    k = (r["model"], r["measure"], r["engine"])
    best[k] = max(best.get(k, 0), r["tokens_per_second"])
models = sorted({r["model"] for r in rows})
engines = ["llama.cpp", "refinery-int8", "refinery-float"]
print(f"{'model':32} {'measure':8} " + " ".join(f"{e:>15}" for e in engines) + "   int8/llama  float/llama")
for m in models:
    for meas in ["prompt", "decode", "batch16"]:
        v = [best.get((m, meas, e), 0) for e in engines]
        ratio = lambda x: f"{x / v[0]:.2f}x" if v[0] else "-"
        print(f"{m:32} {meas:8} " + " ".join(f"{x:15.1f}" for x in v) + f"   {ratio(v[1]):>10}  {ratio(v[2]):>10}")
# The machine drifts between rounds: the ratio of the two engines within each round, and its median, say more than
# the ratio of the best rounds.
per_round = {}
for r in rows:
    per_round.setdefault((r["model"], r["measure"], r["round"]), {})[r["engine"]] = r["tokens_per_second"]
print()
print(f"{'model':32} {'measure':8}   int8/llama per round (same round)              median")
for m in models:
    for meas in ["prompt", "decode", "batch16"]:
        ratios = [d["refinery-int8"] / d["llama.cpp"] for (mm, me, _), d in sorted(per_round.items())
                  if mm == m and me == meas and d.get("llama.cpp") and d.get("refinery-int8")]
        if ratios:
            ordered = sorted(ratios)
            median = (ordered[len(ordered) // 2] + ordered[(len(ordered) - 1) // 2]) / 2
            print(f"{m:32} {meas:8}   " + " ".join(f"{x:.2f}" for x in ratios).ljust(44) + f" {median:.2f}x")
print()
print(f"{'model':32} engine           RSS MiB per round, and / (GGUF size + KV cache)      roofline per round")
for m in models:
    for e in engines[1:]:
        runs = [r for r in rows if r["model"] == m and r["engine"] == e and r["measure"] == "decode"]
        if runs:
            rss = " ".join(f"{r['rss_bytes'] / 1048576:.1f} ({r.get('rss_ratio', 0):.3f})" for r in runs)
            print(f"{m:32} {e:16} {rss:52} " + " ".join(f"{r['roofline']:.2f}" for r in runs))
PY
