"""The Brief: explicit request fields beat the prompt; the prompt beats context and defaults."""

from __future__ import annotations

import pytest

from himig.engine.brief import COMPOUND_FASTEST, COMPOUND_SLOWEST, compound_tempo_range, make_brief
from himig.engine.compose.form import MIN_HOLD_S
from himig.engine.prompt import Descriptors
from himig.engine.request import GENRES, MOODS, GenerationRequest
from himig.engine.styles import get_style
from himig.engine.theory import Key


def request(prompt: str = "music", duration: int = 30, **fields: object) -> GenerationRequest:
    return GenerationRequest.create(prompt, duration, seed=fields.pop("seed", 3), **fields)  # type: ignore[arg-type]


def scores(best: str, names: tuple[str, ...]) -> dict[str, float]:
    return {n: (0.9 if n == best else 0.1) for n in names}


def test_explicit_genre_and_mood_beat_the_prompt() -> None:
    d = Descriptors(genre="Jazz", mood="Sad")
    brief = make_brief(request(genre="Rock", mood="Happy"), d)
    assert (brief.genre, brief.mood) == ("Rock", "Happy")
    assert not brief.genre_inferred and not brief.mood_inferred


def test_prompt_genre_and_mood_are_used_when_auto() -> None:
    brief = make_brief(request(genre="auto", mood="auto"), Descriptors(genre="Reggae", mood="Peaceful"))
    assert (brief.genre, brief.mood) == ("Reggae", "Peaceful")
    assert brief.genre_inferred and brief.mood_inferred


def test_scores_decide_when_the_prompt_names_nothing() -> None:
    d = Descriptors(genre_scores=scores("Folk", GENRES), mood_scores=scores("Melancholic", MOODS))
    brief = make_brief(request(), d)
    assert (brief.genre, brief.mood) == ("Folk", "Melancholic")


@pytest.mark.parametrize(
    ("context", "genre", "mood"),
    [("workout", "Electronic", "Energetic"), ("meditation", "Ambient", "Peaceful"), ("trailer", "Cinematic", "Epic"),
     ("study", "Hip Hop", "Calm")],
)
def test_context_suggests_a_genre_and_mood(context: str, genre: str, mood: str) -> None:
    brief = make_brief(request(), Descriptors(context=context))
    assert (brief.genre, brief.mood) == (genre, mood)


def test_context_nudges_a_close_call() -> None:
    genre_scores = {g: 0.3 for g in GENRES} | {"Pop": 0.36, "Electronic": 0.33}
    brief = make_brief(request(), Descriptors(context="workout", genre_scores=genre_scores))
    assert brief.genre == "Electronic"


def test_explicit_tempo_is_kept_exactly_and_fits_the_duration() -> None:
    brief = make_brief(request(genre="Pop", mood="Happy", tempo_bpm=97, duration=37), Descriptors(tempo_bpm=150))
    assert brief.tempo_bpm == 97
    bar = 4 * 60 / 97
    assert brief.form.body_bars * bar + brief.form.hold_s == pytest.approx(37)
    assert brief.form.hold_s >= MIN_HOLD_S


def test_prompt_tempo_number_is_used() -> None:
    brief = make_brief(request(genre="Hip Hop", mood="Calm"), Descriptors(tempo_bpm=90))
    assert brief.tempo_bpm == 90


def test_slow_and_fast_words_move_the_tempo() -> None:
    slow = make_brief(request(genre="Rock", mood="Dark"), Descriptors(tempo_word="slow"))
    fast = make_brief(request(genre="Rock", mood="Dark"), Descriptors(tempo_word="fast"))
    assert slow.tempo_bpm < fast.tempo_bpm
    assert slow.subgenre == "slow"


@pytest.mark.parametrize("genre", GENRES)
@pytest.mark.parametrize("duration", [15, 45, 120])
def test_form_fills_the_duration(genre: str, duration: int) -> None:
    brief = make_brief(request(genre=genre, mood="Uplifting", duration=duration), Descriptors())
    form = brief.form
    assert form.body_bars * form.bar_s + form.hold_s == pytest.approx(duration)
    assert sum(s.bars for s in form.sections) == form.body_bars
    lo, hi = get_style(genre).tempo[brief.subgenre]
    assert lo <= brief.tempo_bpm <= hi


