"""A synthesised electronic drum kit keyed by General MIDI drum keys.

Each piece is classic analogue-style synthesis: kicks and toms are sines with a
falling pitch, snares and claps mix a tone with filtered noise, cymbals and hats
are high-passed noise plus a cluster of inharmonic square waves (the 808 recipe).
"""

from __future__ import annotations

import numpy as np

from himig.engine.render import dsp

Array = np.ndarray

KICKS = {35, 36}
SNARES = {38, 40}
CLAP = 39
CLOSED_HATS = {42, 44}
OPEN_HAT = 46
CRASHES = {49, 57, 52, 55}
RIDES = {51, 59, 53}
SHAKER = {70, 69, 82}
TAMBOURINE = 54
TOMS = {41: 0, 43: 1, 45: 2, 47: 3, 48: 4, 50: 5}  # low → high

# Six square waves at inharmonic ratios: the metallic core of 808-style cymbals.
METAL_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)


def _t(n: int, sr: int) -> Array:
    return np.arange(n) / sr


def _metal(n: int, sr: int) -> Array:
    return sum((dsp.square(np.full(n, f), sr, 0.13 * i) for i, f in enumerate(METAL_HZ)), np.zeros(n)) / 6.0


# Where the kick's pitch settles when the key is unknown; with a key, on the tonic.
KICK_HZ = 48.0
KICK_RANGE_HZ = (40.0, 80.0)


def kick_hz(tonic: int | None) -> float:
    """The kick's settling pitch: the tonic (pitch class 0–11) in the 40–80 Hz octave.

    Producers tune the kick to the key: an untuned kick's long boom is a low note of
    its own (48 Hz is a sharp G), heard against the bass and read by key detectors.
    """
    if tonic is None:
        return KICK_HZ
    hz = 440.0 * 2.0 ** ((24 + tonic % 12 - 69) / 12.0)  # C1 … B1: 32.7 … 61.7 Hz
    while hz < KICK_RANGE_HZ[0]:
        hz *= 2.0
    return hz


def kick(sr: int, brightness: float, settle_hz: float = KICK_HZ) -> Array:
    n = int(0.5 * sr)
    t = _t(n, sr)
    freq = settle_hz + 110.0 * np.exp(-t / 0.035)
    body = dsp.sine(freq, sr) * np.exp(-t / 0.28)
    click = dsp.highpass(dsp.rng_for("kick").standard_normal(n), 2000.0, sr) * np.exp(-t / 0.004)
    return dsp.soft_clip(0.95 * body + (0.12 + 0.15 * brightness) * click, 1.5)


def snare(sr: int, brightness: float) -> Array:
    n = int(0.35 * sr)
    t = _t(n, sr)
    tone = dsp.sine(185.0 + 40.0 * np.exp(-t / 0.01), sr) * np.exp(-t / 0.07)
    noise = dsp.bandpass(dsp.rng_for("snare").standard_normal(n), 1500.0, 9000.0, sr)
    return 0.5 * tone + (0.45 + 0.2 * brightness) * noise * np.exp(-t / 0.12)


def clap(sr: int, brightness: float) -> Array:
    n = int(0.4 * sr)
    t = _t(n, sr)
    noise = dsp.bandpass(dsp.rng_for("clap").standard_normal(n), 900.0, 5000.0, sr)
    # Three quick bursts then a tail: several hands, not quite together.
    env = np.zeros(n)
    for offset in (0.0, 0.011, 0.022):
        env += (t >= offset) * np.exp(-np.clip(t - offset, 0.0, None) / 0.006)
    env += (t >= 0.03) * np.exp(-np.clip(t - 0.03, 0.0, None) / 0.13) * 0.6
    return (0.55 + 0.2 * brightness) * noise * env


def hat(sr: int, brightness: float, open_: bool) -> Array:
    n = int((0.5 if open_ else 0.09) * sr)
    t = _t(n, sr)
    rng = dsp.rng_for("hat", open_)
    raw = 0.6 * _metal(n, sr) + 0.5 * rng.standard_normal(n)
    body = dsp.highpass(raw, 6500.0 - 1000.0 * brightness, sr, order=4)
    decay = 0.16 if open_ else 0.025
    return 0.6 * body * np.exp(-t / decay)


