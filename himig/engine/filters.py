"""IIR filters that stay fast on quiet audio.

A recursive filter fed a signal that dies away (a part's silence after its last note,
a release tail, the end of a track) carries state values that shrink into the
subnormal range, and x86 arithmetic on subnormal floats is many times slower:
scipy's ``sosfilt`` took 6.95 ms per 1.5 s chunk of a decaying signal against
0.61 ms for music (``bench/render_balance.py``). Adding a constant 1e-20 to the input keeps every value normal:
high-passes remove it, low-passes pass it at −400 dB, and on audible samples the
addition rounds away entirely.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import signal

Array = np.ndarray
GUARD = 1e-20


def _guarded(x: Array) -> Array:
    return np.add(x, x.dtype.type(GUARD) if x.dtype.kind == "f" else GUARD)


def sosfilt(sos: Array, x: Array, *, axis: int = -1, zi: Array | None = None) -> Any:
    """``scipy.signal.sosfilt`` on ``x`` plus the guard (same return as scipy's)."""
    if zi is None:
        return signal.sosfilt(sos, _guarded(x), axis=axis)
    return signal.sosfilt(sos, _guarded(x), axis=axis, zi=zi)


def lfilter(b: Array, a: Array, x: Array, *, axis: int = -1, zi: Array | None = None) -> Any:
    """``scipy.signal.lfilter`` on ``x`` plus the guard (same return as scipy's)."""
    if zi is None:
        return signal.lfilter(b, a, _guarded(x), axis=axis)
    return signal.lfilter(b, a, _guarded(x), axis=axis, zi=zi)
