#!/usr/bin/env python3
"""Build the MoE runtime's test fixtures (Tests/MoETests/Fixtures/) deterministically.

    nice -n 10 python3 Tools/reference/make_fixtures.py [--out Tests/MoETests/Fixtures] [--bundled MODEL.gguf]

Writes:
  * tiny random hunyuan-moe models (`hy-*.gguf`), each with `hy-*.logits.json`: a fixed token sequence, the float64
    reference logits for all positions, the measured drift of an activation-quantizing runtime, the recommended
    tolerance and the `refinery model info` figures;
  * dequantization fixtures (`dequant-<type>.gguf` + `dequant-<type>.f32`) for F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K;
  * `hunyuan-large-meta.gguf` (metadata only, no tensors) + `hunyuan-large-meta.info.json`;
  * optionally `bundled-model-logits.json` for the repository's bundled model.
Same bytes on every run: fixed seeds, no timestamps. See Fixtures/README.md for what each file tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gguf  # noqa: E402
from gguf import GGMLQuantizationType as QT  # noqa: E402
from gguf import GGUFWriter  # noqa: E402
from gguf.quants import dequantize, quantize  # noqa: E402

import hunyuan_ref as ref  # noqa: E402
import quantize as qz  # noqa: E402

ARCH = ref.ARCH
REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "Tests" / "MoETests" / "Fixtures"

# ---------------------------------------------------------------------------------------------------------------
# Tokenizer: the 256 byte-level symbols (id = byte value), a few merges, two control tokens.

MERGES = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "o n", "Ġ s"]
BOS, EOS = "<|bos|>", "<|eos|>"


def byte_symbols() -> list[str]:
    """GPT-2 byte-to-unicode table: printable Latin-1 bytes map to themselves, the rest to U+0100 upward."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(0x100 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def vocab() -> tuple[list[str], list[int]]:
    tokens = byte_symbols() + [m.replace(" ", "") for m in MERGES] + [BOS, EOS]
    types = [gguf.TokenType.NORMAL] * (len(tokens) - 2) + [gguf.TokenType.CONTROL] * 2
    assert len(set(tokens)) == len(tokens)
    return tokens, [int(t) for t in types]


TOKENS, TOKEN_TYPES = vocab()
N_VOCAB = len(TOKENS)             # 266
BOS_ID, EOS_ID = N_VOCAB - 2, N_VOCAB - 1


def add_tokenizer(w: GGUFWriter) -> None:
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("hunyuan")
    w.add_token_list(TOKENS)
    w.add_token_types(TOKEN_TYPES)
    w.add_token_merges(MERGES)
    w.add_bos_token_id(BOS_ID)
    w.add_eos_token_id(EOS_ID)


# ---------------------------------------------------------------------------------------------------------------
# Model specs


@dataclass(frozen=True)
class Spec:
    name: str
    purpose: str
    wtype: QT                       # type of 2-D/3-D weights (see tensor_type for exceptions)
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_expert: int
    n_expert_used: int
    ffn_exp: int
    ffn_shexp: int
    tied: bool
    seed: int
    head_dim: int | None = None     # written as attention.key_length/value_length when set
    cla: int | None = None          # None: key absent (default 1)
    norm_w: bool | None = None      # None: key absent (default true)
    rope_base: float | None = 10000.0   # None: key absent (default 10000)
    eps: float = 1e-5
    n_tokens: int = 12
    llama_cpp_style: bool = False   # only keys llama.cpp's converter writes
    alignment: int | None = None    # general.alignment (tensor data alignment; GGUF default 32)


