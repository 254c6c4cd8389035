#!/usr/bin/env bash
# Exports the trained model to Models/ and writes the PyTorch-side report, once the run has finished.
#   bash Tools/train/finish.sh [RUN_DIR] [--wait]
# --wait: poll until RUN_DIR/DONE exists (used to chain it after training in the background).
# Outputs: Models/refinery-moe-tiny-{f32,q8_0}.gguf and RUN_DIR/report/{export.txt,summary.md,eval.json,
# eval-greedy.json,experts.json,samples.jsonl}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${1:-$here/runs/tiny}"
cd "$here"
if [[ "${2:-}" == "--wait" ]]; then
    while [[ ! -f "$run/DONE" ]]; do sleep 60; done
fi
mkdir -p "$run/report"
export OMP_WAIT_POLICY=PASSIVE
python3 export_gguf.py --run "$run" 2>&1 | tee "$run/report/export.txt"
python3 eval_torch.py --run "$run" --experts > "$run/report/experts.json"
python3 eval_torch.py --run "$run" --n 100 --temperature 0.8 --top-p 0.95 --threads 2 \
    --dump "$run/report/samples.jsonl" > "$run/report/eval.json"
python3 eval_torch.py --run "$run" --n 50 --temperature 0 --threads 2 > "$run/report/eval-greedy.json"
python3 summarize.py --run "$run" > "$run/report/summary.md"
cat "$run/report/summary.md"
