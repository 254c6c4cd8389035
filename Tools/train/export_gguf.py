"""Exports a training checkpoint to GGUF v3 (`hunyuan-moe`), in F32 and Q8_0, and checks the result.

Usage:
    python3 export_gguf.py --run runs/tiny --tokenizer tokenizer.json --out-dir ../../Models [--name refinery-moe-tiny]

Writes <name>-f32.gguf and <name>-q8_0.gguf. Keys and tensor names follow llama.cpp's hunyuan-moe loader, plus our
extension keys hunyuan-moe.attention.cla_share_factor (u32) and hunyuan-moe.expert_weights_norm (bool). The output
head is tied: there is no output.weight, the runtime uses token_embd. Layers with i % cla != 0 have no attn_k/attn_v.
Q8_0 quantizes every 2-D/3-D weight whose row length is a multiple of 32, except the router (ffn_gate_inp), which
stays F32 as llama.cpp's quantizer keeps it (top-k choices are sensitive to it); 1-D norm vectors stay F32.

After writing, `--check` (default on) reads each file back with gguf-py, runs an independent numpy forward pass from
the GGUF tensors alone, and compares its logits with the PyTorch model's on a real prompt.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

import gguf
from gguf import GGMLQuantizationType as QT

from model import Config, HunyuanMoE

BOS, EOS, PAD = 0, 1, 2


def load_checkpoint(run: Path) -> tuple[HunyuanMoE, dict]:
    ck = torch.load(run / "ckpt.pt", map_location="cpu")
    c = Config(**ck["config"]["model"])
    m = HunyuanMoE(c)
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck


def tensors(m: HunyuanMoE) -> list[tuple[str, np.ndarray]]:
    """(gguf name, numpy array in torch layout); gguf-py reverses the shape into ggml's ne order."""
    c = m.c
    out = [("token_embd.weight", m.tok.weight)]
    for i, b in enumerate(m.blocks):
        p = f"blk.{i}."
        out.append((p + "attn_norm.weight", b.attn_norm.weight))
        out.append((p + "attn_q.weight", b.attn.wq.weight))
        if i % c.cla == 0:
            out.append((p + "attn_k.weight", b.attn.wk.weight))
            out.append((p + "attn_v.weight", b.attn.wv.weight))
        out.append((p + "attn_output.weight", b.attn.wo.weight))
        out.append((p + "attn_q_norm.weight", b.attn.q_norm.weight))
        out.append((p + "attn_k_norm.weight", b.attn.k_norm.weight))
        out.append((p + "ffn_norm.weight", b.ffn_norm.weight))
        out.append((p + "ffn_gate_inp.weight", b.moe.gate_inp.weight))
        out.append((p + "ffn_gate_exps.weight", b.moe.w_gate))
        out.append((p + "ffn_up_exps.weight", b.moe.w_up))
        out.append((p + "ffn_down_exps.weight", b.moe.w_down))
        out.append((p + "ffn_gate_shexp.weight", b.moe.sh_gate.weight))
        out.append((p + "ffn_up_shexp.weight", b.moe.sh_up.weight))
        out.append((p + "ffn_down_shexp.weight", b.moe.sh_down.weight))
    out.append(("output_norm.weight", m.norm.weight))
    return [(n, t.detach().float().numpy().copy()) for n, t in out]


