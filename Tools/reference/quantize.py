"""Small numpy quantizers for the reference tools.

Weights: gguf-py (the `gguf` package) quantizes Q8_0, Q4_0 and BF16 itself; it has no quantizer for the K-quants, so
`quantize_q4_k` and `quantize_q6_k` here build valid ggml blocks with a plain min/max rule (not llama.cpp's
error-minimising search, which is not needed for test fixtures). Every block they produce is checked against gguf-py's
`dequantize`, the trusted decoder, by `make_fixtures.py` and `test_reference.py`.

Activations: `fake_quant_q8_0` and `fake_quant_q8_k` round a float vector the way an optimized runtime does before an
integer dot product (ggml's `quantize_row_q8_0_ref` / `quantize_row_q8_K_ref` semantics) and return the dequantized
values, so the reference can measure how far such a runtime may legitimately drift.

Block layouts (written from ggml-common.h):
  Q4_K, 144 bytes per 256 values: f16 d, f16 dmin, 12 bytes of packed 6-bit (scale, min) pairs for 8 sub-blocks of 32,
        128 bytes of 4-bit quants. value = d*scale_j*q - dmin*min_j.
  Q6_K, 210 bytes per 256 values: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 sub-block scales
        (16 sub-blocks of 16), f16 d. value = d*scale_s*(q - 32).
"""

from __future__ import annotations

import numpy as np

QK_K = 256


def _f16(x: np.ndarray) -> np.ndarray:
    """Round to float16 and back (the precision a block's f16 scale is stored at)."""
    return np.asarray(x, dtype=np.float32).astype(np.float16).astype(np.float32)


def _blocks(data: np.ndarray, size: int) -> np.ndarray:
    data = np.asarray(data, dtype=np.float32)
    if data.shape[-1] % size != 0:
        raise ValueError(f"last dimension {data.shape[-1]} is not a multiple of the block size {size}")
    return data.reshape(-1, size)


def quantize_q4_k(data: np.ndarray) -> np.ndarray:
    """Quantize float data (last dim a multiple of 256) to Q4_K blocks; returns uint8 of shape (..., row_bytes)."""
    x = _blocks(data, QK_K).astype(np.float64)
    n = x.shape[0]
    sub = x.reshape(n, 8, 32)
    lo = np.minimum(sub.min(axis=2), 0.0)            # value = scale*q - mn with mn = -lo >= 0
    hi = np.maximum(sub.max(axis=2), 0.0)
    scale = (hi - lo) / 15.0
    mn = -lo
    d = _f16(scale.max(axis=1) / 63.0).astype(np.float64)
    dmin = _f16(mn.max(axis=1) / 63.0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.rint(scale / d[:, None]), 0)
        m = np.where(dmin[:, None] > 0, np.rint(mn / dmin[:, None]), 0)
    sc = np.clip(sc, 0, 63).astype(np.uint8)
    m = np.clip(m, 0, 63).astype(np.uint8)
    eff_scale = d[:, None] * sc                       # (n, 8)
    eff_min = dmin[:, None] * m
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(eff_scale[:, :, None] > 0, np.rint((sub + eff_min[:, :, None]) / eff_scale[:, :, None]), 0)
    q = np.clip(q, 0, 15).astype(np.uint8).reshape(n, QK_K)

    scales = np.zeros((n, 12), dtype=np.uint8)
    scales[:, 0:4] = (sc[:, 0:4] & 63) | ((sc[:, 4:8] >> 4) << 6)
    scales[:, 4:8] = (m[:, 0:4] & 63) | ((m[:, 4:8] >> 4) << 6)
    scales[:, 8:12] = (sc[:, 4:8] & 0xF) | ((m[:, 4:8] & 0xF) << 4)

    chunks = q.reshape(n, 4, 2, 32)                   # 4 chunks of 64: low nibble = first 32, high = next 32
    qs = (chunks[:, :, 0, :] | (chunks[:, :, 1, :] << 4)).reshape(n, 128).astype(np.uint8)

    out = np.concatenate([
        d.astype(np.float16).view(np.uint8).reshape(n, 2),
        dmin.astype(np.float16).view(np.uint8).reshape(n, 2),
        scales, qs], axis=1)
    return _rows(out, data, 144)


