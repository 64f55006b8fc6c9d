"""Pitch, key and scale basics shared by the whole engine."""

from __future__ import annotations

import dataclasses
import re

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

# Scale steps (semitones from the tonic) of the modes the engine uses.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
}
_MODE_ALIASES = {
    "": "major", "maj": "major", "major": "major", "ionian": "major",
    "m": "minor", "min": "minor", "minor": "minor", "aeolian": "minor",
    "dorian": "dorian", "phrygian": "phrygian", "lydian": "lydian", "mixolydian": "mixolydian",
    "harmonic minor": "harmonic minor",
}


@dataclasses.dataclass(frozen=True)
class Key:
    tonic: int  # pitch class 0–11
    mode: str  # a key of MODES

    @property
    def name(self) -> str:
        """``"A minor"``, ``"F# major"``, ``"D dorian"``."""
        return f"{NOTE_NAMES[self.tonic]} {self.mode}"

    @property
    def is_minor(self) -> bool:
        return MODES[self.mode][2] == 3

    def scale(self) -> tuple[int, ...]:
        return MODES[self.mode]


def parse_key(text: str) -> Key:
    """Parse ``C``, ``F#m``, ``Bb major``, ``D dorian``, ``a minor``, ``Ebmin``."""
    cleaned = " ".join(text.strip().replace("♯", "#").replace("♭", "b").split())
    match = re.fullmatch(r"([A-Ga-g])([#b]?)\s*(.*)", cleaned)
    if not match:
        raise ValueError(f"Unknown key {text!r}: use a note name and mode, e.g. 'C', 'F#m', 'Bb major', 'D dorian'.")
    letter, accidental, rest = match.groups()
    mode = _MODE_ALIASES.get(rest.strip().lower()) if rest.strip() != "M" else "major"
    if mode is None:
        raise ValueError(f"Unknown mode {rest.strip()!r} in key {text!r}: use major, minor, dorian, phrygian, lydian or mixolydian.")
    tonic = (_PC[letter.lower()] + {"#": 1, "b": -1, "": 0}[accidental]) % 12
    return Key(tonic, mode)
