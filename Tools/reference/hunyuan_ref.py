#!/usr/bin/env python3
"""Independent numpy reference for the `hunyuan-moe` architecture (Refinery issue 3, DESIGN.md §7).

Reads a GGUF with gguf-py, dequantizes every tensor with gguf-py's `dequantize` (the trusted decoder), and runs the
forward pass in float64 over a token sequence, returning logits for every position.

    python3 Tools/reference/hunyuan_ref.py MODEL.gguf --tokens 1,2,3 [--all-positions]

prints {"logits": [[...]]} (last position only without --all-positions), the same contract as
`refinery model logits`.

Semantics (llama.cpp's hunyuan-moe graph plus Refinery's two extension keys):
  x = token_embd[t]
  per layer i:
    a = RMSNorm(x) * attn_norm
    q = Wq a, k = Wk a, v = Wv a            (heads of head_dim = attention.key_length or n_embd / n_head)
    NeoX RoPE on q and k over the whole head: pair (j, j + d/2), angle p * base^(-2j/d), base = rope.freq_base
    q = RMSNorm_head(q) * attn_q_norm; k = RMSNorm_head(k) * attn_k_norm       (norm AFTER RoPE)
    CLA (hunyuan-moe.attention.cla_share_factor f, default 1): layer i with i % f != 0 has no attn_k/attn_v; it reuses
      the post-RoPE, pre-norm K and the V of layer i - i % f and applies its OWN attn_k_norm.
    GQA: query head h reads KV head h // (n_head / n_head_kv); causal softmax(q.k / sqrt(head_dim)); attn_output
    h = x + attn
    f = RMSNorm(h) * ffn_norm
    p = softmax(ffn_gate_inp f) over all experts; top-k (expert_used_count) by p, ties to the lower expert index;
      if hunyuan-moe.expert_weights_norm (default true) the k weights are divided by their sum
    moe = sum_e w_e * down_e(silu(gate_e f) * up_e f); shared = down_s(silu(gate_s f) * up_s f), added ungated
    x = h + moe + shared
  logits = output (or token_embd when output.weight is absent) . (RMSNorm(x) * output_norm)

Optionally (`act_quant=True`) every matmul input is rounded the way an optimized runtime rounds activations for the
weight's type (Q8_0 for Q8_0/Q4_0 weights, Q8_K for K-quants, f16 for F16, bf16 for BF16) and the KV cache may be
stored in f16 (`kv_f16=True`); this path exists only to measure tolerances.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gguf import GGMLQuantizationType, GGUFReader  # noqa: E402
from gguf.quants import dequantize  # noqa: E402

import quantize as qz  # noqa: E402

ARCH = "hunyuan-moe"


class ModelError(Exception):
    """A GGUF that is not a usable hunyuan-moe model (missing key, missing tensor, wrong shape)."""


@dataclass
class HParams:
    n_vocab: int
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    head_dim: int
    n_expert: int
    n_expert_used: int
    eps: float
    rope_base: float
    cla_share_factor: int = 1
    expert_weights_norm: bool = True
    n_ctx_train: int = 0


@dataclass
class Model:
    hp: HParams
    tensors: dict[str, np.ndarray]            # float64, numpy order (= reversed ggml ne)
    types: dict[str, GGMLQuantizationType] = field(default_factory=dict)

    def t(self, name: str) -> np.ndarray:
        try:
            return self.tensors[name]
        except KeyError:
            raise ModelError(f"missing tensor {name!r}") from None


def read_metadata(reader: GGUFReader) -> dict:
    """All key/value pairs as Python values (arrays as lists)."""
    return {k: f.contents() for k, f in reader.fields.items() if not k.startswith("GGUF.")}


def load_model(path: str | Path) -> Model:
    reader = GGUFReader(str(path))
    meta = read_metadata(reader)
    arch = meta.get("general.architecture")
    if arch != ARCH:
        raise ModelError(f"{path}: general.architecture is {arch!r}, expected {ARCH!r}")

    def key(name: str, default=None, required: bool = True):
        v = meta.get(f"{ARCH}.{name}")
        if v is None:
            if required and default is None:
                raise ModelError(f"{path}: missing key {ARCH}.{name}")
            return default
        return v

    tensors: dict[str, np.ndarray] = {}
    types: dict[str, GGMLQuantizationType] = {}
    for t in reader.tensors:
        arr = dequantize(np.asarray(t.data), t.tensor_type).astype(np.float64)
        expect = tuple(int(n) for n in reversed(t.shape.tolist()))
        if arr.shape != expect:
            arr = arr.reshape(expect)
        tensors[t.name] = arr
        types[t.name] = t.tensor_type

    n_embd = int(key("embedding_length"))
    n_head = int(key("attention.head_count"))
    n_head_kv = int(key("attention.head_count_kv", n_head))
    head_dim = int(key("attention.key_length", n_embd // n_head))
    v_dim = int(key("attention.value_length", head_dim))
    if v_dim != head_dim:
        raise ModelError(f"{path}: value_length {v_dim} != key_length {head_dim} (unsupported, as in llama.cpp)")
    if "token_embd.weight" not in tensors:
        raise ModelError(f"{path}: missing tensor 'token_embd.weight'")
    tokens = meta.get("tokenizer.ggml.tokens")
    n_vocab = tensors["token_embd.weight"].shape[0]
    if tokens is not None and len(tokens) != n_vocab:
        raise ModelError(f"{path}: {len(tokens)} tokens but token_embd has {n_vocab} rows")
    hp = HParams(
        n_vocab=n_vocab,
        n_embd=n_embd,
        n_layer=int(key("block_count")),
        n_head=n_head,
        n_head_kv=n_head_kv,
        head_dim=head_dim,
        n_expert=int(key("expert_count")),
        n_expert_used=int(key("expert_used_count")),
        eps=float(key("attention.layer_norm_rms_epsilon")),
        rope_base=float(key("rope.freq_base", 10000.0, required=False)),
        cla_share_factor=int(key("attention.cla_share_factor", 1, required=False)),
        expert_weights_norm=bool(key("expert_weights_norm", True, required=False)),
        n_ctx_train=int(key("context_length", 0, required=False)),
    )
    if hp.n_head % hp.n_head_kv != 0:
        raise ModelError(f"{path}: head_count {hp.n_head} not a multiple of head_count_kv {hp.n_head_kv}")
    if hp.cla_share_factor < 1:
        raise ModelError(f"{path}: cla_share_factor must be >= 1")
    if not 1 <= hp.n_expert_used <= hp.n_expert:
        raise ModelError(f"{path}: expert_used_count {hp.n_expert_used} not in 1...{hp.n_expert}")
    return Model(hp=hp, tensors=tensors, types=types)


# ----------------------------------------------------------------------------------------------------------------

def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """x / sqrt(mean(x^2) + eps) * weight over the last axis."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope_neox(x: np.ndarray, positions: np.ndarray, base: float) -> np.ndarray:
    """NeoX rotary embedding over the whole head. x: (T, H, d); rotates pairs (j, j + d/2) by p * base^(-2j/d)."""
    d = x.shape[-1]
    half = d // 2
    inv = base ** (-2.0 * np.arange(half, dtype=np.float64) / d)
    ang = positions.astype(np.float64)[:, None] * inv[None, :]          # (T, half)
    cos = np.cos(ang)[:, None, :]
    sin = np.sin(ang)[:, None, :]
    x0, x1 = x[..., :half], x[..., half:]
    return np.concatenate([x0 * cos - x1 * sin, x0 * sin + x1 * cos], axis=-1)


