"""Pitch, key, chord and voice-leading basics."""

from __future__ import annotations

import pytest

from himig.engine.theory import (
    Chord,
    Key,
    chord_scale,
    nearest_pitch,
    parse_key,
    progression,
    roman,
    voice_lead,
    voicings,
)


@pytest.mark.parametrize(
    ("text", "name"),
    [("C", "C major"), ("F#m", "F# minor"), ("Bb major", "Bb major"), ("D dorian", "D dorian"),
     ("a minor", "A minor"), ("Ebmin", "Eb minor")],
)
def test_parse_key(text: str, name: str) -> None:
    assert parse_key(text).name == name


def test_parse_key_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        parse_key("H major")


@pytest.mark.parametrize(
    ("key", "numerals", "names"),
    [
        ("C", "I V vi IV", ["C", "G", "Am", "F"]),
        ("A minor", "i bVI bIII bVII", ["Am", "F", "C", "G"]),
        ("A minor", "iv V7 i", ["Dm", "E7", "Am"]),
        ("F", "ii7 V7 Imaj7", ["Gm7", "C7", "Fmaj7"]),
        ("C", "iiø viio bII", ["Dm7b5", "Bdim", "C#"]),
        ("E", "I7 IV7 V7 I9", ["E7", "A7", "B7", "E9"]),
    ],
)
def test_roman_numerals(key: str, numerals: str, names: list[str]) -> None:
    assert [c.name for c in progression(parse_key(key), numerals)] == names


def test_roman_rejects_unknown_suffix() -> None:
    with pytest.raises(ValueError):
        roman(Key(0, "major"), "Vxyz")


def test_voice_leading_keeps_common_tones_and_moves_little() -> None:
    key = parse_key("C")
    previous = None
    moves = []
    for chord in progression(key, "I vi IV V7 I"):
        voicing = voice_lead(chord, previous, 4, 55, 76)
        assert {p % 12 for p in voicing} <= set(chord.pcs)
        if previous:
            moves.append(sum(abs(a - b) for a, b in zip(sorted(voicing), sorted(previous), strict=True)))
        previous = voicing
    # four voices moving on average a few semitones in total per change: smooth, not jumping
    assert max(moves) <= 8


def test_voicings_keep_thirds_out_of_the_mud() -> None:
    for voicing in voicings(Chord(0, "maj"), 4, 36, 60):
        low = [p for p in voicing if p < 48]
        assert not any((p - 0) % 12 == 4 for p in low[:-1])


def test_rootless_voicing_omits_the_root() -> None:
    voicing = voice_lead(roman(Key(0, "major"), "ii9"), None, 4, 50, 72, omit_root=True)
    assert 2 not in {p % 12 for p in voicing}
    assert {5, 0} <= {p % 12 for p in voicing}  # the third and the seventh carry the sound


def test_chord_scale_avoids_clashes_with_borrowed_chords() -> None:
    # over bVII (Bb) in C major, B natural would clash with the chord's root
    assert 11 not in chord_scale(Key(0, "major"), roman(Key(0, "major"), "bVII"))
    assert 10 in chord_scale(Key(0, "major"), roman(Key(0, "major"), "bVII"))


def test_nearest_pitch() -> None:
    assert nearest_pitch(61, {0, 4, 7}) == 60
    assert nearest_pitch(65.6, {7}, 60, 72) == 67
