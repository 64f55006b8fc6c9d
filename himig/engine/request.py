"""The generation request: the contract of PRODUCT.md §2, validated in one place."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterable, Mapping, Sequence

from himig.engine.errors import InvalidRequest
from himig.engine.theory import Key, parse_key

GENRES: tuple[str, ...] = (
    "Pop", "Rock", "Jazz", "Classical", "Electronic", "Hip Hop",
    "Country", "Blues", "Reggae", "Folk", "Ambient", "Cinematic",
)
MOODS: tuple[str, ...] = (
    "Happy", "Sad", "Energetic", "Calm", "Mysterious", "Romantic",
    "Epic", "Melancholic", "Uplifting", "Dark", "Peaceful", "Intense",
)
AUDIO_FORMATS: tuple[str, ...] = ("mp3", "wav", "flac", "ogg")
MIN_DURATION, MAX_DURATION = 15, 120
MIN_TEMPO, MAX_TEMPO = 40, 220
MAX_PROMPT = 500
MAX_SEED = 2**63 - 1
MAX_INSTRUMENTS = 12

_GENRE_LOOKUP = {g.lower().replace(" ", "").replace("-", ""): g for g in GENRES}
_GENRE_LOOKUP.update({"hiphop": "Hip Hop", "hip-hop": "Hip Hop", "edm": "Electronic"})
_MOOD_LOOKUP = {m.lower(): m for m in MOODS}


def normalise_genre(value: str | None) -> str | None:
    """``"hip hop"`` → ``"Hip Hop"``; ``None``/``"auto"``/``""`` → ``None`` (infer)."""
    if value is not None and not isinstance(value, str):
        raise InvalidRequest("genre", f"Genre must be text such as 'Jazz' or 'auto', not {value!r}.")
    if value is None or value.strip().lower() in {"", "auto"}:
        return None
    found = _GENRE_LOOKUP.get(value.strip().lower().replace(" ", "").replace("-", ""))
    if not found:
        raise InvalidRequest("genre", f"Unknown genre {value!r}. Choose one of: {', '.join(GENRES)}, or auto.")
    return found


def normalise_mood(value: str | None) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidRequest("mood", f"Mood must be text such as 'Calm' or 'auto', not {value!r}.")
    if value is None or value.strip().lower() in {"", "auto"}:
        return None
    found = _MOOD_LOOKUP.get(value.strip().lower())
    if not found:
        raise InvalidRequest("mood", f"Unknown mood {value!r}. Choose one of: {', '.join(MOODS)}, or auto.")
    return found


def _whole_number(field: str, value: object, label: str) -> int:
    if isinstance(value, bool):
        raise InvalidRequest(field, f"{label} must be a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # At most 30 digits: int() refuses strings over 4300 digits with a ValueError, and no
    # field accepts numbers anywhere near that long.
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,30}\s*", value):
        return int(value)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
    raise InvalidRequest(field, f"{label} must be a whole number, not {shown}.")


@dataclasses.dataclass(frozen=True)
class GenerationRequest:
    """What a person asked for. Build it with :meth:`create`, which validates.

    ``genre``/``mood`` are ``None`` when they are to be inferred from the prompt.
    ``seed`` is always set after :meth:`create` (a random one if none was given).
    """

    prompt: str
    duration: int
    genre: str | None = None
    mood: str | None = None
    tempo_bpm: int | None = None
    key: Key | None = None
    instruments: tuple[str, ...] = ()
    seed: int = 0

    @classmethod
    def create(
        cls,
        prompt: object,
        duration: object,
        *,
        genre: str | None = None,
        mood: str | None = None,
        tempo_bpm: object = None,
        key: str | None = None,
        instruments: Iterable[str] | str | None = None,
        seed: object = None,
    ) -> GenerationRequest:
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidRequest("prompt", "Describe the music you want (the prompt is empty).")
        text = " ".join(prompt.split())
        if len(text) > MAX_PROMPT:
            raise InvalidRequest("prompt", f"The prompt is {len(text)} characters; keep it to {MAX_PROMPT} or fewer.")
        seconds = _whole_number("duration", duration, "Duration")
        if not MIN_DURATION <= seconds <= MAX_DURATION:
            raise InvalidRequest(
                "duration", f"Duration must be between {MIN_DURATION} and {MAX_DURATION} seconds, not {seconds}."
            )
        bpm: int | None = None
        if tempo_bpm not in (None, ""):
            bpm = _whole_number("tempo_bpm", tempo_bpm, "Tempo")
            if not MIN_TEMPO <= bpm <= MAX_TEMPO:
                raise InvalidRequest("tempo_bpm", f"Tempo must be between {MIN_TEMPO} and {MAX_TEMPO} BPM, not {bpm}.")
        parsed_key = None
        if key not in (None, "") and not (isinstance(key, str) and key.strip().lower() == "auto"):
            if not isinstance(key, str):
                raise InvalidRequest("key", "Key must be text such as 'C', 'F#m', 'Bb major' or 'D dorian'.")
            try:
                parsed_key = parse_key(key)
            except ValueError as exc:
                raise InvalidRequest("key", str(exc)) from None
        names = _instrument_list(instruments)
        if seed in (None, ""):
            chosen_seed = random.SystemRandom().randrange(0, 2**31)
        else:
            chosen_seed = _whole_number("seed", seed, "Seed")
            if not 0 <= chosen_seed <= MAX_SEED:
                raise InvalidRequest("seed", f"Seed must be between 0 and {MAX_SEED}.")
        return cls(
            prompt=text,
            duration=seconds,
            genre=normalise_genre(genre),
            mood=normalise_mood(mood),
            tempo_bpm=bpm,
            key=parsed_key,
            instruments=names,
            seed=chosen_seed,
        )


def _instrument_list(value: Iterable[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, str | Iterable) or isinstance(value, bytes | Mapping):
        raise InvalidRequest("instruments", "Instruments must be a list of names such as 'piano'.")
    items: Sequence[object] = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidRequest("instruments", "Instruments must be a list of names such as 'piano'.")
        name = " ".join(item.lower().split())
        if not name:
            continue
        if len(name) > 40:
            raise InvalidRequest("instruments", f"Instrument name {name[:40]!r}… is too long.")
        if name not in names:
            names.append(name)
    if len(names) > MAX_INSTRUMENTS:
        raise InvalidRequest("instruments", f"Name at most {MAX_INSTRUMENTS} instruments.")
    return tuple(names)
