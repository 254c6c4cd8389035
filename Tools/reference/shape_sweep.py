#!/usr/bin/env python3
"""Diffs the Swift runtime against the numpy reference on random model shapes.

Each round synthesizes a small random-weight hunyuan-moe file (`refinery model synthesize`) with a random shape
(hidden size, heads, KV heads, head dimension, experts, experts per token, FFN sizes, layers, cross-layer KV
sharing, tied head, weight type), runs a random prompt through `refinery model logits --all-positions` with float
and with int8 activations, and compares with `hunyuan_ref.py` (float64). Shapes the synthesizer refuses (a size
that is not a multiple of the weight type's block) are counted and skipped.

    python3 Tools/reference/shape_sweep.py --refinery .build/release/refinery --rounds 40 --seed 1

Exits 1 when any run fails or differs beyond the tolerances (relative to the largest reference logit).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def random_shape(rng):
    heads = rng.choice([1, 2, 3, 4, 6, 8])
    shape = {
        "type": rng.choice(["f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q6_k"]),
        "vocabulary": rng.choice([300, 512, 1000]),
        "embedding": rng.choice([32, 64, 96, 128, 160, 200, 256]),
        "layers": rng.randint(1, 4),
        "heads": heads,
        "kv-heads": rng.choice([d for d in range(1, heads + 1) if heads % d == 0]),
        "head-dim": rng.choice([16, 32, 48, 64, 80, 128]),
        "experts": rng.randint(1, 9),
        "expert-length": rng.choice([32, 48, 64, 100, 128]),
        "shared-length": rng.choice([32, 64, 96]),
        "context": 256,
    }
    shape["experts-used"] = rng.randint(1, shape["experts"])
    shape["cla-share-factor"] = rng.choice([1, 1, 2]) if shape["layers"] >= 2 else 1
    if shape["type"] in ("q4_k", "q6_k"):  # blocks of 256: most shapes would be refused
        shape.update({"embedding": 256, "expert-length": rng.choice([256, 512]), "shared-length": 256})
        shape["head-dim"] = rng.choice([d for d in (64, 128, 256) if (heads * d) % 256 == 0] or [256])
    return shape


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refinery", default=".build/release/refinery")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--float-tolerance", type=float, default=1e-4)
    parser.add_argument("--int8-tolerance", type=float, default=5e-2)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    failures, refused, compared, worst = 0, 0, 0, {"float": 0.0, "int8": 0.0}
    with tempfile.TemporaryDirectory() as directory:
        for round_index in range(options.rounds):
            shape = random_shape(rng)
            tied = rng.random() < 0.3
            path = os.path.join(directory, f"m{round_index}.gguf")
            flags = [f"--{key}={value}" for key, value in shape.items()] + (["--tied-output"] if tied else [])
            description = " ".join(flags)
            made = run([options.refinery, "model", "synthesize", path, f"--seed={round_index + 1000 * options.seed}"]
                       + flags)
            if made.returncode != 0:
                refused += 1
                continue
            tokens = ",".join(str(rng.randrange(shape["vocabulary"])) for _ in range(rng.randint(1, 40)))
            reference = run([sys.executable, os.path.join(HERE, "hunyuan_ref.py"), path, "--tokens", tokens,
                             "--all-positions"])
            if reference.returncode != 0:
                print(f"reference failed: {description}\n{reference.stderr[-500:]}")
                failures += 1
                continue
            expected = np.array(json.loads(reference.stdout)["logits"])
            for activations in ("float", "int8"):
                result = run([options.refinery, "model", "logits", path, "--tokens", tokens, "--all-positions",
                              "--activations", activations])
                if result.returncode != 0:
                    print(f"runtime failed ({activations}, exit {result.returncode}): {description}\n"
                          f"{result.stderr[-500:]}")
                    failures += 1
                    continue
                actual = np.array(json.loads(result.stdout)["logits"])
                if actual.shape != expected.shape:
                    print(f"shape {actual.shape} != {expected.shape} ({activations}): {description}")
                    failures += 1
                    continue
                error = float(np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-30))
                tolerance = options.float_tolerance if activations == "float" else options.int8_tolerance
                worst[activations] = max(worst[activations], error)
                compared += 1
                if error > tolerance:
                    print(f"relative error {error:.2e} > {tolerance:.0e} ({activations}): {description}")
                    failures += 1
            os.remove(path)
    print(f"{compared} runs compared, {refused} shapes refused by the synthesizer, {failures} failures; "
          f"worst relative error: float {worst['float']:.2e}, int8 {worst['int8']:.2e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
