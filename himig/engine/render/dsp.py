"""Building blocks of the synth voices: band-limited oscillators, filters, envelopes.

Everything is vectorised numpy over one note at a time (notes are cached by the
voices, so a note is synthesised once per track at most). Time-varying filters run
in short blocks with carried state, which is what makes sweeps cheap in numpy.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import scipy.signal as signal

from himig.engine import filters

Array = np.ndarray

# Filters whose cutoff moves are recomputed every BLOCK samples (5.8 ms at 44.1 kHz):
# the fastest sweeps here (a pluck's 90 ms decay) change by about 6 % per block,
# which sounds continuous, while a 1 s note costs under 200 filter calls.
BLOCK = 256
# A swept filter recomputes its coefficients when the cutoff has moved this much (0.5 %,
# under a tenth of a semitone: a step no one hears).
CUTOFF_TOLERANCE = 0.005


def midi_hz(pitch: float | Array) -> Array:
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


def rng_for(*key: object) -> np.random.Generator:
    """A generator seeded from the note's identity: noise is the same on every run
    (Python's ``hash`` of a string changes per process, crc32 does not)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _cycles(increment: Array) -> Array:
    """Cycles run since the first sample (unwrapped, float64 so a long note's phase
    does not drift) for per-sample increments in cycles."""
    cycles = np.cumsum(increment)
    cycles -= increment[0]
    return cycles


def _wrap(phase: Array) -> Array:
    phase -= np.floor(phase)
    return phase


def phase_from_freq(freq: Array, sample_rate: int, start: float = 0.0) -> Array:
    """Running phase in cycles (0–1) for a frequency curve; per sample."""
    phase = _cycles(np.asarray(freq, dtype=np.float64) / sample_rate)
    phase += start
    return _wrap(phase)


def _poly_blep(t: Array, dt: Array) -> Array:
    """Polynomial band-limited step residual, removing most aliasing of a hard edge."""
    out = np.zeros_like(t)
    rising = t < dt
    x = t[rising] / dt[rising]
    out[rising] = x + x - x * x - 1.0
    falling = t > 1.0 - dt
    x = (t[falling] - 1.0) / dt[falling]
    out[falling] = x * x + x + x + 1.0
    return out


def saw(freq: Array, sample_rate: int, start: float = 0.0) -> Array:
    """Band-limited sawtooth (PolyBLEP), −1…1, for a per-sample frequency curve."""
    return saws(freq, sample_rate, [(1.0, start)])[0]


def saws(freq: Array, sample_rate: int, voices: Sequence[tuple[float, float]]) -> list[Array]:
    """Band-limited saws at ``freq × ratio`` from phase ``start``, one per
    ``(ratio, start)`` in ``voices`` (a detuned stack): they share one running phase
    (each voice's is the base phase × its ratio), so the stack costs one cumulative
    sum instead of one per voice."""
    increment = np.asarray(freq, dtype=np.float64) / sample_rate
    cycles = _cycles(increment)
    step = increment.astype(np.float32)
    out = []
    for ratio, start in voices:
        phase = cycles * ratio
        phase += start
        # The wave itself in float32 (within 2e-5 of float64 throughout, −94 dB;
        # bench/render_balance.py times the voices).
        t = _wrap(phase).astype(np.float32)
        dt = np.minimum(step * np.float32(ratio), np.float32(0.5))
        wave = t * np.float32(2.0)
        wave -= np.float32(1.0)
        wave -= _poly_blep(t, dt)
        out.append(wave)
    return out


def square(freq: Array, sample_rate: int, start: float = 0.0, width: float = 0.5) -> Array:
    """Band-limited pulse as the difference of two band-limited saws."""
    return 0.5 * (saw(freq, sample_rate, start) - saw(freq, sample_rate, (start + width) % 1.0))


def sine(freq: Array, sample_rate: int, start: float = 0.0) -> Array:
    return np.sin(2.0 * np.pi * phase_from_freq(np.asarray(freq, dtype=np.float64), sample_rate, start))


def adsr(n: int, sample_rate: int, attack: float, decay: float, sustain: float, gate: int, release: float) -> Array:
    """Attack/decay/sustain held until ``gate`` samples, then an exponential-ish release.

    The release starts from wherever the envelope is at the gate, so a short note
    released during its attack does not jump.
    """
    t = np.arange(n) / sample_rate
    a = max(attack, 1e-4)
    env = np.where(t < a, t / a, sustain + (1.0 - sustain) * np.exp(-(t - a) / max(decay, 1e-4)))
    gate = min(max(gate, 1), n)
    if gate < n:
        level = env[gate - 1]
        tail = (np.arange(n - gate) + 1) / sample_rate
        # Reaches about −60 dB at ``release`` seconds; then forced to exactly zero.
        env[gate:] = level * np.exp(-6.9 * tail / max(release, 1e-3))
    return env


def release_samples(release: float, sample_rate: int) -> int:
    return int(release * sample_rate)


def fade_edges(x: Array, sample_rate: int, seconds: float = 0.003) -> Array:
    """Tiny fades at both ends so a note never starts or stops with a click."""
    k = min(int(seconds * sample_rate), x.shape[-1] // 2)
    if k > 0:
        ramp = np.linspace(0.0, 1.0, k, endpoint=False)
        x[..., :k] *= ramp
        x[..., -k:] *= ramp[::-1]
    return x


def lowpass(x: Array, cutoff: float, sample_rate: int, order: int = 2) -> Array:
    sos = signal.butter(order, min(cutoff, 0.45 * sample_rate), "low", fs=sample_rate, output="sos")
    return filters.sosfilt(sos, x)


def highpass(x: Array, cutoff: float, sample_rate: int, order: int = 2) -> Array:
    sos = signal.butter(order, min(cutoff, 0.45 * sample_rate), "high", fs=sample_rate, output="sos")
    return filters.sosfilt(sos, x)


def bandpass(x: Array, low: float, high: float, sample_rate: int, order: int = 2) -> Array:
    high = min(high, 0.45 * sample_rate)
    sos = signal.butter(order, [low, high], "band", fs=sample_rate, output="sos")
    return filters.sosfilt(sos, x)


def _biquads(kind: str, cutoff: Array, q: float, sample_rate: int) -> tuple[Array, Array]:
    """RBJ cookbook biquad coefficients for many cutoffs at once: (b, a), each (k, 3), a[:, 0] == 1."""
    w0 = 2.0 * np.pi * np.clip(cutoff, 10.0, 0.45 * sample_rate) / sample_rate
    alpha = np.sin(w0) / (2.0 * q)
    cos = np.cos(w0)
    if kind == "low":
        b = np.stack([(1 - cos) / 2, 1 - cos, (1 - cos) / 2], axis=1)
    elif kind == "band":
        b = np.stack([alpha, np.zeros_like(alpha), -alpha], axis=1)
    else:
        raise ValueError(kind)
    a = np.stack([1 + alpha, -2 * cos, 1 - alpha], axis=1)
    return b / a[:, :1], a / a[:, :1]


def swept_filter(x: Array, cutoff: Array, sample_rate: int, q: float = 0.707, kind: str = "low") -> Array:
    """A resonant biquad whose cutoff follows ``cutoff`` (Hz per sample), block by block.

    Transposed direct form II state is carried from block to block, so a moving
    cutoff sweeps smoothly instead of restarting the filter. Consecutive blocks
    whose cutoff stays within ``CUTOFF_TOLERANCE`` of the first one's share one
    filter call: a held pad's filter, settled after its swell, costs a few calls
    instead of one per 256 samples. ``x`` may be (n,) or (channels, n): all
    channels go through each call together.
    """
    out = np.empty(x.shape, dtype=np.float64)
    n = x.shape[-1]
    starts = np.arange(0, n, BLOCK)
    block_cutoffs = np.clip(np.asarray(cutoff, dtype=np.float64)[starts], 10.0, 0.45 * sample_rate)
    # Segments: a new one starts where the cutoff has moved by more than the tolerance.
    segment_starts = [0]
    reference = block_cutoffs[0]
    for index in range(1, starts.size):
        if abs(block_cutoffs[index] / reference - 1.0) > CUTOFF_TOLERANCE:
            segment_starts.append(index)
            reference = block_cutoffs[index]
    bs, as_ = _biquads(kind, block_cutoffs[segment_starts], q, sample_rate)
    zi = np.zeros((*x.shape[:-1], 2))
    bounds = [int(starts[i]) for i in segment_starts] + [n]
    for index in range(len(segment_starts)):
        start, stop = bounds[index], bounds[index + 1]
        out[..., start:stop], zi = filters.lfilter(bs[index], as_[index], x[..., start:stop], axis=-1, zi=zi)
    return out


def soft_clip(x: Array, drive: float) -> Array:
    """tanh saturation normalised so small signals keep their level."""
    return np.tanh(drive * x) / np.tanh(drive)
