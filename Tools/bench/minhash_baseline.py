#!/usr/bin/env python3
"""datasketch MinHash baseline for `refinery bench dedup`.

Reads a JSONL file of {"text": ...} documents and does the same work as Refinery's signature step on one core:
NFKC + case fold, punctuation (Unicode category P*) to whitespace, split into words, word n-gram shingles
(words joined by one space; a text with fewer words than n is one shingle of all its words), then a datasketch
MinHash of `--num-perm` permutations per document via `update_batch`, reusing one permutation array (datasketch's
fastest documented use). Then the LSH step: MinHashLSH(params=(bands, rows)) insert of every signature followed by a
query of every signature (candidate lists).

Loading the file is not timed. Times are wall (perf_counter) and process CPU (process_time; numpy runs these
element-wise operations on one thread, so CPU time is per-core time). Prints one JSON object on stdout. Exits 3
with {"error": ...} when datasketch is not installed, so the caller can say so instead of inventing numbers.

Usage: minhash_baseline.py --input docs.jsonl [--num-perm 112] [--ngram 5] [--bands 14] [--rows 8]
       minhash_baseline.py --check
"""

import argparse
import json
import sys
import time
import unicodedata


def load_datasketch():
    try:
        import datasketch  # noqa: F401
        from datasketch import MinHash, MinHashLSH
    except ImportError as error:  # pragma: no cover - depends on the machine
        print(json.dumps({"error": f"datasketch is not installed ({error}); "
                                   "pip install -r Tools/bench/requirements.txt"}))
        sys.exit(3)
    version = getattr(datasketch, "__version__", "unknown")
    return MinHash, MinHashLSH, version


def punctuation_table():
    """Maps every Unicode punctuation code point (general category P*) to a space."""
    return {code: " " for code in range(sys.maxunicode + 1)
            if unicodedata.category(chr(code)).startswith("P")}


def shingles(text, ngram, table):
    words = unicodedata.normalize("NFKC", text).casefold()
    words = unicodedata.normalize("NFKC", words).translate(table).split()
    if not words:
        return []
    if len(words) < ngram:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i:i + ngram]).encode("utf-8") for i in range(len(words) - ngram + 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input")
    parser.add_argument("--num-perm", type=int, default=112)
    parser.add_argument("--ngram", type=int, default=5)
    parser.add_argument("--bands", type=int, default=14)
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--check", action="store_true", help="only report whether datasketch is importable")
    args = parser.parse_args()

    MinHash, MinHashLSH, version = load_datasketch()
    if args.check:
        print(json.dumps({"datasketch": version, "python": sys.version.split()[0]}))
        return
    if not args.input:
        parser.error("--input is required")
    if args.bands * args.rows > args.num_perm:
        parser.error("bands * rows must not exceed --num-perm")

    with open(args.input, encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    table = punctuation_table()
    permutations = MinHash(num_perm=args.num_perm).permutations
    total_bytes = sum(len(text.encode("utf-8")) for text in texts)

    start = time.perf_counter()
    start_cpu = time.process_time()
    all_shingles = [shingles(text, args.ngram, table) for text in texts]
    shingled = time.perf_counter()
    shingled_cpu = time.process_time()
    signatures = []
    for items in all_shingles:
        minhash = MinHash(num_perm=args.num_perm, permutations=permutations)
        if items:
            minhash.update_batch(items)
        signatures.append(minhash)
    hashed = time.perf_counter()
    hashed_cpu = time.process_time()

    lsh = MinHashLSH(num_perm=args.num_perm, params=(args.bands, args.rows))
    for index, minhash in enumerate(signatures):
        if all_shingles[index]:
            lsh.insert(index, minhash, check_duplication=False)
    candidate_pairs = 0
    for index, minhash in enumerate(signatures):
        if all_shingles[index]:
            candidate_pairs += sum(1 for other in lsh.query(minhash) if other > index)
    lsh_done = time.perf_counter()
    lsh_done_cpu = time.process_time()

    print(json.dumps({
        "datasketch": version,
        "python": sys.version.split()[0],
        "documents": len(texts),
        "bytes": total_bytes,
        "num_perm": args.num_perm,
        "ngram": args.ngram,
        "shingle_seconds": shingled - start,
        "minhash_seconds": hashed - shingled,
        "signature_seconds": hashed - start,
        "lsh_seconds": lsh_done - hashed,
        "shingle_cpu_seconds": shingled_cpu - start_cpu,
        "minhash_cpu_seconds": hashed_cpu - shingled_cpu,
        "signature_cpu_seconds": hashed_cpu - start_cpu,
        "lsh_cpu_seconds": lsh_done_cpu - hashed_cpu,
        "candidate_pairs": candidate_pairs,
    }))


if __name__ == "__main__":
    main()
