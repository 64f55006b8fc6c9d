"""Pitch, key and scale basics shared by the whole engine."""

from __future__ import annotations

import dataclasses
import functools
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


# --- chords -------------------------------------------------------------------
# Intervals above the root; 14 = 9th, 17 = 11th, 21 = 13th.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "5": (0, 7),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "mmaj7": (0, 3, 7, 11),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "7sus4": (0, 5, 7, 10),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "m9": (0, 3, 7, 10, 14),
    "13": (0, 4, 10, 14, 21),
    "7b9": (0, 4, 7, 10, 13),
}
_MAJOR = MODES["major"]
_NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


@dataclasses.dataclass(frozen=True)
class Chord:
    root: int  # pitch class 0–11
    quality: str  # a key of QUALITIES

    @property
    def intervals(self) -> tuple[int, ...]:
        return QUALITIES[self.quality]

    @functools.cached_property
    def pcs(self) -> tuple[int, ...]:
        """Pitch classes, root first."""
        return tuple((self.root + i) % 12 for i in self.intervals)

    @property
    def third(self) -> int | None:
        for i in self.intervals:
            if i in (3, 4):
                return (self.root + i) % 12
        return None

    @property
    def fifth(self) -> int:
        for i in self.intervals:
            if i in (6, 7, 8):
                return (self.root + i) % 12
        return (self.root + 7) % 12

    @property
    def is_minor(self) -> bool:
        return 3 in self.intervals and 4 not in self.intervals

    @property
    def name(self) -> str:
        suffix = {"maj": "", "min": "m"}.get(self.quality, self.quality)
        return NOTE_NAMES[self.root] + suffix

    def with_quality(self, quality: str) -> Chord:
        return Chord(self.root, quality)


@functools.lru_cache(maxsize=2048)
def roman(key: Key, numeral: str) -> Chord:
    """A chord from a Roman numeral relative to the tonic's *major* scale.

    Case gives the triad (``V`` major, ``ii`` minor); accidentals borrow (``bVII``,
    ``bVI``, ``bII``); suffixes add colour: ``7`` (dominant on upper case, minor 7th on
    lower case), ``maj7``, ``9``, ``add9``, ``sus2``, ``sus4``, ``5``, ``6``, ``13``,
    ``o``/``dim``, ``ø`` (half-diminished). In A minor, ``i bVI bIII bVII`` is Am F C G.
    """
    match = re.fullmatch(r"([b#]?)(vii|iii|iv|vi|ii|v|i|VII|III|IV|VI|II|V|I)(.*)", numeral.strip())
    if not match:
        raise ValueError(f"bad Roman numeral {numeral!r}")
    accidental, body, suffix = match.groups()
    offset = {"b": -1, "#": 1, "": 0}[accidental]
    root = (key.tonic + _MAJOR[_NUMERALS[body.lower()]] + offset) % 12
    upper = body.isupper()
    quality = _quality_from_suffix(suffix, upper)
    return Chord(root, quality)


def _quality_from_suffix(suffix: str, upper: bool) -> str:
    s = suffix.strip()
    table_upper = {
        "": "maj", "7": "7", "maj7": "maj7", "9": "9", "maj9": "maj9", "add9": "add9", "6": "6",
        "13": "13", "sus2": "sus2", "sus4": "sus4", "sus": "sus4", "5": "5", "7sus4": "7sus4",
        "+": "aug", "aug": "aug", "7b9": "7b9",
    }
    table_lower = {
        "": "min", "7": "m7", "9": "m9", "add9": "madd9", "6": "m6", "maj7": "mmaj7",
        "o": "dim", "°": "dim", "dim": "dim", "o7": "dim7", "°7": "dim7", "ø": "m7b5", "ø7": "m7b5",
        "m7b5": "m7b5", "sus2": "sus2", "sus4": "sus4", "5": "5",
    }
    table = table_upper if upper else table_lower
    if s not in table:
        raise ValueError(f"unknown chord suffix {suffix!r}")
    return table[s]


def progression(key: Key, numerals: str) -> list[Chord]:
    """``progression(key, "I V vi IV")`` → four chords."""
    return [roman(key, n) for n in numerals.split()]


