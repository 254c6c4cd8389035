#!/usr/bin/env python3
"""Builds the tokenizer fixtures used by Tests/MoETests/Tokenizer.

HuggingFace `tokenizers` (pinned in requirements.txt) is the ground truth. The script trains small byte-level BPE
tokenizers (vocab ~1000) on a fixed text, exports each one the way a GGUF file stores it (tokenizer.ggml.tokens in id
order, tokenizer.ggml.token_type, tokenizer.ggml.merges as "a b" strings) and records the ids HF produces for a list
of test strings. It also records the raw pre-tokenizer splits of the three supported regex families.

Usage:  pip install -r Tools/tokenizer-fixtures/requirements.txt
        python3 Tools/tokenizer-fixtures/make_fixtures.py [OUTPUT_DIR]
The default OUTPUT_DIR is Tests/MoETests/Tokenizer/Fixtures. The output is deterministic for a given tokenizers
version (training runs single-threaded).
"""

import json
import os
import random
import sys

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import tokenizers  # noqa: E402
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402

QWEN2_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA3_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)"
    r"|\s+"
)
GPT2_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

SPECIAL_TOKENS = ["<|bos|>", "<|eos|>", "<|pad|>"]
USER_DEFINED_TOKENS = ["<think>", "</think>"]  # HF added tokens with special=False -> GGUF type 4 (user-defined)

PROSE = """\
The quick brown fox jumps over the lazy dog. It wasn't the first time, and it won't be the last.
She said: "I'll be there at 10:30, don't wait for me!" They'd already left; we're still here, aren't we?
In 1969, 3 astronauts flew 384,400 km to the Moon. The mission cost about $25.8 billion (roughly 1.5% of GDP).
Tokenizers split text into pieces; byte-level BPE merges the most frequent pairs of symbols, one rank at a time.
A café in Zürich serves crème brûlée and naïve résumé writers. Ångström, façade, jalapeño, coöperate.
Generation stops when the model emits an end-of-sequence token or when a stop string appears in the output.
Every sample is judged twice: once by a program that checks the answer and once by a model that reads the reasoning.
Weather report: cloudy mornings, bright afternoons; temperatures between 12 and 19 degrees, winds from the west.
"""

CODE = """\
def fibonacci(n: int) -> int:
    if n < 2:
        return n
    return fibonacci(n - 1) + fibonacci(n - 2)

for i in range(10):
\tprint(f"{i:>3} -> {fibonacci(i)}")

struct Point: Hashable {
    var x: Double
    var y: Double
    func distance(to other: Point) -> Double {
        return ((x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)).squareRoot()
    }
}
{"name": "refinery", "version": "0.1.0", "tags": ["moe", "gguf"], "ok": true, "n": 12345}
let tokens = try tokenizer.encode(text, parseSpecial: true)
while !queue.isEmpty { let (rank, index) = queue.removeFirst(); merge(at: index, rank: rank) }
#include <stdio.h>
int main(void) { printf("%d\\n", 42); return 0; }
"""

MULTILINGUAL = """\
東京は日本の首都です。北京是中国的首都。서울은 한국의 수도입니다.
مرحبا بالعالم، كيف حالك؟ नमस्ते दुनिया, आप कैसे हैं? Привет, мир! Γειά σου κόσμε.
Emoji: 😀 👍🏽 👩‍💻 👨‍👩‍👧‍👦 🇯🇵 ❤️ ✨ 🚀
"""

WHITESPACE = "line one\r\nline two\r\n\r\n\tindented\n    four spaces\n\n\n  trailing  \n \t \n"
NUMBERS = "0 1 2 3 4 5 6 7 8 9 10 42 100 256 1024 65536 3.14159 2.71828 1e-9 0xFF 2024-06-01 12:34:56\n"


def training_text():
    """A fixed corpus: each block repeated a fixed number of times so that common pairs clearly win."""
    parts = []
    for i in range(40):
        parts.append(PROSE)
        parts.append(CODE)
        parts.append(NUMBERS)
        parts.append(WHITESPACE)
        if i % 2 == 0:
            parts.append(MULTILINGUAL)
        parts.append("Item %d of 40: the value is %d.\n" % (i, i * i * 37))
    return parts


