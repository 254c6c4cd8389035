"""Trains the byte-level BPE tokenizer and encodes the corpus into packed token arrays.

Usage:
    python3 tokenizer.py train  --corpus data/corpus.jsonl --out tokenizer.json [--vocab 4096]
    python3 tokenizer.py encode --corpus data/corpus.jsonl --tokenizer tokenizer.json --out data/tokens

Pre-tokenizer: a Split on the Qwen2 regex (behavior isolated, so every digit is its own pre-token) followed by
ByteLevel(add_prefix_space=False, use_regex=False); this is what GGUF `tokenizer.ggml.pre = "hunyuan"` means to
llama.cpp. Special tokens: <|bos|> = 0, <|eos|> = 1, <|pad|> = 2; then the 256 byte symbols; then merges.

`encode` writes data/tokens.ids.npy (uint16, every document as BOS + prompt + completion + EOS, concatenated),
data/tokens.mask.npy (uint8: 1 for completion tokens and the EOS, 0 for BOS and prompt) and data/tokens.docs.npy
(int64 start offsets). Prompt and completion are encoded separately and concatenated, exactly as the runtime sees
them: it encodes the rendered prompt, then generates.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                 r"\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|bos|>", "<|eos|>", "<|pad|>"]
BOS, EOS, PAD = 0, 1, 2


def new_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    return tok


def texts(path: str, limit: int):
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= limit:
                break
            ex = json.loads(line)
            yield ex["prompt"] + ex["completion"]


def train(corpus: str, out: str, vocab: int, limit: int) -> None:
    tok = new_tokenizer()
    trainer = trainers.BpeTrainer(vocab_size=vocab, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts(corpus, limit), trainer=trainer)
    for i, s in enumerate(SPECIALS):
        assert tok.token_to_id(s) == i, (s, tok.token_to_id(s))
    tok.save(out)
    print(f"vocab {tok.get_vocab_size()} saved to {out}")


def encode(corpus: str, tokenizer: str, out: str) -> None:
    tok = Tokenizer.from_file(tokenizer)
    assert tok.get_vocab_size() < 65536
    prompts, comps = [], []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            ex = json.loads(line)
            prompts.append(ex["prompt"])
            comps.append(ex["completion"])
    ids_chunks, mask_chunks, starts = [], [], []
    pos = 0
    B = 4096
    for b in range(0, len(prompts), B):
        pe = tok.encode_batch(prompts[b:b + B], add_special_tokens=False)
        ce = tok.encode_batch(comps[b:b + B], add_special_tokens=False)
        for p, c in zip(pe, ce):
            ids = [BOS] + p.ids + c.ids + [EOS]
            mask = [0] * (1 + len(p.ids)) + [1] * (len(c.ids) + 1)
            starts.append(pos)
            pos += len(ids)
            ids_chunks.append(np.asarray(ids, dtype=np.uint16))
            mask_chunks.append(np.asarray(mask, dtype=np.uint8))
    np.save(out + ".ids.npy", np.concatenate(ids_chunks))
    np.save(out + ".mask.npy", np.concatenate(mask_chunks))
    np.save(out + ".docs.npy", np.asarray(starts + [pos], dtype=np.int64))
    lens = np.diff(np.asarray(starts + [pos]))
    print(json.dumps({"documents": len(starts), "tokens": int(pos), "mean_len": float(lens.mean()),
                      "max_len": int(lens.max()), "p99_len": float(np.percentile(lens, 99)),
                      "completion_tokens": int(np.concatenate(mask_chunks).sum())}))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["train", "encode"])
    ap.add_argument("--corpus", default="data/corpus.jsonl")
    ap.add_argument("--tokenizer", default="tokenizer.json")
    ap.add_argument("--out", default=None)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--limit", type=int, default=60000, help="examples used to train the BPE")
    a = ap.parse_args(argv)
    if a.cmd == "train":
        train(a.corpus, a.out or "tokenizer.json", a.vocab, a.limit)
    else:
        encode(a.corpus, a.tokenizer, a.out or "data/tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