def cymbal(sr: int, brightness: float, ride: bool) -> Array:
    n = int((1.2 if ride else 2.0) * sr)
    t = _t(n, sr)
    rng = dsp.rng_for("cymbal", ride)
    metal = _metal(n, sr)
    if ride:
        raw = 0.9 * metal + 0.25 * rng.standard_normal(n)
        body = dsp.highpass(raw, 3000.0, sr, order=2) * np.exp(-t / 0.45)
        ping = dsp.sine(np.full(n, 3150.0), sr) * np.exp(-t / 0.25) * 0.15
        return 0.4 * (body + ping)
    raw = 0.4 * metal + 0.8 * rng.standard_normal(n)
    body = dsp.highpass(raw, 4000.0 - 800.0 * brightness, sr, order=2)
    return 0.45 * body * np.exp(-t / 0.7)


def shaker(sr: int, brightness: float) -> Array:
    n = int(0.12 * sr)
    t = _t(n, sr)
    noise = dsp.bandpass(dsp.rng_for("shaker").standard_normal(n), 4500.0, 11000.0, sr, order=2)
    env = (1.0 - np.exp(-t / 0.01)) * np.exp(-t / 0.035)  # a soft onset: beads, not a stick
    return (0.7 + 0.3 * brightness) * noise * env


def tambourine(sr: int, brightness: float) -> Array:
    n = int(0.3 * sr)
    t = _t(n, sr)
    jingles = sum(
        (dsp.sine(np.full(n, f), sr) for f in (5200.0, 6300.0, 7400.0, 8600.0)), np.zeros(n)
    ) * 0.15
    noise = dsp.highpass(dsp.rng_for("tambourine").standard_normal(n), 5000.0, sr)
    return (0.5 + 0.2 * brightness) * (jingles + 0.6 * noise) * np.exp(-t / 0.08)


def tom(sr: int, brightness: float, index: int) -> Array:
    n = int(0.5 * sr)
    t = _t(n, sr)
    base = 80.0 * 2.0 ** (index / 4.0)  # six toms over about an octave and a half
    freq = base * (1.0 + 0.6 * np.exp(-t / 0.03))
    body = dsp.sine(freq, sr) * np.exp(-t / 0.22)
    stick = dsp.bandpass(dsp.rng_for("tom", index).standard_normal(n), 800.0, 4000.0, sr) * np.exp(-t / 0.01)
    return 0.8 * body + (0.1 + 0.1 * brightness) * stick


def fallback(sr: int, brightness: float, key: int) -> Array:
    """Any other key: a short pitched click (rimshot/woodblock-like), tuned by key."""
    n = int(0.15 * sr)
    t = _t(n, sr)
    centre = 600.0 + 40.0 * (key % 32)
    tone = dsp.sine(np.full(n, centre), sr) * np.exp(-t / 0.03)
    noise = dsp.bandpass(dsp.rng_for("fallback", key).standard_normal(n), centre, centre * 3.0, sr)
    return (0.5 + 0.2 * brightness) * (0.7 * tone + 0.4 * noise * np.exp(-t / 0.015))


def electronic_drum(key: int, brightness: float, sr: int, tonic: int | None = None) -> Array:
    """One hit of ``key`` as a stereo array; hats and percussion sit slightly off-centre.
    ``tonic`` (a pitch class) tunes the kick to the key."""
    pan = 0.0
    if key in KICKS:
        mono = kick(sr, brightness, kick_hz(tonic))
    elif key in SNARES:
        mono = snare(sr, brightness)
    elif key == CLAP:
        mono = clap(sr, brightness)
    elif key in CLOSED_HATS:
        mono, pan = hat(sr, brightness, open_=False), 0.25
    elif key == OPEN_HAT:
        mono, pan = hat(sr, brightness, open_=True), 0.25
    elif key in CRASHES:
        mono, pan = cymbal(sr, brightness, ride=False), -0.3
    elif key in RIDES:
        mono, pan = cymbal(sr, brightness, ride=True), 0.3
    elif key in SHAKER:
        mono, pan = shaker(sr, brightness), -0.35
    elif key == TAMBOURINE:
        mono, pan = tambourine(sr, brightness), 0.35
    elif key in TOMS:
        mono, pan = tom(sr, brightness, TOMS[key]), 0.4 - 0.16 * TOMS[key]
    else:
        mono = fallback(sr, brightness, key)
    mono = dsp.fade_edges(mono, sr, 0.001)
    return np.stack([mono * np.sqrt(0.5 * (1.0 - pan)), mono * np.sqrt(0.5 * (1.0 + pan))]) * np.sqrt(2.0)