def silu(x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x), written with tanh so large |x| cannot overflow."""
    return x * (0.5 + 0.5 * np.tanh(0.5 * x))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def top_k_experts(probs: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest probabilities per row, ties broken toward the lower expert index."""
    n = probs.shape[-1]
    order = np.lexsort((np.broadcast_to(np.arange(n), probs.shape), -probs), axis=-1)
    return order[..., :k]


class _Forward:
    def __init__(self, model: Model, act_quant: bool, kv_f16: bool, dtype=np.float64, jitter: float = 0.0,
                 seed: int = 12345):
        self.m = model
        self.act_quant = act_quant
        self.kv_f16 = kv_f16
        self.dtype = np.dtype(dtype)
        self.jitter = jitter
        self.rng = np.random.default_rng(seed)

    def w(self, name: str) -> np.ndarray:
        return self.m.t(name).astype(self.dtype, copy=False)

    def round_input(self, x: np.ndarray, weight_name: str) -> np.ndarray:
        if self.jitter:
            x = x * (1.0 + self.jitter * self.rng.standard_normal(x.shape))
        if not self.act_quant:
            return x
        return self._round(x, weight_name).astype(self.dtype)

    def _round(self, x: np.ndarray, weight_name: str) -> np.ndarray:
        t = self.m.types.get(weight_name)
        G = GGMLQuantizationType
        if t in (G.Q8_0, G.Q4_0, G.Q4_1, G.Q5_0, G.Q5_1):
            return qz.fake_quant_q8_0(x)
        if t in (G.Q2_K, G.Q3_K, G.Q4_K, G.Q5_K, G.Q6_K):
            return qz.fake_quant_q8_k(x)
        if t == G.F16:
            return qz.fake_quant_f16(x)
        if t == G.BF16:
            return qz.fake_quant_bf16(x)
        return x

    def matmul(self, x: np.ndarray, name: str, expert: int | None = None) -> np.ndarray:
        """x @ W^T for a 2-D weight (out, in), or for expert slice `expert` of a 3-D (n_expert, out, in) weight."""
        w = self.w(name)
        if expert is not None:
            w = w[expert]
        return self.round_input(x, name) @ w.T

    def run(self, tokens: list[int]) -> np.ndarray:
        hp = self.m.hp
        toks = np.asarray(tokens, dtype=np.int64)
        if toks.ndim != 1 or len(toks) == 0:
            raise ModelError("need at least one token")
        if toks.min() < 0 or toks.max() >= hp.n_vocab:
            raise ModelError(f"token id out of range 0..<{hp.n_vocab}")
        x = self.w("token_embd.weight")[toks]
        kv = None
        for i in range(hp.n_layer):
            attn, kv = self.attention(x, i, kv)
            h = x + attn
            x = h + self.ffn(rms_norm(h, self.w(f"blk.{i}.ffn_norm.weight"), hp.eps), i)
        x = rms_norm(x, self.w("output_norm.weight"), hp.eps)
        head = "output.weight" if "output.weight" in self.m.tensors else "token_embd.weight"
        return self.matmul(x, head)

    def attention(self, x: np.ndarray, i: int, kv: tuple | None) -> tuple[np.ndarray, tuple]:
        """Layer i's attention output for the whole sequence x (T, n_embd), and the (K, V) its CLA group shares:
        K post-RoPE and pre-norm, V as projected."""
        m, hp = self.m, self.m.hp
        T = x.shape[0]
        pos = np.arange(T)
        hd, nh, nkv = hp.head_dim, hp.n_head, hp.n_head_kv
        p = f"blk.{i}."
        a = rms_norm(x, self.w(p + "attn_norm.weight"), hp.eps)
        q = self.matmul(a, p + "attn_q.weight").reshape(T, nh, hd)
        q = rope_neox(q, pos, hp.rope_base).astype(self.dtype)
        if i % hp.cla_share_factor == 0:
            k = self.matmul(a, p + "attn_k.weight").reshape(T, nkv, hd)
            v = self.matmul(a, p + "attn_v.weight").reshape(T, nkv, hd)
            k = rope_neox(k, pos, hp.rope_base).astype(self.dtype)
            if self.kv_f16:
                v = qz.fake_quant_f16(v).astype(self.dtype)
            kv = (k, v)
        elif p + "attn_k.weight" in m.tensors or p + "attn_v.weight" in m.tensors:
            raise ModelError(f"layer {i} shares K/V (cla_share_factor {hp.cla_share_factor}) but has attn_k/v")
        assert kv is not None
        k_shared, v_shared = kv
        q = rms_norm(q, self.w(p + "attn_q_norm.weight"), hp.eps)
        k = rms_norm(k_shared, self.w(p + "attn_k_norm.weight"), hp.eps)     # this layer's own k-norm
        if self.kv_f16:
            k = qz.fake_quant_f16(k).astype(self.dtype)
        group = nh // nkv
        kh = np.repeat(k, group, axis=1)                                     # query head h -> kv head h // group
        vh = np.repeat(v_shared, group, axis=1)
        mask = np.triu(np.full((T, T), -np.inf, dtype=self.dtype), k=1)
        scores = np.einsum("thd,shd->hts", q, kh) / self.dtype.type(np.sqrt(hd)) + mask[None]
        att = np.einsum("hts,shd->thd", softmax(scores, axis=-1), vh).reshape(T, nh * hd)
        return self.matmul(att, p + "attn_output.weight"), kv

    def ffn(self, f: np.ndarray, i: int) -> np.ndarray:
        """Layer i's feed-forward output for normed input f (T, n_embd): routed experts plus the shared expert."""
        return self.moe(f, i) + self.shared_expert(f, i)

    def moe(self, f: np.ndarray, i: int) -> np.ndarray:
        hp = self.m.hp
        p = f"blk.{i}."
        probs = softmax(self.matmul(f, p + "ffn_gate_inp.weight"), axis=-1)          # over all experts
        sel = top_k_experts(probs, hp.n_expert_used)
        w = np.take_along_axis(probs, sel, axis=-1)
        if hp.expert_weights_norm:
            w = w / np.sum(w, axis=-1, keepdims=True)
        out = np.zeros_like(f)
        for t in range(f.shape[0]):
            ft = f[t:t + 1]
            for e, we in zip(sel[t], w[t]):
                out[t] += we * self.expert(ft, p, int(e))[0]
        return out

    def expert(self, f: np.ndarray, p: str, e: int) -> np.ndarray:
        g = self.matmul(f, p + "ffn_gate_exps.weight", e)
        u = self.matmul(f, p + "ffn_up_exps.weight", e)
        return self.matmul(silu(g) * u, p + "ffn_down_exps.weight", e)

    def shared_expert(self, f: np.ndarray, i: int) -> np.ndarray:
        p = f"blk.{i}."
        g = self.matmul(f, p + "ffn_gate_shexp.weight")
        u = self.matmul(f, p + "ffn_up_shexp.weight")
        return self.matmul(silu(g) * u, p + "ffn_down_shexp.weight")