TEST_STRINGS = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "hello   world   ",
    "   leading spaces",
    "trailing spaces   ",
    " ",
    "   ",
    "a  b   c    d",
    "tab\tseparated\t\tvalues\t",
    "line one\r\nline two\r\n",
    "\n\n\nthree newlines",
    "  \n  indented after newline",
    "x \r\n\t y",
    "12345",
    "3.14159 and 1,234,567.89",
    "1234567890123",
    "In 1969, 3 astronauts flew 384,400 km.",
    "I'LL go, don't worry, they'RE here, it'S fine, we've, I'm, he'd",
    "'s 'S 'ſ 'x",
    "rock'n'roll isn't it",
    "def f(x):\n    return x * 2\n\n\tif x:\n\t\tpass\n",
    'struct A {\n    var b: Int = 0 // comment\n}\n',
    '{"key": [1, 2, 3], "nested": {"ok": true}}',
    "café",
    "cafe\u0301",
    "e\u0301",
    "\u00e9",
    "re\u0301sume\u0301 vs r\u00e9sum\u00e9",
    "a\u0308\u0301\u0327 stacked marks",
    "東京は日本の首都です。",
    "北京是中国的首都",
    "서울은 한국의 수도입니다",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "Привет, мир!",
    "😀",
    "👍🏽",
    "👩‍💻 codes",
    "👨‍👩‍👧‍👦 family",
    "🇯🇵🇫🇷",
    "❤️✨🚀",
    "emoji😀inside",
    "Ⅻ ½ ٣٤٥ ²",
    "non\u00a0breaking\u3000ideographic\u0085next\u2028line",
    "zero\u200bwidth",
    "\x00\x01\x1b[31mred\x1b[0m",
    "private \ue000 and \U0010fffd and unassigned \u0378",
    # Assigned in Unicode 17.0, after the Unicode 16.0 data of tokenizers 0.23: still unassigned there.
    "new\u088fletters\u0c5c \U00011de0\U00011de1 digits",
    "<|bos|>Hello<|eos|>",
    "<|eos|>",
    "x<|eos|>y",
    "<|eos|><|bos|><|pad|>",
    "<|eos",
    "<|bo|s|>",
    " <|eos|> ",
    "<think>reasoning</think>answer",
    "<<|eos|>>",
    "a" * 300,
    "the" * 120,
    "東京" * 100,
    "fibonacci fibonacci(fibonacci) return returns",
    "Item 7 of 40: the value is 1813.",
]


def gguf_view(tok):
    """tokens/types/merges exactly as convert_hf_to_gguf would store them for a gpt2-type vocab."""
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    size = tok.get_vocab_size(with_added_tokens=True)
    tokens = [None] * size
    for text, idx in vocab.items():
        tokens[idx] = text
    types = [1] * size
    for added in data["added_tokens"]:
        tokens[added["id"]] = added["content"]
        types[added["id"]] = 3 if added["special"] else 4
    assert all(t is not None for t in tokens), "vocabulary ids are not dense"
    merges = []
    for m in data["model"]["merges"]:
        merges.append(m if isinstance(m, str) else " ".join(m))
    return tokens, types, merges


def make_tokenizer(regex, ignore_merges):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(regex), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(training_text(), trainer=trainer)
    tok.add_tokens(USER_DEFINED_TOKENS)
    return tok


def ignore_merges_words(tok, regex):
    """Whole vocabulary words whose BPE result is not the single token: they tell ignore_merges apart."""
    tokens, types, _ = gguf_view(tok)
    plain = Tokenizer.from_str(tok.to_str())
    plain.model.ignore_merges = False
    split = pre_tokenizers.Split(Regex(regex), behavior="isolated")
    byte_decoder = decoders.ByteLevel()
    found = []
    for idx, text in enumerate(tokens):
        if types[idx] != 1 or len(text) < 3:
            continue
        word = byte_decoder.decode([text])
        if "\ufffd" in word or [p for p, _ in split.pre_tokenize_str(word)] != [word]:
            continue
        if len(plain.encode(word).ids) > 1:
            found.append(word)
    return found[:8]


def cases_for(tok, strings):
    cases = []
    for text in strings:
        tok.encode_special_tokens = False
        ids = tok.encode(text).ids
        tok.encode_special_tokens = True
        ids_plain = tok.encode(text).ids
        tok.encode_special_tokens = False
        cases.append({
            "text": text,
            "ids": ids,
            "ids_no_special": ids_plain,
            "decoded": tok.decode(ids, skip_special_tokens=False),
            "decoded_skip_special": tok.decode(ids, skip_special_tokens=True),
        })
    return cases