SPECS = [
    Spec("hy-f32-cla1-gqa1-top2", "F32; CLA 1 (key written as 1); GQA ratio 1; top-2 with renormalisation (key written "
         "true); untied output", QT.F32, n_embd=32, n_layer=2, n_head=4, n_head_kv=4, n_expert=4, n_expert_used=2,
         ffn_exp=16, ffn_shexp=32, tied=False, seed=101, cla=1, norm_w=True, rope_base=10000.0, n_tokens=16),
    Spec("hy-f32-cla2-gqa2-top1", "F32; CLA 2 (layers 1, 3 reuse K/V of 0, 2); GQA 2; top-1 WITHOUT renormalisation; "
         "tied output (no output.weight); rope.freq_base absent (default 10000)", QT.F32, n_embd=32, n_layer=4,
         n_head=4, n_head_kv=2, n_expert=4, n_expert_used=1, ffn_exp=16, ffn_shexp=16, tied=True, seed=102, cla=2,
         norm_w=False, rope_base=None),
    Spec("hy-f32-cla3-gqa4-top2", "F32; CLA 3 over 4 layers (groups {0,1,2}, {3}); GQA 4 (one KV head); "
         "attention.key_length 16 != n_embd/n_head 8 (q width 64 != n_embd 32); 6 experts top-2 renormalised; "
         "untied; rope.freq_base 1e6", QT.F32, n_embd=32, n_layer=4, n_head=4, n_head_kv=1, n_expert=6,
         n_expert_used=2, ffn_exp=16, ffn_shexp=16, tied=False, seed=103, head_dim=16, cla=3, norm_w=True,
         rope_base=1e6, eps=1e-6),
    Spec("hy-f16-cla1-gqa2-top2", "F16 weights (norms F32); CLA 1; GQA 2; top-2 renormalised; tied; "
         "general.alignment 64 (not the default 32)", QT.F16, n_embd=64, n_layer=2, n_head=4, n_head_kv=2, n_expert=4,
         n_expert_used=2, ffn_exp=32, ffn_shexp=32, tied=True, seed=104, cla=1, norm_w=True, rope_base=500000.0,
         alignment=64),
    Spec("hy-q8_0-cla2-gqa4-top1", "Q8_0 weights (norms and router F32, as llama.cpp quantizes); CLA 2; GQA 4; "
         "top-1 without renormalisation (Hunyuan-Large routing); untied", QT.Q8_0, n_embd=64, n_layer=4, n_head=4,
         n_head_kv=1, n_expert=4, n_expert_used=1, ffn_exp=32, ffn_shexp=64, tied=False, seed=105, cla=2,
         norm_w=False, rope_base=10000.0),
    Spec("hy-q4_k-cla1-gqa2-top2", "Q4_K weights where rows are 256 wide (token_embd, attn_q/k/o, ffn gate/up, "
         "shexp gate/up); attn_v and output Q6_K (as llama.cpp's Q4_K_M); ffn_down_exps/shexp (rows 32/64) Q8_0; "
         "router and norms F32; CLA 1; GQA 2; top-2 renormalised; untied", QT.Q4_K, n_embd=256, n_layer=2,
         n_head=4, n_head_kv=2, n_expert=4, n_expert_used=2, ffn_exp=32, ffn_shexp=64, tied=False, seed=106,
         head_dim=64, cla=1, norm_w=True, rope_base=10000.0),
    Spec("hy-llamacpp-f32", "llama.cpp conventions only: no extension keys (CLA 1, renormalisation on by default), "
         "keys as convert_hf_to_gguf.py writes them (feed_forward_length == expert FFN, expert_shared_count, "
         "rope.dimension_count, rope.scaling.type none, file_type, quantization_version); F32; GQA 2; top-2; untied",
         QT.F32, n_embd=32, n_layer=2, n_head=4, n_head_kv=2, n_expert=4, n_expert_used=2, ffn_exp=16, ffn_shexp=16,
         tied=False, seed=107, rope_base=10000.0, llama_cpp_style=True),
]


# Gain of the projections that write into the residual stream (attn_output, ffn_down_*). Below 1 each layer adds
# a modest update to the residual, as in trained models, so activation rounding is not amplified layer after layer.
GAIN_OUT = 0.5


def head_dim(s: Spec) -> int:
    return s.head_dim if s.head_dim is not None else s.n_embd // s.n_head


