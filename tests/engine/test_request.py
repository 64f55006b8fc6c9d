"""GenerationRequest.create and parse_key: every valid input accepted, every invalid one
refused with InvalidRequest naming the field and saying what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from himig.engine.errors import EngineError, InvalidRequest
from himig.engine.request import (
    GENRES,
    MAX_DURATION,
    MAX_INSTRUMENTS,
    MAX_PROMPT,
    MAX_SEED,
    MAX_TEMPO,
    MIN_DURATION,
    MIN_TEMPO,
    MOODS,
    GenerationRequest,
)
from himig.engine.theory import MODES, NOTE_NAMES, parse_key

prompts = st.text(min_size=1, max_size=MAX_PROMPT).filter(lambda t: t.strip() and len(" ".join(t.split())) <= MAX_PROMPT)
durations = st.integers(MIN_DURATION, MAX_DURATION)


def _cases(name: str) -> st.SearchStrategy[str]:
    """A name in random letter case, sometimes with surrounding spaces."""
    return st.tuples(st.lists(st.booleans(), min_size=len(name), max_size=len(name)), st.sampled_from(["", " ", "  "])).map(
        lambda t: t[1] + "".join(c.upper() if up else c.lower() for c, up in zip(name, t[0], strict=True)) + t[1]
    )


def refuses(field: str, **kwargs: object) -> InvalidRequest:
    params: dict[str, object] = {"prompt": "calm piano", "duration": 30}
    params.update(kwargs)
    with pytest.raises(InvalidRequest) as caught:
        GenerationRequest.create(params.pop("prompt"), params.pop("duration"), **params)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.message and str(caught.value) == caught.value.message
    assert isinstance(caught.value, EngineError)
    return caught.value


# -- valid requests --------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(
    prompt=prompts,
    duration=st.one_of(durations, durations.map(str), durations.map(float), durations.map(lambda d: f" {d} ")),
    genre=st.one_of(st.none(), st.just("auto"), st.just(""), st.sampled_from(GENRES).flatmap(_cases)),
    mood=st.one_of(st.none(), st.just("AUTO"), st.sampled_from(MOODS).flatmap(_cases)),
    tempo=st.one_of(st.none(), st.just(""), st.integers(MIN_TEMPO, MAX_TEMPO)),
    seed=st.one_of(st.none(), st.integers(0, MAX_SEED)),
)
def test_valid_requests_are_accepted(
    prompt: str, duration: object, genre: str | None, mood: str | None, tempo: int | None, seed: int | None
) -> None:
    request = GenerationRequest.create(prompt, duration, genre=genre, mood=mood, tempo_bpm=tempo, seed=seed)
    assert request.prompt == " ".join(prompt.split())
    assert MIN_DURATION <= request.duration <= MAX_DURATION and request.duration == int(str(duration).strip().split(".")[0])
    assert request.genre is None or request.genre in GENRES
    if genre and genre.strip().lower() not in {"", "auto"}:
        assert request.genre is not None and request.genre.lower() == genre.strip().lower()
    assert request.mood is None or request.mood in MOODS
    assert request.tempo_bpm == (tempo if tempo not in (None, "") else None)
    assert 0 <= request.seed <= MAX_SEED
    if seed is not None:
        assert request.seed == seed


def test_genre_spellings() -> None:
    for spelling, genre in [("hip hop", "Hip Hop"), ("hip-hop", "Hip Hop"), ("HIPHOP", "Hip Hop"), ("edm", "Electronic")]:
        assert GenerationRequest.create("x", 20, genre=spelling).genre == genre


def test_instruments_are_cleaned_and_deduplicated() -> None:
    request = GenerationRequest.create("x", 20, instruments=" Piano , acoustic   GUITAR,piano,, ")
    assert request.instruments == ("piano", "acoustic guitar")
    assert GenerationRequest.create("x", 20, instruments=["808", "Strings"]).instruments == ("808", "strings")


def test_a_random_seed_is_chosen_when_none_is_given() -> None:
    seeds = {GenerationRequest.create("x", 20).seed for _ in range(5)}
    assert len(seeds) > 1


# -- invalid requests ------------------------------------------------------------------------
@pytest.mark.parametrize("prompt", ["", "   ", "\n\t", None, 42, ["calm"]])
def test_empty_or_non_text_prompt(prompt: object) -> None:
    assert "prompt" in refuses("prompt", prompt=prompt).message.lower()


def test_prompt_too_long() -> None:
    message = refuses("prompt", prompt="a" * 600).message
    assert "600" in message and str(MAX_PROMPT) in message
    assert GenerationRequest.create("a" * MAX_PROMPT, 30).prompt == "a" * MAX_PROMPT


@pytest.mark.parametrize("duration", [14, 121, 0, -30, "abc", "", "15.5", 15.5, float("nan"), float("inf"), None,
                                      True, [30], "9" * 5000])
def test_bad_durations(duration: object) -> None:
    message = refuses("duration", duration=duration).message
    assert "Duration" in message
    assert len(message) < 200  # a 5000-digit input is not echoed back in full


@settings(max_examples=100, deadline=None)
@given(st.integers().filter(lambda d: not MIN_DURATION <= d <= MAX_DURATION))
def test_any_out_of_range_duration_is_refused(duration: int) -> None:
    assert "between" in refuses("duration", duration=duration).message


@settings(max_examples=100, deadline=None)
@given(st.text().filter(lambda t: not t.strip().lstrip("-").isdigit()))
def test_non_numeric_duration_text_is_refused(duration: str) -> None:
    refuses("duration", duration=duration)


@pytest.mark.parametrize("genre", ["Polka", "jazzz", 5, ["Jazz"]])
def test_unknown_genre(genre: object) -> None:
    message = refuses("genre", genre=genre).message
    assert "Jazz" in message  # tells the person what they can choose


@pytest.mark.parametrize("mood", ["Grumpy", 3, {"Calm": 1}])
def test_unknown_mood(mood: object) -> None:
    assert "Calm" in refuses("mood", mood=mood).message


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30).filter(
    lambda t: t.strip().lower().replace(" ", "").replace("-", "") not in {g.lower().replace(" ", "") for g in GENRES}
    | {"", "auto", "edm"}
))
def test_any_other_genre_text_is_refused(genre: str) -> None:
    refuses("genre", genre=genre)


@pytest.mark.parametrize("tempo", [39, 221, "fast", 120.5, True, "9" * 100])
def test_bad_tempo(tempo: object) -> None:
    assert "Tempo" in refuses("tempo_bpm", tempo_bpm=tempo).message


@pytest.mark.parametrize("key", ["H minor", "C blues", "minor", "#", 7, "C##", "Cm7"])
def test_bad_key(key: object) -> None:
    refuses("key", key=key)


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, "lucky", 1.5, False])
def test_bad_seed(seed: object) -> None:
    assert "Seed" in refuses("seed", seed=seed).message


@pytest.mark.parametrize(
    "instruments", [5, [1, 2], ["x" * 41], [f"instrument {i}" for i in range(MAX_INSTRUMENTS + 1)], {"piano": 1}, b"piano"]
)
def test_bad_instruments(instruments: object) -> None:
    refuses("instruments", instruments=instruments)


@settings(max_examples=200, deadline=None)
@given(
    prompt=st.one_of(st.text(max_size=600), st.none(), st.integers()),
    duration=st.one_of(st.integers(-1000, 1000), st.text(max_size=6), st.floats(), st.none()),
    genre=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(GENRES)),
    tempo=st.one_of(st.none(), st.integers(-10, 400), st.text(max_size=4)),
    key=st.one_of(st.none(), st.text(max_size=12)),
    seed=st.one_of(st.none(), st.integers(), st.text(max_size=5)),
)
def test_anything_either_validates_or_raises_invalid_request(
    prompt: object, duration: object, genre: str | None, tempo: object, key: str | None, seed: object
) -> None:
    try:
        request = GenerationRequest.create(prompt, duration, genre=genre, tempo_bpm=tempo, key=key, seed=seed)
    except InvalidRequest as exc:
        assert exc.field in {"prompt", "duration", "genre", "mood", "tempo_bpm", "key", "instruments", "seed"}
        assert exc.message
    else:
        assert MIN_DURATION <= request.duration <= MAX_DURATION
        assert 0 < len(request.prompt) <= MAX_PROMPT


# -- keys ---------------------------------------------------------------------------------------
_SPELLINGS = {
    "major": ["", " major", " maj", "M", " Major", " ionian"],
    "minor": ["m", " minor", " min", "min", " aeolian"],
    "dorian": [" dorian"], "phrygian": [" phrygian"], "lydian": [" lydian"], "mixolydian": [" Mixolydian"],
    "harmonic minor": [" harmonic minor"],
}
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@settings(max_examples=200, deadline=None)
@given(
    letter=st.sampled_from(sorted(_LETTERS)),
    accidental=st.sampled_from(["", "#", "b", "♯", "♭"]),
    mode=st.sampled_from(sorted(_SPELLINGS)),
    data=st.data(),
)
def test_parse_key_accepts_every_spelling(letter: str, accidental: str, mode: str, data: st.DataObject) -> None:
    spelling = data.draw(st.sampled_from(_SPELLINGS[mode]))
    if spelling == "M" and accidental == "":
        letter_text = letter
    else:
        letter_text = data.draw(st.sampled_from([letter, letter.lower()])) if spelling != "M" else letter
    key = parse_key(f" {letter_text}{accidental}{spelling} ")
    shift = {"": 0, "#": 1, "♯": 1, "b": -1, "♭": -1}[accidental]
    assert key.tonic == (_LETTERS[letter] + shift) % 12
    assert key.mode == mode
    assert key.mode in MODES
    assert key.name.split()[0] in NOTE_NAMES
    assert parse_key(key.name) == key  # the name reads back as the same key


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_parse_key_raises_only_value_error(text: str) -> None:
    try:
        key = parse_key(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert 0 <= key.tonic < 12 and key.mode in MODES


def test_key_via_request() -> None:
    request = GenerationRequest.create("x", 20, key="F#m")
    assert request.key is not None and request.key.name == "F# minor"
    assert GenerationRequest.create("x", 20, key="auto").key is None
