"""Sanity checks of the numpy reference itself (run: python3 -m pytest Tools/reference -q).

Each test states a property the hunyuan-moe semantics imply and checks it on tiny in-memory models, so a mistake in
the reference shows up as a broken identity rather than as a silently wrong fixture.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gguf import GGMLQuantizationType as QT  # noqa: E402
from gguf.quants import dequantize  # noqa: E402

import hunyuan_ref as ref  # noqa: E402
import make_fixtures as mf  # noqa: E402
import quantize as qz  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "Tests" / "MoETests" / "Fixtures"
BASE = mf.Spec("t", "test", QT.F32, n_embd=32, n_layer=2, n_head=4, n_head_kv=2, n_expert=4, n_expert_used=2,
               ffn_exp=16, ffn_shexp=16, tied=False, seed=1, cla=1, norm_w=True)
TOKENS = [264, 10, 200, 33, 33, 7, 150, 265]


def build(spec: mf.Spec, tensors: dict[str, np.ndarray] | None = None) -> ref.Model:
    t = mf.model_tensors(spec) if tensors is None else tensors
    hp = ref.HParams(n_vocab=mf.N_VOCAB, n_embd=spec.n_embd, n_layer=spec.n_layer, n_head=spec.n_head,
                     n_head_kv=spec.n_head_kv, head_dim=mf.head_dim(spec), n_expert=spec.n_expert,
                     n_expert_used=spec.n_expert_used, eps=spec.eps, rope_base=spec.rope_base or 10000.0,
                     cla_share_factor=spec.cla or 1,
                     expert_weights_norm=True if spec.norm_w is None else spec.norm_w)
    return ref.Model(hp=hp, tensors={k: v.astype(np.float64) for k, v in t.items()})


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_cla_shares_pre_norm_k_and_applies_own_k_norm():
    # If layer 0 writes nothing to the residual and both layers share attn_norm, layer 1 sees layer 0's input, so
    # computing K/V itself with copies of layer 0's attn_k/attn_v must equal reusing layer 0's post-RoPE, pre-norm
    # K and V (CLA 2). The two layers keep different attn_k_norm weights, so sharing the normed K would differ.
    spec = dataclasses.replace(BASE, cla=2)
    t = mf.model_tensors(spec)
    t["blk.0.attn_output.weight"][:] = 0
    t["blk.0.ffn_down_exps.weight"][:] = 0
    t["blk.0.ffn_down_shexp.weight"][:] = 0
    t["blk.1.attn_norm.weight"] = t["blk.0.attn_norm.weight"].copy()
    assert not np.allclose(t["blk.0.attn_k_norm.weight"], t["blk.1.attn_k_norm.weight"])
    shared = ref.forward(build(spec, t), TOKENS)
    explicit = dict(t)
    explicit["blk.1.attn_k.weight"] = t["blk.0.attn_k.weight"].copy()
    explicit["blk.1.attn_v.weight"] = t["blk.0.attn_v.weight"].copy()
    own = ref.forward(build(dataclasses.replace(spec, cla=1), explicit), TOKENS)
    assert rel(shared, own) < 1e-12
    wrong = dict(t)
    wrong["blk.1.attn_k_norm.weight"] = t["blk.0.attn_k_norm.weight"]
    assert rel(ref.forward(build(spec, wrong), TOKENS), shared) > 1e-3


def test_cla_layer_with_own_kv_is_rejected():
    spec = dataclasses.replace(BASE, cla=1)
    model = build(spec)
    model.hp.cla_share_factor = 2
    with pytest.raises(ref.ModelError):
        ref.forward(model, TOKENS)


def test_all_experts_with_renorm_equals_dense_softmax_mixture():
    spec = dataclasses.replace(BASE, n_expert_used=4)
    model = build(spec)
    fw = ref._Forward(model, False, False)
    f = np.random.default_rng(3).standard_normal((5, spec.n_embd))
    probs = ref.softmax(f @ model.t("blk.0.ffn_gate_inp.weight").T)
    dense = sum(probs[:, e:e + 1] * fw.expert(f, "blk.0.", e) for e in range(spec.n_expert))
    assert rel(fw.moe(f, 0), dense) < 1e-12
    no_renorm = build(dataclasses.replace(spec, norm_w=False))
    assert rel(ref.forward(no_renorm, TOKENS), ref.forward(model, TOKENS)) < 1e-12


def test_top1_without_renorm_scales_by_probability():
    spec = dataclasses.replace(BASE, n_expert_used=1, norm_w=False)
    model = build(spec)
    fw = ref._Forward(model, False, False)
    f = np.random.default_rng(4).standard_normal((3, spec.n_embd))
    probs = ref.softmax(f @ model.t("blk.1.ffn_gate_inp.weight").T)
    best = probs.argmax(axis=1)
    want = np.stack([probs[t, best[t]] * fw.expert(f[t:t + 1], "blk.1.", int(best[t]))[0] for t in range(3)])
    assert rel(fw.moe(f, 1), want) < 1e-12
    renormed = ref._Forward(build(dataclasses.replace(spec, norm_w=True)), False, False)
    want1 = np.stack([fw.expert(f[t:t + 1], "blk.1.", int(best[t]))[0] for t in range(3)])
    assert rel(renormed.moe(f, 1), want1) < 1e-12


def test_top_k_ties_go_to_lower_expert_index():
    probs = np.array([[0.1, 0.3, 0.3, 0.3], [0.25, 0.25, 0.25, 0.25], [0.4, 0.1, 0.4, 0.1]])
    assert ref.top_k_experts(probs, 2).tolist() == [[1, 2], [0, 1], [0, 2]]


def test_tied_output_uses_token_embd():
    tied = dataclasses.replace(BASE, tied=True)
    t = mf.model_tensors(tied)
    assert "output.weight" not in t
    untied = dict(t)
    untied["output.weight"] = t["token_embd.weight"].copy()
    assert rel(ref.forward(build(tied, t), TOKENS), ref.forward(build(tied, untied), TOKENS)) < 1e-12


def test_gqa_equals_mha_with_repeated_kv_heads():
    # Query head h reads KV head h // (n_head / n_head_kv): repeating each KV head's rows consecutively gives MHA.
    spec = dataclasses.replace(BASE, n_head=4, n_head_kv=2)
    t = mf.model_tensors(spec)
    hd = mf.head_dim(spec)
    mha = dict(t)
    for i in range(spec.n_layer):
        for n in ("attn_k", "attn_v"):
            w = t[f"blk.{i}.{n}.weight"].reshape(spec.n_head_kv, hd, spec.n_embd)
            mha[f"blk.{i}.{n}.weight"] = np.repeat(w, 2, axis=0).reshape(spec.n_head * hd, spec.n_embd)
    a = ref.forward(build(spec, t), TOKENS)
    b = ref.forward(build(dataclasses.replace(spec, n_head_kv=4), mha), TOKENS)
    assert rel(a, b) < 1e-12


def test_neox_rope_pairs_half_apart_and_is_relative():
    rng = np.random.default_rng(5)
    d = 8
    x = rng.standard_normal((1, 1, d))
    r = ref.rope_neox(x, np.array([3]), 10000.0)
    assert np.allclose(np.linalg.norm(r), np.linalg.norm(x))
    j = 1                                       # pair (1, 5) rotates by 3 * 10000^(-2/8)
    ang = 3 * 10000.0 ** (-2 * j / d)
    assert np.isclose(r[0, 0, j], x[0, 0, j] * np.cos(ang) - x[0, 0, j + d // 2] * np.sin(ang))
    assert np.isclose(r[0, 0, j + d // 2], x[0, 0, j] * np.sin(ang) + x[0, 0, j + d // 2] * np.cos(ang))
    q, k = rng.standard_normal((2, 1, 1, d))
    dots = [float(np.sum(ref.rope_neox(q, np.array([p + 4]), 1e4) * ref.rope_neox(k, np.array([p]), 1e4)))
            for p in (0, 7, 20)]
    assert np.allclose(dots, dots[0])


def test_causal_prefix_logits_do_not_depend_on_later_tokens():
    model = build(BASE)
    full = ref.forward(model, TOKENS)
    assert rel(ref.forward(model, TOKENS[:5]), full[:5]) < 1e-12


@pytest.mark.parametrize("fn,qtype,step", [(qz.quantize_q4_k, QT.Q4_K, 1 / 15), (qz.quantize_q6_k, QT.Q6_K, 1 / 31)])
def test_k_quantizers_round_trip_through_gguf(fn, qtype, step):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((3, 2, 512)) * np.array([0.01, 1.0, 30.0])[:, None, None]).astype(np.float32)
    x[0, 0, :256] = 0
    back = dequantize(fn(x), qtype)
    assert back.shape == x.shape
    assert np.all(back[0, 0, :256] == 0)
    for blk_x, blk_b in zip(x.reshape(-1, 256), back.reshape(-1, 256)):
        span = max(float(blk_x.max() - min(blk_x.min(), 0)), float(np.abs(blk_x).max()))
        assert np.max(np.abs(blk_x - blk_b)) <= span * step * 0.75 + 1e-7


def test_activation_fake_quant_matches_block_rules():
    x = np.array([[0.5, -1.27, 0.01] + [0.0] * 29])
    q = qz.fake_quant_q8_0(x)
    d = np.float32(np.float16(np.float32(1.27) / 127))
    assert np.allclose(q[0, :3], [np.round(0.5 / 0.01) * d, -127 * d, 1 * d], rtol=1e-6)
    y = np.zeros((1, 256))
    y[0, 0], y[0, 1] = -2.0, 1.0
    qk = qz.fake_quant_q8_k(y)
    assert qk[0, 0] == pytest.approx(-2.0) and qk[0, 1] == pytest.approx(np.rint(63.5) * 2 / 127)


def test_cli_prints_last_or_all_positions(tmp_path):
    spec = dataclasses.replace(BASE, name="cli")
    path = tmp_path / "cli.gguf"
    mf.write_model(spec, path)
    want = ref.forward(ref.load_model(path), TOKENS)
    for flag, rows in (([], want[-1:]), (["--all-positions"], want)):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert ref.main([str(path), "--tokens", ",".join(map(str, TOKENS)), *flag]) == 0
        got = np.array(json.loads(buf.getvalue())["logits"])
        assert got.shape == rows.shape and rel(got, rows) < 1e-12
    assert ref.main([str(path), "--tokens", "1,x"]) == 1
    assert ref.main([str(path), "--tokens", "100000"]) == 2


def test_file_without_extension_keys_uses_defaults(tmp_path):
    spec = dataclasses.replace(BASE, name="plain", cla=None, norm_w=None, rope_base=None)
    mf.write_model(spec, tmp_path / "plain.gguf")
    hp = ref.load_model(tmp_path / "plain.gguf").hp
    assert (hp.cla_share_factor, hp.expert_weights_norm, hp.rope_base) == (1, True, 10000.0)


def test_info_figures_for_hunyuan_large_kv_is_five_percent_of_mha():
    fig = mf.info_figures(tied=False, **mf.LARGE)
    assert fig["kv_bytes_per_token"]["f16"] * 20 == fig["kv_bytes_per_token_mha"]["f16"]
    assert abs(fig["parameters_total"] / 389e9 - 1) < 0.01 and abs(fig["parameters_active"] / 52e9 - 1) < 0.01


@pytest.mark.parametrize("spec", mf.SPECS, ids=lambda s: s.name)
def test_committed_fixtures_match_the_reference(spec):
    js = FIXTURES / f"{spec.name}.logits.json"
    if not js.exists():
        pytest.skip("fixtures not generated")
    fx = json.loads(js.read_text())
    got = ref.forward(ref.load_model(FIXTURES / fx["model"]), fx["tokens"])
    assert rel(got, np.array(fx["logits"])) < 1e-8


@pytest.mark.parametrize("spec", [s for s in mf.SPECS if s.alignment], ids=lambda s: s.name)
def test_custom_alignment_fixture_catches_a_reader_that_ignores_it(spec):
    path = FIXTURES / f"{spec.name}.gguf"
    if not path.exists():
        pytest.skip("fixtures not generated")
    end = mf.header_end(path)
    assert -(-end // 32) * 32 != -(-end // spec.alignment) * spec.alignment


def test_committed_dequant_fixtures_match_gguf(tmp_path):
    index = FIXTURES / "dequant-fixtures.json"
    if not index.exists():
        pytest.skip("fixtures not generated")
    import gguf
    for row in json.loads(index.read_text()):
        t = gguf.GGUFReader(str(FIXTURES / row["gguf"])).tensors[0]
        values = dequantize(np.asarray(t.data), t.tensor_type).astype("<f4").reshape(-1)
        raw = np.frombuffer((FIXTURES / row["f32"]).read_bytes(), dtype="<f4")
        assert t.tensor_type.name == row["type"] and np.array_equal(values.view("<u4"), raw.view("<u4"))