def tensor_type(s: Spec, name: str, shape: tuple[int, ...]) -> QT:
    """Storage type of a tensor: norms and router stay F32 (llama.cpp never quantizes them)."""
    if len(shape) == 1 or name.endswith("ffn_gate_inp.weight") and s.wtype != QT.F16:
        return QT.F32
    if s.wtype == QT.Q4_K:
        if name.endswith("attn_v.weight") or name == "output.weight":
            return QT.Q6_K
        return QT.Q4_K if shape[-1] % 256 == 0 else QT.Q8_0
    return s.wtype


def model_tensors(s: Spec) -> dict[str, np.ndarray]:
    """Float32 master weights in numpy order (out, in) / (expert, out, in); scaled so logits are O(1)-O(10)."""
    rng = np.random.default_rng(s.seed)
    d, hd = s.n_embd, head_dim(s)

    def lin(out: int, inp: int, gain: float = 1.0, *lead: int) -> np.ndarray:
        return (rng.standard_normal((*lead, out, inp)) * gain / np.sqrt(inp)).astype(np.float32)

    def norm(n: int) -> np.ndarray:
        return (1.0 + 0.2 * rng.standard_normal(n)).astype(np.float32)

    t: dict[str, np.ndarray] = {}
    t["token_embd.weight"] = (rng.standard_normal((N_VOCAB, d)) * 3.0 / np.sqrt(d)).astype(np.float32)
    f = s.cla or 1
    for i in range(s.n_layer):
        p = f"blk.{i}."
        t[p + "attn_norm.weight"] = norm(d)
        t[p + "attn_q.weight"] = lin(s.n_head * hd, d)
        if i % f == 0:
            t[p + "attn_k.weight"] = lin(s.n_head_kv * hd, d)
            t[p + "attn_v.weight"] = lin(s.n_head_kv * hd, d)
        t[p + "attn_output.weight"] = lin(d, s.n_head * hd, GAIN_OUT)
        t[p + "attn_q_norm.weight"] = norm(hd)
        t[p + "attn_k_norm.weight"] = norm(hd)
        t[p + "ffn_norm.weight"] = norm(d)
        t[p + "ffn_gate_inp.weight"] = lin(s.n_expert, d, 2.5)
        t[p + "ffn_gate_exps.weight"] = lin(s.ffn_exp, d, 1.5, s.n_expert)
        t[p + "ffn_up_exps.weight"] = lin(s.ffn_exp, d, 1.5, s.n_expert)
        t[p + "ffn_down_exps.weight"] = lin(d, s.ffn_exp, GAIN_OUT, s.n_expert)
        t[p + "ffn_gate_shexp.weight"] = lin(s.ffn_shexp, d, 1.5)
        t[p + "ffn_up_shexp.weight"] = lin(s.ffn_shexp, d, 1.5)
        t[p + "ffn_down_shexp.weight"] = lin(d, s.ffn_shexp, GAIN_OUT)
    t["output_norm.weight"] = norm(d)
    if not s.tied:
        t["output.weight"] = lin(N_VOCAB, d, 3.0)
    return t


def encode(data: np.ndarray, qtype: QT) -> np.ndarray:
    """Raw tensor payload for `qtype` (float arrays for F32/F16, uint8 blocks otherwise)."""
    if qtype == QT.F32:
        return data.astype(np.float32)
    if qtype == QT.F16:
        return data.astype(np.float16)
    if qtype == QT.Q4_K:
        raw = qz.quantize_q4_k(data)
    elif qtype == QT.Q6_K:
        raw = qz.quantize_q6_k(data)
    else:
        raw = quantize(data.astype(np.float32), qtype)
    back = dequantize(raw, qtype)
    if back.shape != data.shape or not np.all(np.isfinite(back)):
        raise RuntimeError(f"{qtype.name} round trip failed")
    return raw


def add_tensor(w: GGUFWriter, name: str, data: np.ndarray, qtype: QT) -> None:
    raw = encode(data, qtype)
    if qtype in (QT.F32, QT.F16):
        w.add_tensor(name, raw)
    else:
        w.add_tensor(name, raw, raw_shape=raw.shape, raw_dtype=qtype)