def forward(model: Model, tokens: list[int], act_quant: bool = False, kv_f16: bool = False,
            dtype=np.float64, jitter: float = 0.0, seed: int = 12345) -> np.ndarray:
    """Logits (T, n_vocab) for every position of `tokens`, computed in `dtype` (float64 is the reference; float32
    only estimates a float32 runtime's rounding). `jitter` multiplies every matmul input by (1 + jitter * N(0,1))
    (seeded by `seed`) to emulate a runtime whose float32 sums round differently; for tolerance studies only."""
    return _Forward(model, act_quant, kv_f16, dtype, jitter, seed).run(tokens).astype(np.float64)


def routing(model: Model, tokens: list[int], act_quant: bool = False) -> list[dict]:
    """Per layer: the selected experts per position and the smallest gap between the k-th and (k+1)-th
    probability (how close routing is to flipping), for diagnostics."""
    out = []
    hook = _RoutingProbe(model, act_quant)
    hook.run(tokens)
    for i, (sel, gap) in enumerate(hook.records):
        out.append({"layer": i, "experts": sel.tolist(), "min_gap": float(gap)})
    return out


class _RoutingProbe(_Forward):
    def __init__(self, model: Model, act_quant: bool = False):
        super().__init__(model, act_quant, False)
        self.records: list[tuple[np.ndarray, float]] = []

    def matmul(self, x, name, expert=None):
        y = super().matmul(x, name, expert)
        if name.endswith("ffn_gate_inp.weight"):
            probs = softmax(y, axis=-1)
            k = self.m.hp.n_expert_used
            srt = -np.sort(-probs, axis=-1)
            gap = np.inf if k >= probs.shape[-1] else float(np.min(srt[:, k - 1] - srt[:, k]))
            self.records.append((top_k_experts(probs, k), gap))
        return y


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--all-positions", action="store_true", help="one row per position (default: last only)")
    ap.add_argument("--act-quant", action="store_true", help="round matmul inputs like an optimized runtime")
    ap.add_argument("--kv-f16", action="store_true", help="store the KV cache in f16")
    args = ap.parse_args(argv)
    try:
        tokens = [int(s) for s in args.tokens.split(",") if s.strip() != ""]
    except ValueError:
        print(f"error: --tokens must be comma-separated integers, got {args.tokens!r}", file=sys.stderr)
        return 1
    try:
        model = load_model(args.model)
        logits = forward(model, tokens, act_quant=args.act_quant, kv_f16=args.kv_f16)
    except (ModelError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = logits if args.all_positions else logits[-1:]
    json.dump({"logits": [[float(v) for v in r] for r in rows]}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