def export(tok, pre, regex, ignore_merges, extra_strings):
    tokens, types, merges = gguf_view(tok)
    return {
        "generator": "Tools/tokenizer-fixtures/make_fixtures.py",
        "tokenizers_version": tokenizers.__version__,
        "model": "gpt2",
        "pre": pre,
        "regex": regex,
        "ignore_merges": ignore_merges,
        "bos_id": tok.token_to_id("<|bos|>"),
        "eos_id": tok.token_to_id("<|eos|>"),
        "pad_id": tok.token_to_id("<|pad|>"),
        "add_bos": False,
        "tokens": tokens,
        "token_types": types,
        "merges": merges,
        "cases": cases_for(tok, TEST_STRINGS + extra_strings),
    }


def handmade_ignore_merges():
    """A tiny hand-made vocabulary where ignore_merges changes the result: "abc" is a token, but BPE reaches
    "a" + "bc" because the merge "b c" outranks "a b" and there is no merge "a bc"."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    byte_symbols = sorted(alphabet)
    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS)}
    for sym in byte_symbols:
        vocab[sym] = len(vocab)
    merge_pairs = [("b", "c"), ("a", "b"), ("ab", "c"), ("\u0120", "a"), ("\u0120a", "bc"), ("x", "y"), ("xy", "z")]
    for a, b in merge_pairs:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
    result = {}
    for ignore in (False, True):
        tok = Tokenizer(models.BPE(vocab=dict(vocab), merges=list(merge_pairs), ignore_merges=ignore))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        tok.decoder = decoders.ByteLevel()
        tok.add_special_tokens(SPECIAL_TOKENS)
        result[ignore] = tok
    strings = ["abc", " abc", "abcabc", "xyz", "abc xyz abcd", "ab", "bc"]
    base = export(result[True], "llama-bpe", LLAMA3_REGEX, True, [])
    base["cases"] = cases_for(result[True], strings)
    base["cases_without_ignore_merges"] = cases_for(result[False], strings)
    return base


def random_strings(count, seed):
    """Short strings of scalars drawn from across the code space, weighted towards the characters that decide
    the regex branches (spaces, apostrophes, line breaks)."""
    rng = random.Random(seed)
    blocks = [(0x20, 0x7E)] * 4 + [
        (0x00, 0x1F), (0x7F, 0x2FF), (0x300, 0x36F), (0x370, 0x1FFF), (0x2000, 0x206F), (0x2070, 0x2FFF),
        (0x3000, 0x303F), (0x3040, 0x9FFF), (0xA000, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x1FFFF),
        (0x1F300, 0x1FAFF), (0x20000, 0x10FFFF),
    ]
    strings = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            if r < 0.1:
                parts.append(" ")
            elif r < 0.15:
                parts.append("'")
            elif r < 0.2:
                parts.append(rng.choice(["\n", "\r\n", "\t", "  "]))
            else:
                low, high = rng.choice(blocks)
                cp = rng.randint(low, high)
                parts.append(chr(0x41 if 0xD800 <= cp < 0xE000 else cp))
        strings.append("".join(parts))
    return strings


def pretokenizer_splits():
    strings = TEST_STRINGS + random_strings(200, seed=1)
    out = {}
    for name, regex in (("qwen2", QWEN2_REGEX), ("llama3", LLAMA3_REGEX), ("gpt2", GPT2_REGEX)):
        split = pre_tokenizers.Split(Regex(regex), behavior="isolated")
        out[name] = [{"text": s, "pieces": [p for p, _ in split.pre_tokenize_str(s)]} for s in strings]
    return out


def write(path, obj):
    with open(path, "w", encoding="ascii") as f:
        json.dump(obj, f, ensure_ascii=True, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "Tests", "MoETests", "Tokenizer", "Fixtures")
    out_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default_out)
    os.makedirs(out_dir, exist_ok=True)

    qwen2 = make_tokenizer(QWEN2_REGEX, ignore_merges=False)
    write(os.path.join(out_dir, "bpe-qwen2.json"), export(qwen2, "qwen2", QWEN2_REGEX, False, []))

    llama3 = make_tokenizer(LLAMA3_REGEX, ignore_merges=True)
    special_words = ignore_merges_words(llama3, LLAMA3_REGEX)
    print("llama3 words that ignore_merges changes: %r" % special_words)
    write(os.path.join(out_dir, "bpe-llama3.json"), export(llama3, "llama-bpe", LLAMA3_REGEX, True, special_words))

    gpt2 = make_tokenizer(GPT2_REGEX, ignore_merges=False)
    write(os.path.join(out_dir, "bpe-gpt2.json"), export(gpt2, "gpt-2", GPT2_REGEX, False, []))

    write(os.path.join(out_dir, "bpe-ignore-merges.json"), handmade_ignore_merges())
    write(os.path.join(out_dir, "pretokenizer-splits.json"), pretokenizer_splits())


if __name__ == "__main__":
    main()