FILE_TYPE = {QT.F32: gguf.LlamaFileType.ALL_F32, QT.F16: gguf.LlamaFileType.MOSTLY_F16,
             QT.Q8_0: gguf.LlamaFileType.MOSTLY_Q8_0, QT.Q4_K: gguf.LlamaFileType.MOSTLY_Q4_K_M}


def header_end(path: Path) -> int:
    """Byte offset just past the last tensor info (before the padding up to the data section)."""
    r = gguf.GGUFReader(str(path))
    if not r.tensors:
        return int(r.data_offset)
    f = r.tensors[-1].field
    return int(f.offset + sum(p.nbytes for p in f.parts))


def write_model(s: Spec, path: Path) -> dict[str, np.ndarray]:
    """Write the model; with a custom alignment, pad general.name until the header ends where rounding up to 32
    and to the real alignment disagree, so a reader that ignores general.alignment reads the wrong bytes."""
    for pad in range(64):
        tensors = write_model_once(s, path, s.name + " " * pad)
        if s.alignment is None:
            return tensors
        end = header_end(path)
        if -(-end // 32) * 32 != -(-end // s.alignment) * s.alignment:
            return tensors
    raise RuntimeError("could not place the header end for the alignment test")


def write_model_once(s: Spec, path: Path, name: str) -> dict[str, np.ndarray]:
    tensors = model_tensors(s)
    w = GGUFWriter(str(path), ARCH)
    if s.alignment is not None:
        w.add_custom_alignment(s.alignment)
    w.add_name(name)
    w.add_context_length(4096)
    w.add_embedding_length(s.n_embd)
    w.add_block_count(s.n_layer)
    w.add_feed_forward_length(s.ffn_exp)        # llama.cpp sizes ffn_*_exps by feed_forward_length
    w.add_head_count(s.n_head)
    w.add_head_count_kv(s.n_head_kv)
    if s.rope_base is not None:
        w.add_rope_freq_base(s.rope_base)
    w.add_layer_norm_rms_eps(s.eps)
    w.add_expert_count(s.n_expert)
    w.add_expert_used_count(s.n_expert_used)
    w.add_file_type(int(FILE_TYPE[s.wtype]))
    w.add_expert_shared_feed_forward_length(s.ffn_shexp)
    w.add_expert_feed_forward_length(s.ffn_exp)
    w.add_expert_shared_count(1)
    if s.head_dim is not None:
        w.add_key_length(s.head_dim)
        w.add_value_length(s.head_dim)
    if s.llama_cpp_style:
        w.add_rope_dimension_count(head_dim(s))
        w.add_rope_scaling_type(gguf.RopeScalingType.NONE)
        w.add_rope_scaling_factor(1.0)
        w.add_rope_scaling_orig_ctx_len(4096)
    else:
        if s.cla is not None:
            w.add_uint32(f"{ARCH}.attention.cla_share_factor", s.cla)
        if s.norm_w is not None:
            w.add_bool(f"{ARCH}.expert_weights_norm", s.norm_w)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    add_tokenizer(w)
    for name, data in tensors.items():
        add_tensor(w, name, data, tensor_type(s, name, data.shape))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return tensors


# ---------------------------------------------------------------------------------------------------------------
# Parameter and KV-cache figures (what `refinery model info` reports)


def info_figures(n_vocab: int, n_embd: int, n_layer: int, n_head: int, n_head_kv: int, hd: int, n_expert: int,
                 n_used: int, ffn_exp: int, ffn_shexp: int, cla: int, tied: bool) -> dict:
    """Counts every weight element. Active = total minus the routed experts a token does not use."""
    kv_layers = sum(1 for i in range(n_layer) if i % cla == 0)
    attn = n_layer * (2 * n_embd * n_head * hd + 2 * hd) + kv_layers * 2 * n_embd * n_head_kv * hd
    expert = 3 * n_embd * ffn_exp
    ffn = n_layer * (n_expert * expert + 3 * n_embd * ffn_shexp + n_embd * n_expert)
    norms = n_layer * 2 * n_embd + n_embd
    embd = n_vocab * n_embd * (1 if tied else 2)
    total = attn + ffn + norms + embd
    active = total - n_layer * (n_expert - n_used) * expert
    kv_elems = 2 * kv_layers * n_head_kv * hd
    mha_elems = 2 * n_layer * n_head * hd
    return {
        "parameters_total": total,
        "parameters_active": active,
        "kv_bytes_per_token": {"f16": 2 * kv_elems, "f32": 4 * kv_elems},
        "kv_bytes_per_token_mha": {"f16": 2 * mha_elems, "f32": 4 * mha_elems},
        "kv_fraction_of_mha": kv_elems / mha_elems,
    }


def spec_info(s: Spec, tensors: dict[str, np.ndarray]) -> dict:
    fig = info_figures(N_VOCAB, s.n_embd, s.n_layer, s.n_head, s.n_head_kv, head_dim(s), s.n_expert,
                       s.n_expert_used, s.ffn_exp, s.ffn_shexp, s.cla or 1, s.tied)
    counted = sum(int(np.prod(t.shape)) for t in tensors.values())
    assert counted == fig["parameters_total"], (s.name, counted, fig["parameters_total"])
    return {"architecture": ARCH, **fig}


# ---------------------------------------------------------------------------------------------------------------
# Reference logits, token choice, tolerances


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def pick_tokens(model: ref.Model, n: int, seed: int, quantized: bool, bos: int | None = BOS_ID,
                max_id: int | None = None) -> tuple[list[int], float]:
    """A token sequence whose expert routing is far from a tie everywhere: among up to 64 candidates (the first led
    by BOS), the one with the largest minimum gap between the k-th and (k+1)-th expert probability, over the exact
    path and, for quantized weights, the activation-quantized path, which must also select the same experts. So
    neither float32 rounding nor activation quantization can flip an expert choice."""
    rng = np.random.default_rng(seed)
    best: tuple[float, list[int]] | None = None
    for c in range(64):
        lead = [bos] if c == 0 and bos is not None else []
        toks = lead + [int(v) for v in rng.integers(0, max_id or model.hp.n_vocab, n - len(lead))]
        exact = ref.routing(model, toks)
        gap = min(r["min_gap"] for r in exact)
        if quantized:
            aq = ref.routing(model, toks, act_quant=True)
            if any(x["experts"] != y["experts"] for x, y in zip(exact, aq)):
                continue
            gap = min(gap, min(r["min_gap"] for r in aq))
        if best is None or gap > best[0]:
            best = (gap, toks)
        if gap >= 0.03:
            break
    if best is None:
        raise RuntimeError("no candidate token sequence routes identically with quantized activations")
    return best[1], best[0]


def nice_ceiling(x: float) -> float:
    """Smallest of 1, 2, 5 x 10^n that is >= x."""
    exp = int(np.floor(np.log10(x)))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** exp >= x * (1 - 1e-12):
            return float(f"{m * 10.0 ** exp:.0e}")
    return x


def tol(measured: float, factor: float = 4.0) -> float:
    """Recommended tolerance: `factor` x the measured drift, rounded up to 1/2/5 x 10^n, never below 1e-4."""
    return nice_ceiling(max(factor * measured, 1e-4))


def fmt_rows(a: np.ndarray) -> list[list[float]]:
    return [[float(f"{v:.9g}") for v in row] for row in a]


def dump_json(obj) -> str:
    """JSON with one line per innermost list of scalars (compact rows, readable structure, stable bytes)."""
    def enc(o, ind: str) -> str:
        if isinstance(o, dict):
            if not o:
                return "{}"
            items = [f'{ind} {json.dumps(k)}: {enc(v, ind + " ")}' for k, v in o.items()]
            return "{\n" + ",\n".join(items) + "\n" + ind + "}"
        if isinstance(o, list) and o and any(isinstance(v, (list, dict)) for v in o):
            return "[\n" + ",\n".join(f"{ind} {enc(v, ind + ' ')}" for v in o) + "\n" + ind + "]"
        return json.dumps(o)
    return enc(obj, "") + "\n"


def r3(x: float) -> float:
    return float(f"{x:.3g}")


def measure(model: ref.Model, tokens: list[int], quantized: bool) -> tuple[np.ndarray, dict, dict]:
    """Exact float64 logits, the drifts of emulated runtimes against them, and the tolerances derived."""
    fwd = lambda **kw: ref.forward(model, tokens, **kw)  # noqa: E731
    exact = fwd()
    measured = {
        "float32": rel_err(fwd(dtype=np.float32), exact),
        "float32_jitter": rel_err(fwd(dtype=np.float32, jitter=1e-6), exact),
        "float32_kv_f16": rel_err(fwd(dtype=np.float32, kv_f16=True), exact),
    }
    tolerance = {
        "logits": tol(max(measured["float32"], measured["float32_jitter"])),
        "logits_kv_f16": tol(measured["float32_kv_f16"]),
    }
    if quantized:
        # Activation rounding is discontinuous: a runtime whose float32 sums differ by 1e-6 flips some roundings,
        # and each flip is a whole quantization step. So measure an ensemble (exact inputs + 4 jittered runs, with
        # f32 and f16 KV) and recommend 2x its worst case.
        runs = [fwd(act_quant=True), fwd(act_quant=True, kv_f16=True)]
        for seed in range(4):
            runs.append(fwd(act_quant=True, kv_f16=seed % 2 == 1, dtype=np.float32, jitter=1e-6, seed=seed))
        drift = [rel_err(r, exact) for r in runs]
        measured["act_quant"] = drift[0]
        measured["act_quant_kv_f16"] = drift[1]
        measured["act_quant_worst_of_6"] = max(drift)
        tolerance["logits_act_quant"] = tol(max(drift), factor=2.0)
    return exact, measured, tolerance


def model_fixture(s: Spec, out: Path) -> dict:
    path = out / f"{s.name}.gguf"
    master = write_model(s, path)
    model = ref.load_model(path)
    quantized = s.wtype != QT.F32
    tokens, gap = pick_tokens(model, s.n_tokens, s.seed, quantized)
    exact, measured, tolerance = measure(model, tokens, quantized)
    master_model = ref.Model(hp=model.hp, tensors={k: v.astype(np.float64) for k, v in master.items()})
    quant_loss = rel_err(ref.forward(master_model, tokens), exact)
    fixture = {
        "model": path.name,
        "purpose": s.purpose,
        "weight_types": sorted({t.name for t in model.types.values()}),
        "tokens": tokens,
        "all_positions": True,
        "tolerance_definition": "max over positions and vocab of |runtime - reference| / max |reference|",
        "tolerance": tolerance,
        "tolerance_use": {
            "logits": "runtime computes in float32 on the exactly dequantized weights (plain reference kernels, "
                      "float32 activations, float32 KV cache)",
            "logits_kv_f16": "same, with an f16 KV cache",
            "logits_act_quant": "optimized runtime that rounds matmul inputs like ggml (Q8_0 for Q8_0/Q4_0 weights, "
                                "Q8_K for K-quants, f16 for F16), f32 or f16 KV cache",
        },
        "max_abs_logit": float(np.max(np.abs(exact))),
        "measured_relative_drift": {k: r3(v) for k, v in measured.items()},
        "quantization_loss_vs_unquantized_master": r3(quant_loss),
        "routing_min_prob_gap": float(f"{gap:.4g}"),
        "routing": [r["experts"] for r in ref.routing(model, tokens)],
        "argmax": [int(v) for v in np.argmax(exact, axis=1)],
        "info": spec_info(s, master),
        "logits": fmt_rows(exact),
    }
    (out / f"{s.name}.logits.json").write_text(dump_json(fixture))
    return fixture


# ---------------------------------------------------------------------------------------------------------------
# Dequantization fixtures


DEQUANT_TYPES = [QT.F32, QT.F16, QT.BF16, QT.Q8_0, QT.Q4_0, QT.Q4_K, QT.Q6_K]


def dequant_source(qtype: QT, rng: np.random.Generator) -> np.ndarray:
    k_quant = qtype in (QT.Q4_K, QT.Q6_K)
    shape = (2, 512) if k_quant else (4, 64)
    block = 256 if k_quant else 32
    x = rng.standard_normal(shape).astype(np.float32)
    flat = x.reshape(-1, block)
    for j in range(flat.shape[0]):
        flat[j] *= np.float32(10.0 ** rng.uniform(-2, 1))
    flat[1] = 0.0                                       # an all-zero block (scale 0)
    flat[2] = -np.abs(flat[2])                          # a block of negative values only
    x = flat.reshape(shape)
    if qtype in (QT.F32, QT.F16, QT.BF16):
        specials = [0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 6.0e-8, -3.0e-5, 1.0e-3, np.inf, -np.inf, 1.0e30,
                    -1.0e-30, 0.333333343]
        x.reshape(-1)[:len(specials)] = np.array(specials, dtype=np.float32)
    return x


def dequant_fixtures(out: Path) -> list[dict]:
    rng = np.random.default_rng(7)
    rows = []
    for qtype in DEQUANT_TYPES:
        x = dequant_source(qtype, rng)
        name = f"dequant-{qtype.name.lower()}"
        w = GGUFWriter(str(out / f"{name}.gguf"), "refinery-test")
        if qtype == QT.F32:
            w.add_tensor("t", x)
        elif qtype == QT.F16:
            with np.errstate(over="ignore"):
                w.add_tensor("t", x.astype(np.float16))
        elif qtype == QT.BF16:
            raw = quantize(x, QT.BF16)
            w.add_tensor("t", raw, raw_shape=raw.shape, raw_dtype=QT.BF16)
        else:
            raw = encode(x, qtype)
            w.add_tensor("t", raw, raw_shape=raw.shape, raw_dtype=qtype)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        t = gguf.GGUFReader(str(out / f"{name}.gguf")).tensors[0]
        values = dequantize(np.asarray(t.data), t.tensor_type).astype("<f4")
        (out / f"{name}.f32").write_bytes(values.tobytes())
        rows.append({
            "gguf": f"{name}.gguf", "f32": f"{name}.f32", "tensor": "t", "type": qtype.name,
            "ne": [int(n) for n in t.shape], "n_elements": int(t.n_elements), "n_bytes": int(t.n_bytes),
            "f32_sha256": hashlib.sha256(values.tobytes()).hexdigest(),
            "first_values": [float(v) for v in values.reshape(-1)[:4]],
        })
    (out / "dequant-fixtures.json").write_text(dump_json(rows))
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Hunyuan-Large-shaped metadata-only file

LARGE = dict(n_vocab=128512, n_embd=6400, n_layer=64, n_head=80, n_head_kv=8, hd=80, n_expert=16, n_used=1,
             ffn_exp=18304, ffn_shexp=18304, cla=2)


def large_meta(out: Path) -> dict:
    path = out / "hunyuan-large-meta.gguf"
    w = GGUFWriter(str(path), ARCH)
    w.add_name("Hunyuan-Large-shaped (metadata only)")
    w.add_context_length(131072)
    w.add_embedding_length(LARGE["n_embd"])
    w.add_block_count(LARGE["n_layer"])
    w.add_feed_forward_length(LARGE["ffn_exp"])
    w.add_head_count(LARGE["n_head"])
    w.add_head_count_kv(LARGE["n_head_kv"])
    # NTK-alpha base as llama.cpp's converter computes it: 10000 * 1000^(d/(d-2)) with head dim d = 80
    w.add_rope_freq_base(float(np.float32(10000.0 * 1000.0 ** (80 / 78))))
    w.add_layer_norm_rms_eps(1e-5)
    w.add_expert_count(LARGE["n_expert"])
    w.add_expert_used_count(LARGE["n_used"])
    w.add_expert_shared_feed_forward_length(LARGE["ffn_shexp"])
    w.add_expert_feed_forward_length(LARGE["ffn_exp"])
    w.add_expert_shared_count(1)
    w.add_vocab_size(LARGE["n_vocab"])
    w.add_uint32(f"{ARCH}.attention.cla_share_factor", LARGE["cla"])
    w.add_bool(f"{ARCH}.expert_weights_norm", False)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    args = {k: v for k, v in LARGE.items()}
    untied = info_figures(tied=False, **args)
    tied = info_figures(tied=True, **args)
    info = {
        "architecture": ARCH,
        "parameters_total": untied["parameters_total"],
        "parameters_active": untied["parameters_active"],
        "kv_bytes_per_token": untied["kv_bytes_per_token"],
        "kv_bytes_per_token_mha": untied["kv_bytes_per_token_mha"],
        "kv_fraction_of_mha": untied["kv_fraction_of_mha"],
        "assumptions": "head_dim = 6400/80 = 80 (no attention.key_length key); untied output head counted "
                       "(a metadata-only file cannot say otherwise); active = total - 64 layers x 15 unused routed "
                       "experts x 3 x 6400 x 18304; norms counted; KV at f16 (2 bytes) and f32 (4 bytes)",
        "if_tied_output": {"parameters_total": tied["parameters_total"],
                           "parameters_active": tied["parameters_active"]},
        "published": {"parameters_total": 389_000_000_000, "parameters_active": 52_000_000_000},
    }
    (out / "hunyuan-large-meta.info.json").write_text(dump_json(info))
    return info


# ---------------------------------------------------------------------------------------------------------------


def bundled_fixture(model_path: Path, out: Path) -> dict:
    """Reference logits for the repository's bundled model on a fixed 12-token sequence (the GGUF is not copied)."""
    model = ref.load_model(model_path)
    meta = ref.read_metadata(gguf.GGUFReader(str(model_path)))
    bos = meta.get("tokenizer.ggml.bos_token_id")
    quantized = any(t != QT.F32 for n, t in model.types.items() if len(model.tensors[n].shape) > 1)
    tokens, gap = pick_tokens(model, 12, 2024, quantized, None if bos is None else int(bos),
                              min(model.hp.n_vocab, 4096))
    exact, measured, tolerance = measure(model, tokens, quantized)
    fixture = {
        "model": f"Models/{model_path.name}",
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "weight_types": sorted({t.name for t in model.types.values()}),
        "tokens": tokens,
        "all_positions": True,
        "tolerance_definition": "max over positions and vocab of |runtime - reference| / max |reference|",
        "tolerance": tolerance,
        "max_abs_logit": float(np.max(np.abs(exact))),
        "measured_relative_drift": {k: r3(v) for k, v in measured.items()},
        "routing_min_prob_gap": float(f"{gap:.4g}"),
        "routing": [r["experts"] for r in ref.routing(model, tokens)],
        "argmax": [int(v) for v in np.argmax(exact, axis=1)],
        "logits": fmt_rows(exact),
    }
    (out / "bundled-model-logits.json").write_text(dump_json(fixture))
    return fixture


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", default="", help="comma-separated spec names (default: all)")
    ap.add_argument("--bundled", type=Path, help="also write bundled-model-logits.json for this GGUF")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    only = {n for n in args.only.split(",") if n}
    for s in SPECS:
        if only and s.name not in only:
            continue
        fx = model_fixture(s, args.out)
        print(f"{s.name}: types={fx['weight_types']} max|logit|={fx['max_abs_logit']:.3f} "
              f"gap={fx['routing_min_prob_gap']}\n  drift={fx['measured_relative_drift']}\n"
              f"  tolerance={fx['tolerance']}", flush=True)
    if not only:
        for row in dequant_fixtures(args.out):
            print(f"{row['gguf']}: {row['type']} ne={row['ne']} bytes={row['n_bytes']}")
        info = large_meta(args.out)
        print(f"hunyuan-large-meta: total={info['parameters_total']:,} active={info['parameters_active']:,} "
              f"kv={info['kv_bytes_per_token']} mha={info['kv_bytes_per_token_mha']}")
    if args.bundled:
        fx = bundled_fixture(args.bundled, args.out)
        print(f"bundled: {fx['model']} drift={fx['measured_relative_drift']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