# --- pitches and scales ---------------------------------------------------------
def scale_pitches(tonic: int, steps: tuple[int, ...], low: int, high: int) -> list[int]:
    """Every MIDI pitch in [low, high] that belongs to the scale."""
    pcs = {(tonic + s) % 12 for s in steps}
    return [p for p in range(low, high + 1) if p % 12 in pcs]


def chord_scale(key: Key, chord: Chord) -> tuple[int, ...]:
    """Pitch classes a melody may use over ``chord``: the key's scale with any note a
    semitone away from a chord tone replaced by that chord tone (so borrowed chords
    such as bVII in major do not clash with the written scale)."""
    chord_pcs = set(chord.pcs[:4])
    result = set(chord_pcs)
    for step in key.scale():
        pc = (key.tonic + step) % 12
        if any((pc - c) % 12 in (1, 11) for c in chord_pcs) and pc not in chord_pcs:
            continue
        result.add(pc)
    return tuple(sorted(result))


def nearest_pitch(target: float, pcs: set[int] | tuple[int, ...], low: int = 0, high: int = 127) -> int:
    """The pitch nearest ``target`` whose pitch class is in ``pcs``, kept in range."""
    allowed = set(pcs)
    best = None
    for p in range(max(0, low), min(127, high) + 1):
        if p % 12 in allowed and (best is None or abs(p - target) < abs(best - target)):
            best = p
    if best is None:
        return max(low, min(high, round(target)))
    return best


def place_pc(pc: int, near: float) -> int:
    """The pitch of class ``pc`` nearest ``near``."""
    base = round(near) - ((round(near) - pc) % 12)
    return base + 12 if (near - base) > 6 else base


# --- voicing and voice leading ----------------------------------------------------
@functools.lru_cache(maxsize=4096)
def voicings(chord: Chord, n: int, low: int, high: int, *, omit_root: bool = False) -> list[tuple[int, ...]]:
    """Close and open-ish voicings of ``chord`` with ``n`` notes inside [low, high].

    Thirds are kept out of the low register (below E3 a third muddies), and every
    voicing contains the chord's third and (for sevenths) its seventh when it has them.
    """
    tones = list(chord.pcs)
    if omit_root and len(tones) >= 4:
        tones = tones[1:]
    essentials = [pc for pc in tones if pc != chord.fifth or len(tones) <= 3]
    results: list[tuple[int, ...]] = []
    for bottom in range(low, min(high, low + 12) + 1):
        if bottom % 12 not in tones:
            continue
        stack = [bottom]
        idx = tones.index(bottom % 12)
        while len(stack) < n:
            idx = (idx + 1) % len(tones)
            nxt = place_pc(tones[idx], stack[-1] + 1)
            while nxt <= stack[-1]:
                nxt += 12
            stack.append(nxt)
        if stack[-1] > high:
            continue
        if any(p < 52 and (p - chord.root) % 12 in (3, 4) for p in stack[:-1] if p != stack[-1]) and stack[0] < 48:
            continue
        if not all(pc in {p % 12 for p in stack} for pc in essentials[: min(n, len(essentials))]):
            continue
        results.append(tuple(stack))
    return results


@functools.lru_cache(maxsize=16384)
def voice_lead(chord: Chord, previous: tuple[int, ...] | None, n: int, low: int, high: int,
               *, omit_root: bool = False, centre: float | None = None) -> tuple[int, ...]:
    """The voicing of ``chord`` that moves least from ``previous`` (common tones held,
    other voices by step); without a previous chord, the one nearest ``centre``."""
    options = voicings(chord, n, low, high, omit_root=omit_root)
    if not options:
        options = voicings(chord, n, low - 12, high + 12, omit_root=omit_root) or [
            tuple(place_pc(pc, (low + high) / 2) for pc in chord.pcs[:n])
        ]
    mid = centre if centre is not None else (low + high) / 2

    def cost(v: tuple[int, ...]) -> float:
        # Without a pull to the middle, "least motion" creeps up or down over a song.
        drift = abs(sum(v) / len(v) - mid) * 0.8
        if previous is None or len(previous) != len(v):
            return drift * 4
        return sum(abs(a - b) for a, b in zip(sorted(v), sorted(previous), strict=True)) + drift

    return min(options, key=cost)
