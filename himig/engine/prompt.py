"""Prompt understanding: free text → :class:`Descriptors`.

Exact words go through a lexicon; everything else through a small sentence-embedding
model shipped inside a PyPI package and loaded offline, once per process.
"""

from __future__ import annotations

import dataclasses

from himig.engine.theory import Key


@dataclasses.dataclass
class Descriptors:
    """What the prompt says about the music. ``None`` means "the prompt does not say"."""

    genre: str | None = None  # one of request.GENRES
    genre_scores: dict[str, float] = dataclasses.field(default_factory=dict)  # all 12, 0–1
    mood: str | None = None  # one of request.MOODS
    mood_scores: dict[str, float] = dataclasses.field(default_factory=dict)  # all 12, 0–1
    energy: float | None = None  # 0 (still) … 1 (maximal), from words like "high-energy", "relaxing"
    tempo_bpm: int | None = None  # an explicit number: "90 bpm"
    tempo_word: str | None = None  # "slow" | "medium" | "fast"
    key: Key | None = None  # "in A minor"
    time_signature: tuple[int, int] | None = None  # "3/4", "waltz"
    instruments: list[str] = dataclasses.field(default_factory=list)  # canonical names (instruments.py)
    excluded_instruments: list[str] = dataclasses.field(default_factory=list)  # "no piano"
    drums: bool | None = None  # False for "no drums"/"without percussion"; True when asked for
    vocals: bool | None = None  # False for "without vocals" (the engine never sings; recorded for honesty)
    context: str | None = None  # workout | meditation | cooking | trailer | study | sleep | game | podcast | ad | …
    hints: list[str] = dataclasses.field(default_factory=list)  # "slow_build", "drop", "loopable", "fade_out", …
    subgenre: str | None = None  # e.g. "trap", "lofi", "boom bap", "house", "techno", "dnb", "waltz", "ballad"


def understand(text: str) -> Descriptors:
    raise NotImplementedError  # implemented by the prompt work (issue 2)


def load_model() -> None:
    raise NotImplementedError  # implemented by the prompt work (issue 2)
