#!/usr/bin/env python3
"""Optional cross-check of the numpy reference against llama.cpp itself (not used by tests or fixtures).

Needs a llama.cpp build (static libs) and the helper in this folder, built outside the repository, e.g.:

    cmake -S LLAMA_SRC -B /tmp/llama-build -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TOOLS=OFF \
          -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DGGML_OPENMP=OFF
    cmake --build /tmp/llama-build --target llama -j 2
    g++ -O2 -std=c++17 Tools/reference/llamacpp/llamacpp_logits.cpp -I LLAMA_SRC/include -I LLAMA_SRC/ggml/include \
        /tmp/llama-build/src/libllama.a /tmp/llama-build/ggml/src/libggml.a \
        /tmp/llama-build/ggml/src/libggml-cpu.a /tmp/llama-build/ggml/src/libggml-base.a -lpthread -ldl -lm \
        -o /tmp/llamacpp_logits

    python3 Tools/reference/llamacpp/crosscheck.py /tmp/llamacpp_logits Tests/MoETests/Fixtures/hy-llamacpp-f32.gguf

For each GGUF (tokens from the sibling .logits.json, or --tokens) it prints llama.cpp's max relative difference
against the float64 reference and against the reference with ggml-style activation rounding, with an f32 and an
f16 KV cache. llama.cpp only loads files without CLA sharing (it has no cla_share_factor) and always renormalises
the top-k weights, so files with cla_share_factor > 1 fail to load and top-1 files without renormalisation differ.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hunyuan_ref as ref  # noqa: E402


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--tokens", default="")
    args = ap.parse_args()
    for path in args.models:
        if args.tokens:
            tokens = [int(t) for t in args.tokens.split(",")]
        else:
            tokens = json.loads(path.with_suffix(".logits.json").read_text())["tokens"]
        model = ref.load_model(path)
        exact = ref.forward(model, tokens)
        for kv in ("f32kv", "f16kv"):
            run = subprocess.run([args.binary, str(path), ",".join(map(str, tokens)), kv],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                errors = [ln for ln in run.stderr.splitlines() if "error" in ln] or ["(no message)"]
                print(f"{path.name} {kv}: llama.cpp refused it (rc {run.returncode}): {errors[0].strip()}")
                continue
            got = np.array(json.loads(run.stdout)["logits"])
            aq = ref.forward(model, tokens, act_quant=True, kv_f16=(kv == "f16kv"))
            agree = float(np.mean(got.argmax(1) == exact.argmax(1)))
            print(f"{path.name} {kv}: vs reference {rel(got, exact):.3g}, vs act-quant reference "
                  f"{rel(got, aq):.3g}, argmax agreement {agree:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
