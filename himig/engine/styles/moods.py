"""How each of the twelve moods bends a style (MUSIC.md, "Twelve moods").

A mood is not a label: it picks the mode, moves the tempo, sets dynamics, density,
register, articulation and harmonic colour, and offers progressions of its own.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class MoodProfile:
    name: str
    modes: tuple[tuple[str, float], ...]  # (mode, weight) preferred by this mood
    tempo_factor: float  # multiplies the style's central tempo
    energy: float  # default energy 0–1 when the prompt does not say
    velocity: int  # central velocity of the main parts
    density: float  # 0 sparse … 1 busy (notes per bar, extra parts)
    register: int  # semitones added to melody/harmony registers
    legato: float  # note length as a fraction of the space to the next note
    tension: float  # 0 triads … 1 sevenths, ninths, suspensions, clusters
    crashes: bool  # cymbal crashes on section starts
    major: tuple[str, ...]  # mood progressions in major keys (Roman numerals, 1 chord per slot)
    minor: tuple[str, ...]  # … and in minor/modal keys
    cadence: str = "authentic"  # authentic | plagal | modal | picardy
    melody_shape: str = "arch"  # arch | falling | rising | static


MOODS: dict[str, MoodProfile] = {
    "Happy": MoodProfile(
        "Happy", (("major", 0.8), ("lydian", 0.1), ("mixolydian", 0.1)), 1.08, 0.65, 92, 0.7, 2, 0.6, 0.25, True,
        ("I V vi IV", "I IV V IV", "I vi IV V", "IV I V vi", "I iii IV V"), ("i bVII bVI bVII",),
        melody_shape="arch",
    ),
    "Sad": MoodProfile(
        "Sad", (("minor", 0.85), ("dorian", 0.15)), 0.82, 0.3, 66, 0.35, -3, 0.95, 0.5, False,
        ("vi IV I V", "I vi ii V", "vi iii IV I"), ("i bVI bIII bVII", "i iv bVI V", "i bVI iv V", "i v bVI iv"),
        cadence="authentic", melody_shape="falling",
    ),
    "Energetic": MoodProfile(
        "Energetic", (("minor", 0.45), ("major", 0.4), ("mixolydian", 0.15)), 1.12, 0.85, 104, 0.85, 0, 0.7, 0.3, True,
        ("I V vi IV", "vi IV I V", "I bVII IV I"), ("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVII i"),
        melody_shape="rising",
    ),
    "Calm": MoodProfile(
        "Calm", (("major", 0.75), ("lydian", 0.1), ("mixolydian", 0.15)), 0.82, 0.25, 64, 0.3, 0, 1.0, 0.6, False,
        ("Imaj7 IVmaj7", "I vi IV I", "Iadd9 V vi IVmaj7", "IVmaj7 iii7 ii7 I"), ("i7 iv7", "i bVIImaj7"),
        cadence="plagal", melody_shape="arch",
    ),
    "Mysterious": MoodProfile(
        "Mysterious", (("dorian", 0.4), ("phrygian", 0.3), ("minor", 0.3)), 0.9, 0.35, 62, 0.35, -2, 0.9, 0.7, False,
        ("I bVI I bVI",), ("i bII i bVII", "i IV i bVI", "i bVI iv v", "i bIII bII i"),
        cadence="modal", melody_shape="static",
    ),
    "Romantic": MoodProfile(
        "Romantic", (("major", 0.85), ("minor", 0.15)), 0.9, 0.4, 76, 0.5, 0, 0.95, 0.7, False,
        ("Imaj7 vi7 ii7 V7", "I iii IV iv", "I iii vi IV", "IVmaj7 V7 iii7 vi7"), ("i bVImaj7 iv7 V7", "i bIII bVII bVI"),
        cadence="authentic", melody_shape="arch",
    ),
    "Epic": MoodProfile(
        "Epic", (("minor", 0.8), ("major", 0.2)), 1.0, 0.85, 100, 0.75, 0, 0.85, 0.3, True,
        ("I V vi IV", "IV V vi I", "I bVII IV I"), ("i bVI bVII i", "i bVI bIII bVII", "bVI bVII i i", "i iv bVI bVII"),
        cadence="picardy", melody_shape="rising",
    ),
    "Melancholic": MoodProfile(
        "Melancholic", (("dorian", 0.45), ("minor", 0.55)), 0.86, 0.35, 68, 0.4, -2, 0.95, 0.65, False,
        ("vi IV I V", "I iii vi IV"), ("i IV i bVII", "i bVII bVI IV", "i7 iv7 bVII bIIImaj7", "i bVI bIII IV"),
        cadence="plagal", melody_shape="falling",
    ),
    "Uplifting": MoodProfile(
        "Uplifting", (("major", 0.9), ("lydian", 0.1)), 1.05, 0.7, 94, 0.65, 2, 0.8, 0.35, True,
        ("IV V vi I", "I V vi IV", "vi IV I V", "IV I V vi", "I IV vi V"), ("bVI bVII i i", "i bVI bIII bVII"),
        cadence="authentic", melody_shape="rising",
    ),
    "Dark": MoodProfile(
        "Dark", (("minor", 0.45), ("phrygian", 0.35), ("harmonic minor", 0.2)), 0.9, 0.5, 84, 0.5, -5, 0.9, 0.6, False,
        ("I bVI bII I",), ("i bVI i bII", "i iv i bVI", "i bII bVII i", "i bVI iv V"),
        cadence="modal", melody_shape="static",
    ),
    "Peaceful": MoodProfile(
        "Peaceful", (("major", 0.7), ("lydian", 0.15), ("mixolydian", 0.15)), 0.76, 0.15, 58, 0.2, 3, 1.0, 0.5, False,
        ("Iadd9 IVadd9", "I IV I V", "I vi IV I", "IVmaj7 Imaj7"), ("i bVII i bVII", "i iv i bVII"),
        cadence="plagal", melody_shape="arch",
    ),
    "Intense": MoodProfile(
        "Intense", (("minor", 0.55), ("phrygian", 0.25), ("harmonic minor", 0.2)), 1.14, 0.95, 108, 0.9, -2, 0.65, 0.55, True,
        ("I bVII bVI bVII",), ("i i bVI bVII", "i bII i bVII", "i bVI bVII i", "i iv bVI V"),
        cadence="modal", melody_shape="rising",
    ),
}
