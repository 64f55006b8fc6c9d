"""DSP voices for electronic sounds: one function per voice name used by the composer.

A voice turns one note into a stereo array ``(2, m)``: ``gate`` samples held, then
its own release tail. ``brightness`` (0–1, from the velocity bucket) opens filters;
the loudness of the velocity is applied by the caller so notes can be cached by
bucket. Levels are calibrated so a full-velocity note peaks around 0.5–0.7, in the
range of the SoundFont's instruments, before the mix sets the part's gain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from himig.engine.render import dsp
from himig.engine.render.drums import electronic_drum

Array = np.ndarray


@dataclass(frozen=True)
class NoteSpec:
    pitch: int
    gate: int  # samples the note is held
    brightness: float  # 0–1 from the velocity bucket
    glide_to: int | None
    sample_rate: int
    tonic: int | None = None  # pitch class of the key, for voices tuned to it (the kick)


Voice = Callable[[NoteSpec], Array]


def _stereo(mono: Array) -> Array:
    return np.stack([mono, mono])


def _env(spec: NoteSpec, attack: float, decay: float, sustain: float, release: float) -> tuple[Array, int]:
    n = spec.gate + dsp.release_samples(release, spec.sample_rate)
    return dsp.adsr(n, spec.sample_rate, attack, decay, sustain, spec.gate, release), n


VIBRATO_STEP = 32


def _freq_curve(spec: NoteSpec, n: int, vibrato_cents: float = 0.0, vibrato_delay: float = 0.25) -> Array:
    freq = np.full(n, float(dsp.midi_hz(spec.pitch)))
    if vibrato_cents:
        # The 5.2 Hz vibrato computed every VIBRATO_STEP samples and interpolated
        # (a sine that slow is a straight line over 0.7 ms): a fifth of the work.
        coarse = np.arange(0, n + VIBRATO_STEP, VIBRATO_STEP)
        t = coarse / spec.sample_rate
        depth = np.clip((t - vibrato_delay) / 0.3, 0.0, 1.0) * vibrato_cents
        bend = np.exp2(depth * np.sin(2 * np.pi * 5.2 * t) / 1200.0)
        freq *= np.interp(np.arange(n), coarse, bend)
    return freq


def saw_lead(spec: NoteSpec) -> Array:
    env, n = _env(spec, 0.006, 0.25, 0.75, 0.12)
    freq = _freq_curve(spec, n, vibrato_cents=12.0)
    detune = 2.0 ** (7.0 / 1200.0)
    sub = 0.25 * dsp.square(freq / 2.0, spec.sample_rate, 0.3)
    both = np.stack([dsp.saw(freq * detune, spec.sample_rate, 0.1) + sub, dsp.saw(freq / detune, spec.sample_rate, 0.6) + sub])
    cutoff = 1800.0 + 5200.0 * spec.brightness
    sweep = cutoff * (1.0 + 1.5 * np.exp(-np.arange(n) / (0.08 * spec.sample_rate)))
    out = dsp.swept_filter(both, sweep, spec.sample_rate, 1.2)
    return 0.32 * out * env


def supersaw(spec: NoteSpec) -> Array:
    """Seven detuned saws spread across the stereo field (the trance/EDM chord sound)."""
    env, n = _env(spec, 0.012, 0.4, 0.8, 0.3)
    base = float(dsp.midi_hz(spec.pitch))
    rng = dsp.rng_for("supersaw", spec.pitch)
    detunes = np.array([-24.0, -15.0, -7.0, 0.0, 7.0, 15.0, 24.0])
    pans = np.array([-0.9, 0.6, -0.4, 0.0, 0.4, -0.6, 0.9])
    out = np.zeros((2, n))
    waves = dsp.saws(np.full(n, base), spec.sample_rate, [(2.0 ** (cents / 1200.0), float(rng.random())) for cents in detunes])
    for wave, pan in zip(waves, pans, strict=True):
        out[0] += wave * np.sqrt(0.5 * (1.0 - pan))
        out[1] += wave * np.sqrt(0.5 * (1.0 + pan))
    cutoff = 3500.0 + 6000.0 * spec.brightness
    out = dsp.lowpass(out, cutoff, spec.sample_rate)
    return 0.16 * out * env


def pluck(spec: NoteSpec) -> Array:
    """A short, bright-then-dark pluck: filter and level both decay fast."""
    n = spec.gate + dsp.release_samples(0.25, spec.sample_rate)
    t = np.arange(n) / spec.sample_rate
    freq = np.full(n, float(dsp.midi_hz(spec.pitch)))
    wave = dsp.saw(freq, spec.sample_rate) + 0.5 * dsp.square(freq * 2.0, spec.sample_rate, 0.25)
    cutoff = 300.0 + (2500.0 + 5000.0 * spec.brightness) * np.exp(-t / 0.09)
    filtered = dsp.swept_filter(wave, cutoff, spec.sample_rate, 2.0)
    env = np.exp(-t / 0.35) * dsp.adsr(n, spec.sample_rate, 0.002, 1.0, 1.0, spec.gate, 0.2)
    return _stereo(0.55 * filtered * env)


def sub_bass(spec: NoteSpec) -> Array:
    env, n = _env(spec, 0.008, 0.3, 0.9, 0.08)
    freq = _freq_curve(spec, n)
    wave = dsp.soft_clip(dsp.sine(freq, spec.sample_rate), 1.6)
    return _stereo(0.7 * wave * env)


def bass_808(spec: NoteSpec) -> Array:
    """Sine with a pitch punch at the start, long decay, saturation for small speakers.

    ``glide_to`` bends the pitch to that note over the note's length (the trap 808 slide).
    """
    sr = spec.sample_rate
    n = spec.gate + dsp.release_samples(0.12, sr)
    t = np.arange(n) / sr
    semis = np.full(n, float(spec.pitch))
    if spec.glide_to is not None:
        # Hold the first note briefly, then slide (smoothstep) to the target by the note end.
        progress = np.clip((np.arange(n) - 0.25 * spec.gate) / max(0.75 * spec.gate, 1.0), 0.0, 1.0)
        semis = semis + (spec.glide_to - spec.pitch) * progress * progress * (3.0 - 2.0 * progress)
    semis = semis + 7.0 * np.exp(-t / 0.012)  # the "knock": a fast drop into the pitch
    wave = dsp.sine(dsp.midi_hz(semis), sr)
    body = np.exp(-t / 1.6)
    env = dsp.adsr(n, sr, 0.001, 1.0, 1.0, spec.gate, 0.1) * body
    return _stereo(0.75 * dsp.soft_clip(wave * env, 2.2 + spec.brightness))


def acid_bass(spec: NoteSpec) -> Array:
    """Saw through a resonant low-pass with a snappy cutoff envelope, lightly driven."""
    sr = spec.sample_rate
    env, n = _env(spec, 0.003, 0.2, 0.7, 0.06)
    t = np.arange(n) / sr
    freq = _freq_curve(spec, n)
    wave = dsp.saw(freq, sr)
    cutoff = 250.0 + (1200.0 + 2800.0 * spec.brightness) * np.exp(-t / 0.12)
    filtered = dsp.swept_filter(wave, cutoff, sr, q=5.0)
    return _stereo(0.42 * dsp.soft_clip(filtered * env, 1.8))


def synth_pad(spec: NoteSpec) -> Array:
    """Detuned saws, dark filter with a slow swell, slow attack and long release."""
    sr = spec.sample_rate
    env, n = _env(spec, 0.45, 1.0, 0.85, 0.9)
    base = _freq_curve(spec, n, vibrato_cents=4.0, vibrato_delay=0.0)
    rng = dsp.rng_for("pad", spec.pitch)
    cents = (-9, 5, 9, -5)
    voices = dsp.saws(base, sr, [(2 ** (c / 1200), float(rng.random())) for c in cents])
    left = voices[0] + voices[1]
    right = voices[2] + voices[3]
    t = np.arange(n) / sr
    cutoff = (900.0 + 1400.0 * spec.brightness) * (1.0 + 0.6 * (1.0 - np.exp(-t / 1.5)))
    out = dsp.swept_filter(np.stack([left, right]), cutoff, sr, 0.9)
    return 0.2 * out * env


def arp(spec: NoteSpec) -> Array:
    """Short square-ish notes with a bright, quick filter blip; made to repeat fast."""
    sr = spec.sample_rate
    env, n = _env(spec, 0.002, 0.12, 0.35, 0.07)
    t = np.arange(n) / sr
    freq = _freq_curve(spec, n)
    wave = dsp.square(freq, sr, 0.0, 0.3) + 0.4 * dsp.saw(freq * 2.0, sr, 0.5)
    cutoff = 900.0 + (2500.0 + 4000.0 * spec.brightness) * np.exp(-t / 0.05)
    return _stereo(0.45 * dsp.swept_filter(wave, cutoff, sr, 1.5) * env)


def riser(spec: NoteSpec) -> Array:
    """White noise through a band-pass sweeping up over the whole note, getting louder."""
    sr = spec.sample_rate
    n = spec.gate + dsp.release_samples(0.15, sr)
    progress = np.clip(np.arange(n) / max(spec.gate, 1), 0.0, 1.0)
    rng = dsp.rng_for("riser", spec.gate)
    noise = rng.standard_normal((2, n))
    cutoff = 300.0 * (30.0 ** progress)  # 300 Hz → 9 kHz, exponential so it sounds even
    swept = dsp.swept_filter(noise, cutoff, sr, q=2.5, kind="band")
    tone = 0.3 * dsp.saw(dsp.midi_hz(spec.pitch + 24.0 * progress), sr)
    level = progress**2 * dsp.adsr(n, sr, 0.01, 1.0, 1.0, spec.gate, 0.12)
    return 0.35 * (swept + dsp.lowpass(tone, 4000.0, sr)) * level


def impact(spec: NoteSpec) -> Array:
    """A downward sine boom, a noise burst and a long, dark tail (trailer hits)."""
    sr = spec.sample_rate
    n = max(spec.gate, int(1.5 * sr)) + dsp.release_samples(0.3, sr)
    t = np.arange(n) / sr
    start = float(dsp.midi_hz(spec.pitch))
    boom = dsp.sine(start * (0.5 + 0.5 * np.exp(-t / 0.25)), sr) * np.exp(-t / 0.9)
    rng = dsp.rng_for("impact", spec.pitch)
    noise = dsp.lowpass(rng.standard_normal((2, n)), 2500.0, sr) * np.exp(-t / 0.35)
    out = 0.8 * np.stack([boom, boom]) + 0.35 * noise
    return dsp.soft_clip(out, 1.5) * 0.8


def drums_electronic(spec: NoteSpec) -> Array:
    return electronic_drum(spec.pitch, spec.brightness, spec.sample_rate, spec.tonic)


VOICES: dict[str, Voice] = {
    "saw_lead": saw_lead,
    "supersaw": supersaw,
    "pluck": pluck,
    "sub_bass": sub_bass,
    "808": bass_808,
    "acid_bass": acid_bass,
    "synth_pad": synth_pad,
    "arp": arp,
    "drums_electronic": drums_electronic,
    "riser": riser,
    "impact": impact,
}

# Level trims (dB) so a voice at velocity 100 sits near the nearest General MIDI
# instrument of the SoundFont (measured RMS of the same notes, see docs/engine.md):
# a part's gain_db then means the same thing whichever way it is played.
LEVEL_DB: dict[str, float] = {
    "saw_lead": -10.0,
    "supersaw": -8.0,
    "pluck": -10.0,
    "sub_bass": -12.0,
    "808": -14.0,
    "acid_bass": -8.0,
    "synth_pad": -2.0,
    "arp": -6.0,
    "riser": 0.0,
    "impact": -12.0,
    "drums_electronic": -4.0,
}

# Voices whose sound does not depend on how long the note is held (one-shots):
# their cache key ignores the length, so every hit of a kit piece is synthesised once.
ONE_SHOT = frozenset({"drums_electronic"})