def test_explicit_key_wins_and_mood_picks_the_mode_otherwise() -> None:
    assert make_brief(request(genre="Pop", mood="Sad", key="D major"), Descriptors()).key == Key(2, "major")
    assert make_brief(request(genre="Pop", mood="Sad"), Descriptors(key=Key(9, "minor"))).key == Key(9, "minor")
    minor = sum(make_brief(request(genre="Pop", mood="Sad", seed=s), Descriptors()).key.is_minor for s in range(20))
    major = sum(not make_brief(request(genre="Pop", mood="Happy", seed=s), Descriptors()).key.is_minor for s in range(20))
    assert minor >= 18 and major >= 16


def test_no_drums_and_quiet_contexts() -> None:
    assert not make_brief(request(genre="Rock", mood="Energetic"), Descriptors(drums=False)).drums
    assert not make_brief(request(genre="Pop", mood="Calm"), Descriptors(context="sleep")).drums
    assert make_brief(request(genre="Ambient", mood="Calm"), Descriptors(drums=True)).drums
    assert not make_brief(request(genre="Classical", mood="Happy"), Descriptors()).drums


def test_instruments_from_request_and_prompt_are_canonical_and_exclusions_win() -> None:
    d = Descriptors(instruments=["keys", "fiddle"], excluded_instruments=["fiddle"])
    brief = make_brief(request(genre="Folk", mood="Happy", instruments=["Rhodes", "distorted guitars"]), d)
    assert brief.requested_instruments == ["electric piano", "distortion guitar", "piano"]
    assert brief.excluded_instruments == ["fiddle"]


def test_subgenre_from_descriptors_or_prompt_words() -> None:
    assert make_brief(request(genre="Hip Hop", mood="Calm"), Descriptors(subgenre="trap")).subgenre == "trap"
    assert make_brief(request("a boom bap beat", genre="Hip Hop", mood="Intense"), Descriptors()).subgenre == "boom bap"
    assert make_brief(request("tender pop ballad", genre="Pop", mood="Happy"), Descriptors()).subgenre == "ballad"