def quantize_q6_k(data: np.ndarray) -> np.ndarray:
    """Quantize float data (last dim a multiple of 256) to Q6_K blocks; returns uint8 of shape (..., row_bytes)."""
    x = _blocks(data, QK_K).astype(np.float64)
    n = x.shape[0]
    sub = x.reshape(n, 16, 16)
    amax = np.abs(sub).max(axis=2)
    scale = amax / 31.0
    d = _f16(scale.max(axis=1) / 127.0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.rint(scale / d[:, None]), 0)
    sc = np.clip(sc, -128, 127).astype(np.int8)
    eff = d[:, None] * sc.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(eff[:, :, None] > 0, np.rint(sub / eff[:, :, None]), 0)
    q = (np.clip(q, -32, 31) + 32).astype(np.uint8).reshape(n, 2, 4, 32)   # [half][quarter][l]

    ql = np.zeros((n, 2, 64), dtype=np.uint8)
    ql[:, :, 0:32] = (q[:, :, 0, :] & 0xF) | ((q[:, :, 2, :] & 0xF) << 4)
    ql[:, :, 32:64] = (q[:, :, 1, :] & 0xF) | ((q[:, :, 3, :] & 0xF) << 4)
    qh = ((q[:, :, 0, :] >> 4) | ((q[:, :, 1, :] >> 4) << 2) | ((q[:, :, 2, :] >> 4) << 4)
          | ((q[:, :, 3, :] >> 4) << 6)).astype(np.uint8)

    out = np.concatenate([
        ql.reshape(n, 128), qh.reshape(n, 64), sc.view(np.uint8),
        d.astype(np.float16).view(np.uint8).reshape(n, 2)], axis=1)
    return _rows(out, data, 210)


def _rows(blocks: np.ndarray, data: np.ndarray, block_bytes: int) -> np.ndarray:
    shape = np.asarray(data).shape
    per_row = shape[-1] // QK_K * block_bytes
    return np.ascontiguousarray(blocks.reshape(*shape[:-1], per_row))


def fake_quant_q8_0(x: np.ndarray) -> np.ndarray:
    """Round activations along the last axis to Q8_0 (32-blocks, f16 scale amax/127, round half away from zero)."""
    x = np.asarray(x, dtype=np.float64)
    shape = x.shape
    b = x.astype(np.float32).reshape(-1, 32)
    amax = np.abs(b).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d > 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    v = b * inv[:, None]
    q = np.trunc(v + np.copysign(np.float32(0.5), v))          # C roundf
    return (q * _f16(d)[:, None]).astype(np.float64).reshape(shape)


def fake_quant_q8_k(x: np.ndarray) -> np.ndarray:
    """Round activations along the last axis to Q8_K (256-blocks, float32 scale from the signed max,
    iscale = -127/max, round half to even, clamp at 127)."""
    x = np.asarray(x, dtype=np.float64)
    shape = x.shape
    b = x.astype(np.float32).reshape(-1, QK_K)
    idx = np.abs(b).argmax(axis=1)
    mx = b[np.arange(b.shape[0]), idx]
    with np.errstate(divide="ignore"):
        iscale = np.where(mx != 0, np.float32(-127) / mx, np.float32(0)).astype(np.float32)
    q = np.minimum(np.rint(b * iscale[:, None]), 127)          # nearest_int rounds half to even
    with np.errstate(divide="ignore"):
        d = np.where(iscale != 0, np.float32(1) / iscale, np.float32(0)).astype(np.float32)
    return (q * d[:, None]).astype(np.float64).reshape(shape)


def fake_quant_f16(x: np.ndarray) -> np.ndarray:
    """Round activations to float16 (what ggml does to the input of an F16-weight matmul on CPU)."""
    return np.asarray(x, dtype=np.float64).astype(np.float16).astype(np.float64)


def fake_quant_bf16(x: np.ndarray) -> np.ndarray:
    """Round activations to bfloat16 (round to nearest even on the upper 16 bits)."""
    f = np.asarray(x, dtype=np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32).astype(np.float64).reshape(np.shape(x))
