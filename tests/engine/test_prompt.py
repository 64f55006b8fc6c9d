"""Prompt understanding: explicit words, numbers, negations and the embedding's guesses."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from himig.engine import lexicon, prompt
from himig.engine.prompt import Descriptors, understand
from himig.engine.request import GENRES, MOODS


def best(scores: dict[str, float]) -> str:
    return max(scores, key=lambda k: scores[k])


def test_scores_cover_all_labels_between_zero_and_one() -> None:
    d = understand("upbeat electronic dance music for a workout")
    assert set(d.genre_scores) == set(GENRES)
    assert set(d.mood_scores) == set(MOODS)
    for scores in (d.genre_scores, d.mood_scores):
        assert all(0.0 <= v <= 1.0 for v in scores.values())
        assert sum(scores.values()) == pytest.approx(1.0, abs=0.01)


# -- the brief's examples ------------------------------------------------------------------
def test_upbeat_edm_for_a_workout() -> None:
    d = understand("upbeat electronic dance music for a workout")
    assert d.genre == "Electronic"
    assert d.mood == "Energetic"
    assert d.context == "workout"
    assert d.energy is not None and d.energy >= 0.7


def test_calm_piano_for_studying() -> None:
    d = understand("calm piano for studying")
    assert d.genre is None  # no genre word: the scores carry the guess
    assert d.genre_inferred in {"Classical", "Ambient"}
    assert d.mood == "Calm"
    assert d.instruments == ["piano"]
    assert d.context == "study"
    assert d.energy is not None and d.energy <= 0.3


def test_dark_trap_beat_with_808s_at_140() -> None:
    d = understand("dark trap beat with 808s at 140 bpm")
    assert (d.genre, d.mood, d.subgenre, d.tempo_bpm) == ("Hip Hop", "Dark", "trap", 140)
    assert "808" in d.instruments


def test_relaxing_background_music_for_a_cooking_video() -> None:
    d = understand("relaxing background music for a cooking video")
    assert d.context == "cooking"
    assert d.genre_inferred in {"Pop", "Folk", "Jazz"}
    assert d.mood in {"Happy", "Calm"}
    bare = understand("Background music for a cooking video")
    assert bare.mood is None and bare.mood_inferred in {"Happy", "Uplifting", "Calm", "Peaceful"}


def test_epic_orchestral_trailer_with_a_slow_build() -> None:
    d = understand("epic orchestral trailer with a slow build")
    assert (d.genre, d.mood) == ("Cinematic", "Epic")
    assert "slow_build" in d.hints
    assert d.tempo_word is None  # "slow" belongs to "slow build", not to the tempo


def test_lofi_hip_hop_no_drums() -> None:
    d = understand("lofi hip hop, no drums")
    assert d.genre == "Hip Hop"
    assert d.subgenre == "lofi"
    assert d.drums is False
    assert "drums" in d.excluded_instruments


# -- explicit words win --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "genre"),
    [
        ("jazz", "Jazz"),
        ("heavy metal for a meditation session", "Rock"),
        ("jazz for a workout at the gym", "Jazz"),
        ("reggae for an epic movie trailer", "Reggae"),
        ("a synthwave track", "Electronic"),
        ("orchestral piece", "Cinematic"),
        ("boom bap", "Hip Hop"),
        ("drum and bass", "Electronic"),
        ("house music for a party", "Electronic"),
        ("techno", "Electronic"),
        ("bluegrass picking", "Country"),
        ("celtic tune", "Folk"),
        ("Lo-Fi chill", "Hip Hop"),
        ("HIP-HOP", "Hip Hop"),
        ("twelve-bar shuffle", "Blues"),
        ("string quartet", "Classical"),
        ("dub", "Reggae"),
        ("dark ambient drone", "Ambient"),
        ("jazzy lofi hip hop", "Hip Hop"),
        ("country rock", "Rock"),
    ],
)
def test_genre_words_win_over_the_embedding(text: str, genre: str) -> None:
    d = understand(text)
    assert d.genre == genre
    assert best(d.genre_scores) == genre


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("sad piano", "Sad"),
        ("happy death metal", "Happy"),
        ("peaceful techno", "Peaceful"),
        ("spooky", "Mysterious"),
        ("tense suspenseful underscore", "Intense"),
        ("heartwarming strings", "Romantic"),
        ("wistful guitar", "Melancholic"),
        ("an inspiring anthem", "Uplifting"),
        ("sinister synths", "Dark"),
        ("high-energy", "Energetic"),
        ("very relaxing", "Calm"),
        ("grand majestic fanfare", "Epic"),
    ],
)
def test_mood_words_win(text: str, mood: str) -> None:
    d = understand(text)
    assert d.mood == mood
    assert best(d.mood_scores) == mood


def test_a_negated_genre_or_mood_is_not_chosen() -> None:
    d = understand("anything but not jazz, not sad")
    assert d.genre != "Jazz" and d.genre_scores["Jazz"] == 0.0
    assert d.mood != "Sad" and d.mood_scores["Sad"] == 0.0


# -- energy ---------------------------------------------------------------------------------
def test_energy_follows_the_words() -> None:
    low = understand("Very relaxing slow music to fall asleep to")
    calm = understand("relaxing music")
    high = understand("Intense high-energy music for a sprint")
    assert low.energy is not None and calm.energy is not None and high.energy is not None
    assert low.energy < calm.energy < 0.5 < high.energy
    assert understand("music for a video").energy is None  # the words say nothing about energy


def test_context_energy_is_reported_separately() -> None:
    assert (understand("music for a workout").context_energy or 0) > 0.7
    assert (understand("music for sleep").context_energy or 1) < 0.2


# -- tempo ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "bpm"),
    [
        ("90 bpm lo-fi beat", 90),
        ("house at 128bpm", 128),
        ("something at 174 BPM", 174),
        ("a 100-bpm groove", 100),
        ("tempo 72, gentle", 72),
        ("around 80-90 bpm", 85),
        ("120 beats per minute", 120),
    ],
)
def test_tempo_numbers(text: str, bpm: int) -> None:
    assert understand(text).tempo_bpm == bpm


def test_out_of_range_tempo_becomes_a_word() -> None:
    fast = understand("at 400 bpm")
    assert fast.tempo_bpm is None and fast.tempo_word == "fast"
    slow = understand("at 20 bpm")
    assert slow.tempo_bpm is None and slow.tempo_word == "slow"


@pytest.mark.parametrize(
    ("text", "word"),
    [("slow piano", "slow"), ("a fast-paced chase", "fast"), ("mid-tempo pop", "medium"), ("uptempo", "fast"),
     ("not too fast, gentle", None)],
)
def test_tempo_words(text: str, word: str | None) -> None:
    assert understand(text).tempo_word == word


# -- keys and meters ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("lofi in A minor", "A minor"),
        ("a ballad in a minor", "A minor"),
        ("D dorian groove", "D dorian"),
        ("bright pop in F# major", "F# major"),
        ("in Bb", "Bb major"),
        ("in the key of c", "C major"),
        ("in Ebm please", "Eb minor"),
        ("in C sharp minor", "C# minor"),
        ("jam in e flat major", "Eb major"),
        ("modal piece in g mixolydian", "G mixolydian"),
    ],
)
def test_keys(text: str, key: str) -> None:
    found = understand(text).key
    assert found is not None and found.name == key


@pytest.mark.parametrize("text", ["music in a cafe", "a minor change in plans", "in a major way", "a b c"])
def test_articles_are_not_keys(text: str) -> None:
    assert understand(text).key is None


def test_a_mode_without_a_tonic() -> None:
    d = understand("something in a minor key")
    assert d.key is None and d.mode == "minor"
    assert understand("lofi in A minor").mode == "minor"


@pytest.mark.parametrize(
    ("text", "meter"),
    [("a song in 3/4", (3, 4)), ("6/8 folk", (6, 8)), ("a gentle waltz", (3, 4)), ("irish jig", (6, 8)),
     ("12/8 slow blues", (12, 8)), ("a blues in twelve eight", (12, 8)), ("a slip jig in 9/8", (9, 8)),
     ("open 24/7", None), ("in common time", (4, 4))],
)
def test_meters(text: str, meter: tuple[int, int] | None) -> None:
    assert understand(text).time_signature == meter


# -- instruments and negations ---------------------------------------------------------------
def test_instruments_are_canonical_and_in_order() -> None:
    d = understand("Smooth late-night jazz with upright bass, brushed drums and piano")
    assert d.instruments == ["acoustic bass", "brushes", "piano"]
    assert d.drums is True
    d = understand("Driving rock with distorted electric guitars and pounding drums")
    assert d.instruments[0] == "distortion guitar"
    assert understand("Celtic folk jig with tin whistle and fiddle").instruments == ["whistle", "fiddle"]
    assert understand("Swinging bebop with a saxophone lead").instruments == ["saxophone"]


@pytest.mark.parametrize(
    ("text", "drums"),
    [
        ("no drums", False),
        ("ambient, without drums", False),
        ("drumless lofi beat", False),
        ("without percussion", False),
        ("piano only, no beat", False),
        ("percussion-free", False),
        ("drum-free chill", False),
        ("minus the drums", False),
        ("no drums or bass", False),
        ("without any drums", False),
        ("with pounding drums", True),
        ("hi-hat rolls", True),
        ("calm piano", None),
    ],
)
def test_drum_negations(text: str, drums: bool | None) -> None:
    assert understand(text).drums is drums


def test_negated_instruments_are_excluded() -> None:
    d = understand("jazz without piano, with saxophone")
    assert d.excluded_instruments == ["piano"]
    assert d.instruments == ["saxophone"]
    d = understand("no piano or strings, just guitar")
    assert set(d.excluded_instruments) == {"piano", "strings"}
    assert d.instruments == ["guitar"]
    d = understand("synthwave minus the synth bass")
    assert "synth bass" in d.excluded_instruments
    assert understand("piano-free").excluded_instruments == ["piano"]


def test_drum_and_bass_is_a_genre_not_two_instruments() -> None:
    d = understand("liquid drum and bass")
    assert d.genre == "Electronic" and d.subgenre == "dnb"
    assert d.instruments == []


@pytest.mark.parametrize(
    ("text", "vocals"),
    [("without vocals", False), ("no singing", False), ("instrumental", False), ("vocal-free", False),
     ("with soft vocals", True), ("guitar", None)],
)
def test_vocals(text: str, vocals: bool | None) -> None:
    assert understand(text).vocals is vocals


def test_negation_stops_at_but_and_punctuation() -> None:
    d = understand("no drums but a big bass, piano")
    assert d.drums is False
    assert "bass" in d.instruments and "piano" in d.instruments


def test_grand_piano_is_not_epic() -> None:
    d = understand("grand piano")
    assert d.mood is None and d.instruments == ["piano"]


# -- contexts and hints ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("music for my workout", "workout"),
        ("for meditation", "meditation"),
        ("cooking video background", "cooking"),
        ("movie trailer", "trailer"),
        ("something to study to", "study"),
        ("helps me fall asleep", "sleep"),
        ("for a video game level", "game"),
        ("podcast intro", "podcast"),
        ("a summer ad", "ad"),
        ("travel vlog", "vlog"),
        ("our wedding video", "wedding"),
        ("yoga class", "yoga"),
        ("Spooky music for a haunted house walk", "horror"),
        ("basketball highlight reel", "sports"),
        ("nothing special", None),
    ],
)
def test_contexts(text: str, context: str | None) -> None:
    assert understand(text).context == context


def test_haunted_house_is_not_house_music() -> None:
    d = understand("Spooky music for a haunted house walk")
    assert d.genre is None and d.mood == "Mysterious"
    assert d.genre_inferred != "Electronic"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("slow build to a climax", "slow_build"),
        ("big build-up then a drop", "drop"),
        ("big build-up then a drop", "build"),
        ("loopable background", "loopable"),
        ("a seamless loop", "loopable"),
        ("fade out at the end", "fade_out"),
    ],
)
def test_structure_hints(text: str, hint: str) -> None:
    assert hint in understand(text).hints


def test_no_drop_is_not_a_drop() -> None:
    assert "drop" not in understand("edm but no drop").hints


# -- the embedding fills in what words do not say -------------------------------------------
@pytest.mark.parametrize(
    ("text", "genres", "moods"),
    [
        ("Calm piano melody for meditation", {"Ambient", "Classical"}, {"Calm", "Peaceful"}),
        ("High-energy music to hype up a basketball highlight reel", None, {"Energetic", "Intense", "Epic"}),
        ("Acoustic guitar and soft vocals, relaxing", {"Folk", "Pop", "Country"}, {"Calm", "Peaceful", "Romantic"}),
        ("90 bpm lo-fi beat in A minor", {"Hip Hop", "Electronic"}, None),
        ("sounds of a quiet forest at dawn", {"Ambient", "Folk", "Classical"}, {"Peaceful", "Calm"}),
        ("banjo and fiddle hoedown", {"Country", "Folk"}, None),
        ("villain entrance music", {"Cinematic"}, {"Dark", "Intense", "Epic", "Mysterious"}),
    ],
)
def test_inferred_labels(text: str, genres: set[str] | None, moods: set[str] | None) -> None:
    d = understand(text)
    if genres:
        assert (d.genre or d.genre_inferred) in genres
    if moods:
        assert (d.mood or d.mood_inferred) in moods


def test_paraphrases_infer_alike() -> None:
    first = understand("gentle music to help a baby sleep")
    second = understand("soft lullaby for putting an infant to bed")
    assert (first.mood or first.mood_inferred) in {"Calm", "Peaceful"}
    assert (second.mood or second.mood_inferred) in {"Calm", "Peaceful"}


# -- robustness ------------------------------------------------------------------------------
def test_empty_text_says_nothing() -> None:
    d = understand("   ")
    assert d.genre is None and d.mood is None and d.instruments == []
    assert set(d.genre_scores) == set(GENRES)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=500))
def test_never_raises_on_any_text(text: str) -> None:
    d = understand(text)
    assert isinstance(d, Descriptors)
    assert d.genre is None or d.genre in GENRES
    assert d.mood is None or d.mood in MOODS
    assert d.tempo_bpm is None or 40 <= d.tempo_bpm <= 220
    assert d.energy is None or 0.0 <= d.energy <= 1.0
    assert not set(d.instruments) & set(d.excluded_instruments)


_WORDS = sorted(lexicon.LEXICON) + ["no", "without", "piano", "808s", "in", "A", "minor", "90", "bpm", "3/4", ","]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), max_size=25))
def test_never_raises_on_lexicon_soup(words: list[str]) -> None:
    text = " ".join(words)
    d = understand(text)
    assert d.genre is None or d.genre in GENRES
    if text.strip():
        assert d.genre_inferred in GENRES and d.mood_inferred in MOODS


def test_the_model_loads_once(monkeypatch: pytest.MonkeyPatch) -> None:
    prompt.load_model()
    first = prompt._get_model()
    prompt.load_model()
    assert prompt._get_model() is first


def test_prototype_cache_is_reused(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from himig.engine.embedding import get_encoder

    monkeypatch.setenv("HIMIG_CACHE_DIR", str(tmp_path))
    encoder = get_encoder()
    sentences = ["one prototype", "another prototype"]
    first = prompt._cached_embeddings(encoder, sentences)
    files = list(Path(str(tmp_path)).glob("prompt-prototypes-*.npy"))
    assert len(files) == 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("embedded again despite the cache")

    monkeypatch.setattr(encoder, "encode", refuse)
    again = prompt._cached_embeddings(encoder, sentences)
    assert (again == first).all()
