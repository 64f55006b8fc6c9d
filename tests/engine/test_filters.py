"""The denormal-guarded IIR filters give scipy's answers."""

from __future__ import annotations

import numpy as np
from scipy import signal

from himig.engine import filters

SR = 44100


def decaying(n: int = 65536) -> np.ndarray:
    rng = np.random.default_rng(1)
    return (rng.standard_normal((2, n)) * np.exp(-np.arange(n) / 300.0)).astype(np.float32)


def test_guarded_filters_match_scipy_on_audio_and_stay_silent_on_silence():
    sos = signal.butter(2, 40, "high", fs=SR, output="sos").astype(np.float32)
    x = decaying()
    zi = np.zeros((1, 2, 2), dtype=np.float32)
    ours, _ = filters.sosfilt(sos, x, axis=1, zi=zi)
    theirs, _ = signal.sosfilt(sos, x, axis=1, zi=zi)
    assert ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-6 * np.abs(theirs).max()
    # Where the input has died away the output is silent (no −400 dB guard left audible)
    assert np.abs(ours[:, -1000:]).max() < 1e-15
    # The guard keeps the filter's values out of the subnormal range
    tail = np.abs(ours[:, -1000:])
    assert not np.any((tail > 0) & (tail < np.finfo(np.float32).tiny))
    assert np.any(np.abs(theirs[:, -1000:]) < np.finfo(np.float32).tiny)  # scipy alone goes subnormal


def test_guarded_lfilter_and_plain_calls_match_scipy():
    b, a = signal.butter(2, 2000, "low", fs=SR)
    x = decaying(20000).astype(np.float64)
    np.testing.assert_allclose(filters.lfilter(b, a, x), signal.lfilter(b, a, x), atol=1e-15)
    sos = signal.butter(4, 5000, "low", fs=SR, output="sos")
    np.testing.assert_allclose(filters.sosfilt(sos, x), signal.sosfilt(sos, x), atol=1e-15)