def test_hints_shape_the_form() -> None:
    brief = make_brief(request(genre="Pop", mood="Happy", duration=90), Descriptors(hints=["drop", "fade_out"]))
    assert "drop" in [s.name for s in brief.form.sections]
    assert brief.ending == "fade"
    build = make_brief(request(genre="Rock", mood="Epic", duration=90), Descriptors(hints=["slow_build"]))
    energies = [s.energy for s in build.form.sections]
    assert energies[0] < energies[len(energies) // 2] <= max(energies)


def test_metadata_reports_what_plays() -> None:
    from himig.engine.compose import compose

    brief = make_brief(request(genre="Jazz", mood="Calm", duration=30), Descriptors())
    score = compose(brief)
    meta = brief.to_metadata(score)
    for field in ("genre", "mood", "genre_inferred", "mood_inferred", "tempo_bpm", "key", "time_signature", "feel",
                  "instruments", "drums", "sections", "context", "hints", "parts"):
        assert field in meta
    assert meta["time_signature"] == "4/4"
    assert meta["key"] == brief.key.name
    assert set(meta["instruments"]) == {p.instrument for p in score.parts}
    assert meta["sections"][0]["start_s"] == 0
    assert all(p["notes"] > 0 for p in meta["parts"])


def test_loopable_keeps_the_tail_short() -> None:
    plain = make_brief(request(genre="Electronic", mood="Energetic", duration=60), Descriptors())
    loop = make_brief(request(genre="Electronic", mood="Energetic", duration=60), Descriptors(hints=["loopable"]))
    assert loop.form.hold_s == pytest.approx(0.0, abs=1e-6)
    assert plain.form.hold_s >= MIN_HOLD_S - 0.01
    assert loop.ending == "loop"
    assert "loopable" in loop.hints


def test_unknown_instruments_are_reported_not_invented() -> None:
    from himig.engine.compose import compose

    brief = make_brief(request(genre="Pop", mood="Happy", instruments=["piano", "theremin"]), Descriptors())
    assert brief.requested_instruments == ["piano"]
    meta = brief.to_metadata(compose(brief))
    assert meta["instruments_unavailable"] == ["theremin"]


# -- compound meters: the dotted-quarter beat ----------------------------------------------------
@pytest.mark.parametrize("genre", GENRES)
@pytest.mark.parametrize("mood", MOODS)
def test_every_genre_and_mood_in_six_eight_has_a_musical_dotted_quarter_beat(genre: str, mood: str) -> None:
    brief = make_brief(request(genre=genre, mood=mood, duration=30), Descriptors(time_signature=(6, 8)))
    assert brief.time_signature == (6, 8) and brief.feel == "compound"
    # the tempo counts dotted quarters: three 8ths a beat, neither dragging nor faster than a quick jig
    assert COMPOUND_SLOWEST - 1 <= brief.tempo_bpm <= COMPOUND_FASTEST + 1, (brief.subgenre, brief.tempo_bpm)
    lo, hi = get_style(genre).tempo[brief.subgenre]
    feel = get_style(genre).feels.get(brief.subgenre, "straight")
    if brief.subgenre != "jig":
        clo, chi = compound_tempo_range(lo, hi, feel)
        assert clo - 1 <= brief.tempo_bpm <= chi + 1
    if feel in {"swing", "shuffle"} and hi <= COMPOUND_FASTEST:
        # a swung or shuffled style already runs three 8ths to its beat: the beat is kept
        assert lo - 1 <= brief.tempo_bpm <= hi + 1, (brief.subgenre, brief.tempo_bpm)


@pytest.mark.parametrize("meter", [(6, 8), (12, 8)])
@pytest.mark.parametrize("mood", ["Sad", "Melancholic", "Calm"])
def test_a_slow_blues_in_twelve_eight_sways_like_a_slow_shuffle(meter: tuple[int, int], mood: str) -> None:
    four = make_brief(request(genre="Blues", mood=mood, duration=45), Descriptors())
    brief = make_brief(request(genre="Blues", mood=mood, duration=45), Descriptors(time_signature=meter))
    assert brief.subgenre == four.subgenre == "slow"
    lo, hi = get_style("Blues").tempo["slow"]
    assert lo - 1 <= brief.tempo_bpm <= hi + 1  # 56-78 dotted quarters, not 37-52
    assert abs(brief.tempo_bpm - four.tempo_bpm) <= 0.15 * four.tempo_bpm


def test_compound_ranges_keep_the_eighths_pace_of_straight_styles() -> None:
    assert compound_tempo_range(100, 124) == (67, 83)  # pop: 8ths at the same pace, three to a beat
    assert compound_tempo_range(56, 78, "shuffle") == (56, 78)  # slow blues: the beat is kept
    assert compound_tempo_range(172, 216, "swing") == (110, 138)  # bebop: no faster than a quick jig
    assert compound_tempo_range(50, 66) == (42, 53)  # adagio: no slower than a siciliano


@pytest.mark.parametrize(("text", "meter"), [("slow blues in 12/8", (12, 8)), ("a slip jig in 9/8", (9, 8)),
                                             ("a blues in twelve eight", (12, 8)), ("6/8 ballad", (6, 8))])
def test_twelve_eight_and_nine_eight_are_written_in_compound_time(text: str, meter: tuple[int, int]) -> None:
    from himig.engine.prompt import understand

    d = understand(text)
    assert d.time_signature == meter
    brief = make_brief(request(text, genre="Blues" if "blues" in text else "Folk", mood="Sad"), d)
    assert brief.time_signature == (6, 8) and brief.feel == "compound" and brief.form.beats_per_bar == 2


# -- the final hold ------------------------------------------------------------------------------
@pytest.mark.parametrize("genre", GENRES)
@pytest.mark.parametrize("duration", [15, 30, 60])
def test_the_final_chord_has_time_to_ring_and_die_away(genre: str, duration: int) -> None:
    for mood in ("Happy", "Energetic", "Sad"):
        form = make_brief(request(genre=genre, mood=mood, duration=duration), Descriptors()).form
        # struck at least 3 s before the end (a fast strum struck 2.2-2.7 s before it was still loud at the end)
        assert MIN_HOLD_S - 0.01 <= form.hold_s <= 7.0, (mood, form.hold_s)  # (the tempo is rounded to 0.01)