def vocab(tokenizer_path: str) -> tuple[list[str], list[int], list[str]]:
    tj = json.loads(Path(tokenizer_path).read_text(encoding="utf-8"))
    v = tj["model"]["vocab"]
    for t in tj["added_tokens"]:
        v[t["content"]] = t["id"]
    n = max(v.values()) + 1
    toks = [""] * n
    for s, i in v.items():
        toks[i] = s
    assert all(toks), "vocabulary has holes"
    special = {t["id"] for t in tj["added_tokens"]}
    types = [int(gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL) for i in range(n)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    return toks, types, merges


def write(m: HunyuanMoE, tokenizer: str, path: Path, name: str, q8: bool, meta: dict) -> None:
    c = m.c
    toks, types, merges = vocab(tokenizer)
    assert len(toks) == c.vocab, (len(toks), c.vocab)
    w = gguf.GGUFWriter(str(path), arch="hunyuan-moe")
    w.add_name(name)
    w.add_description(meta.get("description", ""))
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if q8 else gguf.LlamaFileType.ALL_F32)
    w.add_vocab_size(c.vocab)
    w.add_context_length(c.ctx)
    w.add_embedding_length(c.dim)
    w.add_block_count(c.n_layer)
    w.add_feed_forward_length(c.ff_shexp)
    w.add_expert_feed_forward_length(c.ff_exp)
    w.add_expert_shared_feed_forward_length(c.ff_shexp)
    w.add_head_count(c.n_head)
    w.add_head_count_kv(c.n_kv)
    w.add_key_length(c.head_dim)
    w.add_value_length(c.head_dim)
    w.add_layer_norm_rms_eps(c.eps)
    w.add_rope_freq_base(c.rope_base)
    w.add_rope_dimension_count(c.head_dim)
    w.add_expert_count(c.n_expert)
    w.add_expert_used_count(c.top_k)
    w.add_expert_shared_count(1)
    w.add_expert_gating_func(gguf.ExpertGatingFuncType.SOFTMAX)
    w.add_expert_weights_norm(True)
    w.add_uint32("hunyuan-moe.attention.cla_share_factor", c.cla)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("hunyuan")
    w.add_token_list(toks)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(BOS)
    w.add_eos_token_id(EOS)
    w.add_pad_token_id(PAD)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    for tname, arr in tensors(m):
        if q8 and arr.ndim >= 2 and arr.shape[-1] % 32 == 0 and "ffn_gate_inp" not in tname:
            w.add_tensor(tname, gguf.quants.quantize(arr, QT.Q8_0), raw_dtype=QT.Q8_0)
        else:
            w.add_tensor(tname, arr.astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# ---- independent numpy reference from the GGUF file ----------------------------------------------------------

def read_gguf(path: Path) -> tuple[dict, dict]:
    r = gguf.GGUFReader(str(path))
    kv = {}
    for f in r.fields.values():
        if f.types and f.types[0] == gguf.GGUFValueType.ARRAY:
            continue
        kv[f.name] = f.contents()
    ts = {}
    for t in r.tensors:
        shape = tuple(int(x) for x in reversed(t.shape.tolist()))  # ne reversed = numpy row-major shape
        data = gguf.quants.dequantize(t.data, t.tensor_type) if t.tensor_type != QT.F32 else np.asarray(t.data)
        ts[t.name] = np.asarray(data, dtype=np.float32).reshape(shape)
    return kv, ts


def np_forward(kv: dict, ts: dict, ids: list[int]) -> np.ndarray:
    a = "hunyuan-moe."
    D, L = kv[a + "embedding_length"], kv[a + "block_count"]
    H, KV, hd = kv[a + "attention.head_count"], kv[a + "attention.head_count_kv"], kv[a + "attention.key_length"]
    E, K = kv[a + "expert_count"], kv[a + "expert_used_count"]
    eps, base = kv[a + "attention.layer_norm_rms_epsilon"], kv[a + "rope.freq_base"]
    f = kv.get(a + "attention.cla_share_factor", 1)
    norm_w = kv.get(a + "expert_weights_norm", True)
    T = len(ids)

    def rms(x, w):
        return x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + eps).astype(np.float32) * w

    def rope(x):  # x [T, h, hd], NeoX halves
        half = hd // 2
        inv = base ** (-np.arange(half, dtype=np.float64) * 2 / hd)
        ang = np.arange(T)[:, None] * inv[None]
        cs, sn = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        x1, x2 = x[..., :half], x[..., half:]
        return np.concatenate([x1 * cs - x2 * sn, x2 * cs + x1 * sn], -1).astype(np.float32)

    def silu(x):
        return x / (1 + np.exp(-x))

    x = ts["token_embd.weight"][ids]
    k_raw = v = None
    for i in range(L):
        p = f"blk.{i}."
        h = rms(x, ts[p + "attn_norm.weight"])
        q = rope((h @ ts[p + "attn_q.weight"].T).reshape(T, H, hd))
        if i % f == 0:
            k_raw = rope((h @ ts[p + "attn_k.weight"].T).reshape(T, KV, hd))
            v = (h @ ts[p + "attn_v.weight"].T).reshape(T, KV, hd)
        q = rms(q, ts[p + "attn_q_norm.weight"])
        k = rms(k_raw, ts[p + "attn_k_norm.weight"])
        o = np.zeros((T, H, hd), dtype=np.float32)
        for hh in range(H):
            g = hh // (H // KV)
            s = (q[:, hh] @ k[:, g].T) / np.sqrt(hd)
            s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            o[:, hh] = s @ v[:, g]
        x = x + o.reshape(T, H * hd) @ ts[p + "attn_output.weight"].T
        h = rms(x, ts[p + "ffn_norm.weight"])
        logits = (h @ ts[p + "ffn_gate_inp.weight"].T).astype(np.float64)
        pr = np.exp(logits - logits.max(-1, keepdims=True))
        pr /= pr.sum(-1, keepdims=True)
        y = np.zeros_like(h)
        for t in range(T):
            top = np.argsort(-pr[t], kind="stable")[:K]
            wt = pr[t, top] / (pr[t, top].sum() if norm_w else 1.0)
            for e, we in zip(top, wt):
                z = silu(h[t] @ ts[p + "ffn_gate_exps.weight"][e].T) * (h[t] @ ts[p + "ffn_up_exps.weight"][e].T)
                y[t] += np.float32(we) * (z @ ts[p + "ffn_down_exps.weight"][e].T)
        sh = silu(h @ ts[p + "ffn_gate_shexp.weight"].T) * (h @ ts[p + "ffn_up_shexp.weight"].T)
        x = x + y + sh @ ts[p + "ffn_down_shexp.weight"].T
    x = rms(x, ts["output_norm.weight"])
    out = ts.get("output.weight", ts["token_embd.weight"])
    return x @ out.T


