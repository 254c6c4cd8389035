"""A Hunyuan-style Mixture-of-Experts decoder, matching llama.cpp's `hunyuan-moe` graph plus our CLA extension.

Per layer: x -> RMSNorm -> attention (Q/K/V without bias, NeoX RoPE over the whole head, then per-head RMSNorm on q
and k, GQA, causal softmax scaled 1/sqrt(head_dim), output projection) -> residual -> RMSNorm -> shared SwiGLU
expert + routed MoE (softmax over all experts in fp32, top-k, renormalised top-k weights, SwiGLU experts) ->
residual. Final RMSNorm and an output head tied to the token embedding.

Cross-layer attention (CLA, factor f): layer i with i % f == 0 computes k_raw = rope(x Wk) and v = x Wv; every layer
i of the group (i - i % f ... ) uses that k_raw and v, applying its *own* attn_k_norm to k_raw. Layers with
i % f != 0 have no Wk/Wv.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab: int = 4096
    ctx: int = 512
    dim: int = 256
    n_layer: int = 6
    n_head: int = 8
    n_kv: int = 2
    n_expert: int = 8
    top_k: int = 2
    ff_exp: int = 256
    ff_shexp: int = 256
    cla: int = 2
    rope_base: float = 10000.0
    eps: float = 1e-5
    aux_coef: float = 0.01

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, n: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(T: int, hd: int, base: float, positions: torch.Tensor):
    """cos/sin for NeoX RoPE: pairs (i, i + hd/2) rotated by angle pos * base^(-2i/hd)."""
    inv = base ** (-torch.arange(0, hd // 2, dtype=torch.float32) * 2 / hd)
    ang = positions.float()[..., None] * inv  # [B, T, hd/2]
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x, cos, sin):
    # x: [B, T, H, hd]; cos/sin: [B, T, hd/2]
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    c, s = cos[:, :, None, :], sin[:, :, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class Attention(nn.Module):
    def __init__(self, c: Config, has_kv: bool):
        super().__init__()
        self.c = c
        hd = c.head_dim
        self.wq = nn.Linear(c.dim, c.n_head * hd, bias=False)
        self.has_kv = has_kv
        if has_kv:
            self.wk = nn.Linear(c.dim, c.n_kv * hd, bias=False)
            self.wv = nn.Linear(c.dim, c.n_kv * hd, bias=False)
        self.wo = nn.Linear(c.n_head * hd, c.dim, bias=False)
        self.q_norm = RMSNorm(hd, c.eps)
        self.k_norm = RMSNorm(hd, c.eps)

    def forward(self, x, cos, sin, mask, shared, cache=None):
        """`shared` is the group's (k_raw, v) from its first layer; `cache` (a dict, one per CLA group, used only
        for incremental decoding) accumulates k_raw and v over previous calls."""
        B, T, _ = x.shape
        c = self.c
        hd = c.head_dim
        q = apply_rope(self.wq(x).view(B, T, c.n_head, hd), cos, sin)
        if self.has_kv:
            k_raw = apply_rope(self.wk(x).view(B, T, c.n_kv, hd), cos, sin)
            v = self.wv(x).view(B, T, c.n_kv, hd)
            if cache is not None:
                if "k" in cache:
                    k_raw = torch.cat([cache["k"], k_raw], 1)
                    v = torch.cat([cache["v"], v], 1)
                cache["k"], cache["v"] = k_raw, v
            shared = (k_raw, v)
        k_raw, v = shared
        q = self.q_norm(q)
        k = self.k_norm(k_raw)
        rep = c.n_head // c.n_kv
        q = q.transpose(1, 2)
        k = k.transpose(1, 2).repeat_interleave(rep, dim=1)
        vv = v.transpose(1, 2).repeat_interleave(rep, dim=1)
        o = F.scaled_dot_product_attention(q, k, vv, attn_mask=mask, scale=1.0 / math.sqrt(hd))
        return self.wo(o.transpose(1, 2).reshape(B, T, c.n_head * hd)), shared


class MoE(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        E, D, H = c.n_expert, c.dim, c.ff_exp
        self.gate_inp = nn.Linear(D, E, bias=False)
        # stacked expert weights, [E, out, in] like nn.Linear per expert
        self.w_gate = nn.Parameter(torch.randn(E, H, D) * 0.02)
        self.w_up = nn.Parameter(torch.randn(E, H, D) * 0.02)
        self.w_down = nn.Parameter(torch.randn(E, D, H) * 0.02)
        S = c.ff_shexp
        self.sh_gate = nn.Linear(D, S, bias=False)
        self.sh_up = nn.Linear(D, S, bias=False)
        self.sh_down = nn.Linear(S, D, bias=False)

    def forward(self, x):
        B, T, D = x.shape
        c = self.c
        xf = x.reshape(-1, D)
        N = xf.shape[0]
        logits = self.gate_inp(xf).float()
        probs = logits.softmax(-1)
        topw, topi = probs.topk(c.top_k, dim=-1)
        topw = topw / topw.sum(-1, keepdim=True)
        out = torch.zeros_like(xf)
        flat_e = topi.reshape(-1)
        flat_w = topw.reshape(-1).to(xf.dtype)
        tok = torch.arange(N, device=x.device).repeat_interleave(c.top_k)
        order = torch.argsort(flat_e, stable=True)
        counts = torch.bincount(flat_e, minlength=c.n_expert).tolist()
        start = 0
        for e, n in enumerate(counts):
            if n == 0:
                continue
            idx = order[start:start + n]
            start += n
            t = tok[idx]
            xe = xf[t]
            h = F.silu(xe @ self.w_gate[e].t()) * (xe @ self.w_up[e].t())
            y = (h @ self.w_down[e].t()) * flat_w[idx, None]
            out.index_add_(0, t, y)
        shared = self.sh_down(F.silu(self.sh_gate(xf)) * self.sh_up(xf))
        out = out + shared
        # Switch/GShard load-balancing loss: E * sum_e f_e * P_e (f over top-k assignments)
        frac = torch.bincount(flat_e, minlength=c.n_expert).float() / flat_e.numel()
        aux = c.n_expert * (frac * probs.mean(0)).sum()
        return out.view(B, T, D), aux, torch.bincount(flat_e, minlength=c.n_expert)


class Block(nn.Module):
    def __init__(self, c: Config, i: int):
        super().__init__()
        self.attn_norm = RMSNorm(c.dim, c.eps)
        self.attn = Attention(c, has_kv=(i % c.cla == 0))
        self.ffn_norm = RMSNorm(c.dim, c.eps)
        self.moe = MoE(c)

    def forward(self, x, cos, sin, mask, shared, cache=None):
        a, shared = self.attn(self.attn_norm(x), cos, sin, mask, shared, cache)
        x = x + a
        m, aux, cnt = self.moe(self.ffn_norm(x))
        return x + m, shared, aux, cnt


class HunyuanMoE(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.tok = nn.Embedding(c.vocab, c.dim)
        self.blocks = nn.ModuleList([Block(c, i) for i in range(c.n_layer)])
        self.norm = RMSNorm(c.dim, c.eps)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("wo.weight") or n.endswith("sh_down.weight") or n.endswith("w_down"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * c.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids, positions=None, mask=None, caches=None):
        """ids: [B, T]; positions: [B, T] (per-document); mask: bool [B, 1, T, T] (True = may attend) or None for
        plain causal. Returns logits [B, T, V], aux loss, per-layer expert counts. For incremental decoding pass
        `caches` (a list with one dict per CLA group, empty at first); positions then continue from the cache."""
        B, T = ids.shape
        past = 0
        if caches is not None and caches and "k" in caches[0]:
            past = caches[0]["k"].shape[1]
        if positions is None:
            positions = (torch.arange(T) + past)[None].expand(B, T)
        if mask is None:
            mask = torch.ones(T, T + past, dtype=torch.bool).tril(diagonal=past)[None, None]
        cos, sin = rope_tables(T, self.c.head_dim, self.c.rope_base, positions)
        x = self.tok(ids)
        aux = 0.0
        counts = []
        shared = None
        if caches is not None and not caches:
            caches.extend({} for _ in range(0, self.c.n_layer, self.c.cla))
        for i, b in enumerate(self.blocks):
            if i % self.c.cla == 0:
                shared = None
            cache = caches[i // self.c.cla] if caches is not None else None
            x, shared, a, cnt = b(x, cos, sin, mask, shared, cache)
            aux = aux + a
            counts.append(cnt)
        x = self.norm(x)
        logits = x @ self.tok.weight.t()
        return logits, aux / len(self.blocks), counts

    def param_counts(self) -> tuple[int, int]:
        """(total, active per token) parameters; the tied output head is counted once."""
        c = self.c
        total = sum(p.numel() for p in self.parameters())
        per_expert = 3 * c.dim * c.ff_exp
        active = total - c.n_layer * (c.n_expert - c.top_k) * per_expert
        return total, active
