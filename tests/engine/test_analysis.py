"""Tempo and key measured from synthesised audio whose answers we know."""

from __future__ import annotations

import numpy as np
import pytest

from himig.engine.analysis import analyse, chromagram, estimate_key, lowest_notes
from himig.engine.theory import NOTE_NAMES, parse_key

SR = 44100


def _drum(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "kick":
        t = np.arange(int(0.25 * SR)) / SR
        return np.sin(2 * np.pi * (50 + 80 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    if kind == "snare":
        t = np.arange(int(0.2 * SR)) / SR
        return (rng.standard_normal(t.size) * 0.6 + np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 20)
    t = np.arange(int(0.05 * SR)) / SR
    return np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t * 80) * 0.5


def drum_track(bpm: float, seconds: float, pattern: str, *, jitter_ms: float = 0.0, seed: int = 0) -> np.ndarray:
    """A stereo drum loop: ``click`` (one hit a beat), ``rock`` (kick/snare + 8th hats), ``house``."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    beat = 60.0 / bpm

    def hit(at: float, kind: str, velocity: float) -> None:
        at += rng.uniform(-jitter_ms, jitter_ms) / 1000.0
        start = max(0, int(at * SR))
        sound = _drum(kind, rng)[: max(0, out.size - start)]
        out[start : start + sound.size] += velocity * sound

    for n in range(int(seconds / beat)):
        t = n * beat
        if pattern == "click":
            hit(t, "hat", 0.8)
        elif pattern == "rock":
            hit(t, "kick" if n % 2 == 0 else "snare", 0.8)
            hit(t, "hat", 0.3)
            hit(t + beat / 2, "hat", 0.25)
        elif pattern == "house":
            hit(t, "kick", 0.9)
            if n % 2:
                hit(t, "snare", 0.5)
            hit(t + beat / 2, "hat", 0.35)
    mono = (out * 0.3).astype(np.float32)
    return np.stack([mono, mono])


def _tone(midi: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    freq = 440.0 * 2 ** ((midi - 69) / 12)
    partials = sum(np.sin(2 * np.pi * freq * h * t) / h for h in range(1, 6) if freq * h < SR / 2)
    return partials * np.exp(-t * 1.5)


def cadence_track(key_name: str, seconds: float = 16.0) -> np.ndarray:
    """Block chords I–IV–V–I (or i–iv–V–i) with the bass on the root, repeated, ending on the tonic."""
    key = parse_key(key_name)
    scale = key.scale()
    degrees = [0, 3, 4, 0]
    chord_seconds = 2.0
    out = np.zeros(int(seconds * SR))
    for n in range(int(seconds / chord_seconds)):
        degree = degrees[n % 4]
        start = int(n * chord_seconds * SR)
        pitches = [scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]
        if degree == 4 and key.is_minor:
            pitches[1] += 1  # the raised leading tone of the harmonic minor dominant
        for pitch in pitches:
            sound = _tone(48 + key.tonic + pitch, chord_seconds)
            out[start : start + sound.size] += 0.2 * sound
        bass = _tone(36 + key.tonic + scale[degree], chord_seconds)
        out[start : start + bass.size] += 0.3 * bass
    mono = out.astype(np.float32)
    return np.stack([mono, mono])


@pytest.mark.parametrize("bpm", [60, 72, 85, 90, 100, 120, 128, 140, 150, 174])
def test_click_track_tempo(bpm: float) -> None:
    result = analyse(drum_track(bpm, 20, "click"), SR)
    assert result["tempo_bpm"] == pytest.approx(bpm, rel=0.02)
    assert 0.0 < float(result["tempo_confidence"] or 0) <= 1.0


@pytest.mark.parametrize("bpm", [85, 100, 120, 128, 140, 150])
def test_rock_beat_tempo_with_humanised_timing(bpm: float) -> None:
    result = analyse(drum_track(bpm, 30, "rock", jitter_ms=8), SR)
    assert result["tempo_bpm"] == pytest.approx(bpm, rel=0.02)


@pytest.mark.parametrize("bpm", [120, 124, 128])
def test_four_on_the_floor_tempo(bpm: float) -> None:
    assert analyse(drum_track(bpm, 20, "house"), SR)["tempo_bpm"] == pytest.approx(bpm, rel=0.02)


def half_time_groove(bpm: float, seconds: float, seed: int) -> np.ndarray:
    """Kick on 1, snare on 3 (a half-time backbeat) under loud, steady 8th-note hats."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    beat = 60.0 / bpm

    def hit(at: float, kind: str, velocity: float) -> None:
        start = max(0, int((at + rng.uniform(-0.004, 0.004)) * SR))
        sound = _drum(kind, rng)[: max(0, out.size - start)]
        out[start : start + sound.size] += velocity * sound

    for bar in range(int(seconds / (4 * beat))):
        at = bar * 4 * beat
        hit(at, "kick", 0.3)
        hit(at + 2 * beat, "snare", 0.4)
        for eighth in range(8):
            hit(at + eighth * beat / 2, "hat", 1.0)
    mono = (out * 0.3).astype(np.float32)
    return np.stack([mono, mono])


@pytest.mark.parametrize("seed", [0, 1])
def test_half_time_backbeat_under_steady_eighths_reads_the_full_tempo(seed: int) -> None:
    # the backbeat alone says 75; the hats move at 150, as the track's tempo does
    assert analyse(half_time_groove(150, 30, seed), SR)["tempo_bpm"] == pytest.approx(150, rel=0.02)


@pytest.mark.parametrize("key", [f"{note} {mode}" for note in NOTE_NAMES for mode in ("major", "minor")])
def test_key_of_a_cadence(key: str) -> None:
    result = analyse(cadence_track(key), SR)
    assert result["key"] == key
    assert 0.5 < float(result["key_confidence"] or 0) <= 1.0


def _square_bass(midi: float, seconds: float) -> np.ndarray:
    """A buzzy bass (odd harmonics, like a saturated 808 or a square synth bass) held to the end."""
    t = np.arange(int(seconds * SR)) / SR
    freq = 440.0 * 2 ** ((midi - 69) / 12)
    wave = sum(np.sin(2 * np.pi * freq * h * t) / h for h in range(1, 12, 2) if freq * h < SR / 2)
    return wave * np.minimum(1.0, 8 * (seconds - t))


def bright_bass_track(key_name: str) -> np.ndarray:
    """i–iv–i–V–i–VI–V–i over a square-wave bass between E1 and D#2, two seconds a chord.

    The bass's 3rd harmonic is the fifth of each chord, an octave and a half up: counted
    as a bass note it pulls the key a fifth up (the tonic's fifth looks like the tonic).
    """
    key = parse_key(key_name)
    scale = key.scale()
    chord_seconds = 2.0
    degrees = (0, 3, 0, 4, 0, 5, 4, 0)
    out = np.zeros(int(len(degrees) * chord_seconds * SR))
    for n, degree in enumerate(degrees):
        start = int(n * chord_seconds * SR)
        pitches = [scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]
        if degree == 4 and key.is_minor:
            pitches[1] += 1
        for pitch in pitches:
            sound = _tone(60 + key.tonic + pitch - (12 if key.tonic > 5 else 0), chord_seconds)
            out[start : start + sound.size] += 0.2 * sound
        bass = _square_bass(28 + (key.tonic + scale[degree] - 4) % 12, chord_seconds)
        out[start : start + bass.size] += 0.3 * bass
    mono = out.astype(np.float32)
    return np.stack([mono, mono])


@pytest.mark.parametrize("key", [f"{note} {mode}" for note in NOTE_NAMES for mode in ("major", "minor")])
def test_a_bright_bass_does_not_move_the_key_a_fifth_up(key: str) -> None:
    assert analyse(bright_bass_track(key), SR)["key"] == key


def test_lowest_notes_reads_the_fundamental_not_its_overtones() -> None:
    audio = (_square_bass(38, 3.0) * 0.3 + _tone(69, 3.0) * 0.1).astype(np.float32)  # D2 (buzzy) under A4
    low = audio[:: 8]
    bass = lowest_notes(low, SR / 8)
    assert int(np.argmax(bass)) == 2
    assert bass[9] == 0.0  # neither the bass's 3rd harmonic (A3) nor the A above counts


def test_lowest_notes_of_an_ending_whose_bass_lifts_off_first() -> None:
    # D major final chord held 4 s, voiced A3-D4-F#4; the bass D2 lifts off after 1.8 s
    # (endings ring out that way): the strike, with its bass, is what names the chord
    t = np.arange(4 * SR) / SR
    chord = sum(np.sin(2 * np.pi * 440.0 * 2 ** ((m - 69) / 12) * t) for m in (57, 62, 66)) * np.exp(-t * 0.4) * 0.1
    bass = np.zeros_like(t)
    bass[: int(1.8 * SR)] = _square_bass(38, 1.8) * 0.4
    ending = (chord + bass).astype(np.float32)[-3 * SR :]
    assert int(np.argmax(lowest_notes(ending[::8], SR / 8))) == 2


def test_scale_played_up_and_down_from_the_tonic() -> None:
    key = parse_key("E minor")
    notes = [52 + step for step in key.scale()] + [64] + [52 + step for step in reversed(key.scale())]
    audio = np.concatenate([_tone(n, 0.5) for n in notes] + [_tone(52, 2.0)])
    name, _ = estimate_key(audio.astype(np.float32), SR)
    assert name == "E minor"


def test_chromagram_of_a_single_note() -> None:
    chroma = chromagram(_tone(69, 3.0).astype(np.float32), SR)  # A4
    assert int(np.argmax(chroma)) == 9


def test_silence_and_short_audio_measure_nothing() -> None:
    nothing = {"tempo_bpm": None, "tempo_confidence": 0.0, "key": None, "key_confidence": 0.0}
    assert analyse(np.zeros((2, SR * 10), dtype=np.float32), SR) == nothing
    assert analyse(np.full((2, SR // 2), 0.1, dtype=np.float32), SR) == nothing
    broken = drum_track(120, 5, "click")
    broken[0, 100] = np.nan
    assert analyse(broken, SR) == nothing


def test_sustained_drone_has_a_key_but_no_confident_tempo() -> None:
    t = np.arange(SR * 12) / SR
    drone = sum(np.sin(2 * np.pi * f * t) for f in (110.0, 164.81, 220.0))  # A, E, A
    result = analyse(np.stack([drone, drone]).astype(np.float32) * 0.2, SR)
    assert result["key"] in {"A major", "A minor"}
    assert result["tempo_bpm"] is None or float(result["tempo_confidence"] or 0) < 0.3


def test_mono_input_and_other_sample_rates() -> None:
    stereo = drum_track(100, 20, "rock")
    assert analyse(stereo[0], SR)["tempo_bpm"] == pytest.approx(100, rel=0.02)
    half_rate = stereo[:, ::2].copy()
    assert analyse(half_rate, SR // 2)["tempo_bpm"] == pytest.approx(100, rel=0.02)


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        analyse(np.zeros((2, 2, 2), dtype=np.float32), SR)
    with pytest.raises(ValueError):
        analyse(np.zeros((2, SR), dtype=np.float32), 0)
