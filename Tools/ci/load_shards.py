"""Loads shards with Hugging Face `datasets` the way users will, and checks what came back.

usage: python3 Tools/ci/load_shards.py MANIFEST_DIR EXPECTED_RECORDS
Reads manifest.json, loads every listed shard with load_dataset("json", data_files=...) (grouped by split when the
manifest has splits), and checks the record count, the ids and the message structure. Prints one JSON line.
"""
import json
import os
import sys

import datasets


def main() -> int:
    root, expected = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    splits: dict[str, list[str]] = {}
    for shard in manifest["shards"]:
        splits.setdefault(shard.get("split") or "train", []).append(os.path.join(root, shard["file"]))
    loaded = datasets.load_dataset("json", data_files=splits)
    total = sum(len(loaded[name]) for name in loaded)
    ids = [row["id"] for name in loaded for row in loaded[name]]
    problems = []
    if total != expected:
        problems.append(f"loaded {total} records, expected {expected}")
    if len(set(ids)) != len(ids):
        problems.append("duplicate ids")
    for name in loaded:
        for row in loaded[name]:
            if [m["role"] for m in row["messages"]] != ["user", "assistant"]:
                problems.append(f"unexpected roles in {row['id']}")
                break
    print(json.dumps({"records": total, "splits": {n: len(loaded[n]) for n in loaded},
                      "columns": sorted(loaded[next(iter(loaded))].column_names), "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
