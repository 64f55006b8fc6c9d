"""The Score model: validation, JSON round trip, MIDI export in simple and compound metre."""

from __future__ import annotations

import io

import mido
import pytest

from himig.engine.score import SCHEMA_VERSION, Note, Part, Score, ScoreError, Section, to_midi


def make_score(time_signature: tuple[int, int] = (4, 4), tempo: float = 120.0) -> Score:
    piano = Part("keys", "harmony", "acoustic grand piano", program=0, pan=-0.5,
                 notes=[Note(0, 480, 60, 90), Note(960, 480, 64, 80, glide_to=None)])
    drums = Part("drums", "drums", "drum kit", is_drum=True, notes=[Note(480, 120, 36, 100)])
    return Score(tempo_bpm=tempo, duration_s=4.0, time_signature=time_signature, key="C major",
                 parts=[piano, drums], sections=[Section("A", 0, 3840, 0.5)])


def test_json_round_trip_keeps_everything() -> None:
    score = make_score()
    again = Score.from_dict(score.to_dict())
    assert again == score
    assert score.to_dict()["schema_version"] == SCHEMA_VERSION


def test_a_variation_round_trips_and_a_score_written_before_variations_still_loads() -> None:
    score = make_score()
    score.parts[0].variation = [16, 25]
    assert Score.from_dict(score.to_dict()) == score
    older = make_score().to_dict()
    for part in older["parts"]:
        del part["variation"]
    assert Score.from_dict(older) == make_score()


def test_unknown_schema_version_is_refused() -> None:
    data = make_score().to_dict()
    data["schema_version"] = 99
    with pytest.raises(ScoreError):
        Score.from_dict(data)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.parts[0].notes.append(Note(3800, 480, 60, 90)),  # rings past the end
        lambda s: s.parts[0].notes.append(Note(0, 480, 60, 0)),  # silent velocity
        lambda s: s.parts.append(Part("keys", "pad", "pad")),  # duplicate name
        lambda s: setattr(s.parts[0], "variation", [8, 200]),  # no such program
        lambda s: setattr(s.parts[0], "variation", [8]),  # not a [bank, program] pair
    ],
)
def test_validate_refuses_broken_scores(change) -> None:  # type: ignore[no-untyped-def]
    score = make_score()
    change(score)
    with pytest.raises(ScoreError):
        score.validate()


def _note_ons_in_seconds(data: bytes) -> list[tuple[float, int]]:
    midi = mido.MidiFile(file=io.BytesIO(data))
    now, out = 0.0, []
    for message in midi:  # iterating a MidiFile yields messages with times in seconds
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            out.append((round(now, 4), message.note))
    return out


def test_midi_plays_the_notes_at_their_times_with_programs_and_drum_channel() -> None:
    data = to_midi(make_score())
    assert _note_ons_in_seconds(data) == [(0.0, 60), (0.5, 36), (1.0, 64)]  # 120 BPM: a beat is 0.5 s
    midi = mido.MidiFile(file=io.BytesIO(data))
    drum_notes = [m for m in midi.tracks[2] if m.type == "note_on"]
    assert drum_notes and all(m.channel == 9 for m in drum_notes)
    assert [m.program for m in midi.tracks[1] if m.type == "program_change"] == [0]


def test_compound_metre_bars_line_up_in_notation() -> None:
    # In 6/8 the score's beat is a dotted quarter: a bar is two beats (960 ticks).
    score = make_score((6, 8), tempo=80.0)
    data = to_midi(score)
    midi = mido.MidiFile(file=io.BytesIO(data))
    assert midi.ticks_per_beat == 320  # ticks per quarter: a 6/8 bar is 3 quarters = 960 ticks
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(120.0)  # quarter-note tempo = 1.5 × 80
    # Same sounding times as the score says.
    assert _note_ons_in_seconds(data) == [(0.0, 60), (round(score.seconds(480), 4), 36), (round(score.seconds(960), 4), 64)]