def check(m: HunyuanMoE, path: Path, tokenizer: str) -> float:
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer)
    text = ("Write a math word problem based on the passage.\n\nPassage:\nMia buys 4 notebooks at $3 each.\n\n"
            "Problem:\n")
    ids = [BOS] + tok.encode(text, add_special_tokens=False).ids
    with torch.no_grad():
        ref = m(torch.tensor([ids]))[0][0].numpy()
    kv, ts = read_gguf(path)
    got = np_forward(kv, ts, ids)
    rel = float(np.abs(got - ref).max() / np.abs(ref).max())
    agree = float((got.argmax(-1) == ref.argmax(-1)).mean())
    print(f"{path.name}: max-abs diff / max-abs logit = {rel:.2e}, argmax agreement {agree:.3f} over {len(ids)} "
          f"positions")
    return rel


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = Path(__file__).resolve().parent
    ap.add_argument("--run", default=str(here / "runs/tiny"))
    ap.add_argument("--tokenizer", default=str(here / "tokenizer.json"))
    ap.add_argument("--out-dir", default=str(here.parents[1] / "Models"))
    ap.add_argument("--name", default="refinery-moe-tiny")
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    m, ck = load_checkpoint(Path(a.run))
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"description": f"Refinery bundled tiny Hunyuan-style MoE, trained by Tools/train (step {ck['step']})"}
    for q8, suffix in ((False, "f32"), (True, "q8_0")):
        p = out / f"{a.name}-{suffix}.gguf"
        tmp = p.with_suffix(".gguf.tmp")
        write(m, a.tokenizer, tmp, a.name, q8, meta)
        tmp.replace(p)
        print(f"wrote {p} ({p.stat().st_size / 1e6:.1f} MB) from step {ck['step']}")
        if not a.no_check:
            rel = check(m, p, a.tokenizer)
            if not q8 and rel > 1e-4:
                print("F32 export does not match the PyTorch model", file=sys.stderr)
                return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
