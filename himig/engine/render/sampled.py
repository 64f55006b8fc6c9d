"""Parts played by the SoundFont through tinysoundfont, offline and sample-exact.

A part is not streamed through the synthesizer as one long performance. Its notes
are grouped by what they sound like — preset, pitch, velocity band and held length
— and each distinct note is synthesised once, from silence to the end of its
release, then mixed in wherever it is played. That is the same sound: the
synthesizer's voices do not interact (each note is its own voices, summed), a
note's audio does not depend on when it starts, and loudness within a velocity
layer is linear in velocity, so a note synthesised at the middle of its band and
scaled to its own velocity matches. The one interaction, exclusive classes (an
open hi-hat choked by the closed one), is applied when mixing. A 120 s band part
plays its few hundred distinct notes instead of thousands, and a worker keeps
recent notes for the next track.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import tinysoundfont._tinysoundfont as tsf  # the low-level binding: no PyAudio, buffer rendering

from himig.engine.errors import RenderFailed, ResourceMissing
from himig.engine.render.cache import Compact, NoteCache, compact
from himig.engine.render.notes import NoteTrack
from himig.engine.score import Part, Score

Array = np.ndarray

DRUM_BANK = 128
STANDARD_KIT = 0
# GeneralUser plays quietly (a piano triad at velocity 100 is about −39 dBFS RMS at
# 0 dB gain); +6 dB puts its instruments in the range of the DSP voices, whose levels
# are trimmed to match (synth.LEVEL_DB). Output is float, so nothing clips here.
OUTPUT_GAIN_DB = 6.0
MAX_VOICES = 256
# Notes are synthesised at the middle of velocity bands this wide and scaled to their
# own velocity (linear within a SoundFont velocity layer, as tinysoundfont plays it).
VELOCITY_BAND = 8
# Held lengths are rounded to 10 ms so humanised durations share notes.
GATE_STEP_S = 0.01
# A release is rendered until the synthesizer falls silent, at most this long.
RELEASE_LIMIT_S = 8.0
RELEASE_BLOCK = 8192
# Tails below this (−100 dBFS) are dropped from a synthesised note.
SILENT = 1e-5
CACHE_BYTES = 64 * 1024 * 1024  # of 16-bit notes: about 12 minutes of stereo sound
# Exclusive classes of the General MIDI / GS drum kits, measured in GeneralUser GS:
# a note of a group silences the others' ringing notes within a few milliseconds.
CHOKE_GROUPS: tuple[frozenset[int], ...] = (
    frozenset({29, 30}),  # scratch push / pull
    frozenset({42, 44, 46}),  # closed, pedal and open hi-hat
    frozenset({71, 72}),  # short / long whistle
    frozenset({73, 74}),  # short / long guiro
    frozenset({78, 79}),  # mute / open cuica
    frozenset({80, 81}),  # mute / open triangle
    frozenset({86, 87}),  # mute / open surdo
)
ORCHESTRA_KIT = 48
ORCHESTRA_CHOKE_GROUPS: tuple[frozenset[int], ...] = (frozenset({27, 28, 29}), *CHOKE_GROUPS[2:])
CHOKE_TAU_S = 0.0007  # how fast a choked note dies (tinysoundfont's quick release)
CHOKE_LENGTH_S = 0.006

# Level of a GS variation against the General MIDI program it replaces (same phrase,
# measured in GeneralUser GS), so a style's part gains mean the same with either font.
VARIATION_TRIM_DB = {(8, 26): -5.2, (8, 25): 2.2, (16, 25): -4.6, (8, 24): 2.0, (24, 75): 2.3}

NoteKey = tuple[int, int, int, int, int]  # bank (128: drum kits), program/kit, pitch, velocity, gate samples


class SampledInstruments:
    """A loaded SoundFont that renders parts into stereo float32 arrays."""

    def __init__(self, path: str | os.PathLike[str], sample_rate: int) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        try:
            self._font = tsf.SoundFont(str(self.path))
        except (RuntimeError, OSError) as exc:
            raise ResourceMissing(f"Could not load the SoundFont {self.path}: {exc}") from None
        self._font.set_output(tsf.OutputMode.StereoInterleaved, sample_rate, OUTPUT_GAIN_DB)
        self._font.set_max_voices(MAX_VOICES)
        self._scratch = np.zeros(2 * 8192, dtype=np.float32).data.cast("B")
        self.cache = NoteCache(CACHE_BYTES)
        self._note_buffer = np.empty(0, dtype=np.float32)

    def has_preset(self, bank: int, program: int) -> bool:
        return bool(self._font.get_preset_index(bank, program) >= 0)

    def _silence(self) -> None:
        """Stop every voice for good.

        ``reset`` only starts a quick release, and a voice still fading would leak
        into the next part (and make renders differ): render that fade away.
        """
        self._font.reset()
        self._font.render(self._scratch, False)

    def preset_for(self, part: Part) -> tuple[int, int]:
        """(bank, program) that plays ``part``: its GS variation if the font has it, else
        its General MIDI program (else the piano), or its drum kit (else the standard kit)."""
        if part.is_drum:
            return DRUM_BANK, self.kit_for(part.program)
        if part.variation is not None and self.has_preset(part.variation[0], part.variation[1]):
            return part.variation[0], part.variation[1]
        return 0, part.program if self.has_preset(0, part.program) else 0

    def kit_for(self, program: int) -> int:
        """The drum kit to use for ``program``; the standard kit when the font lacks it."""
        return program if self.has_preset(DRUM_BANK, program) else STANDARD_KIT

    def render_part(self, part: Part, score: Score, n: int) -> Array:
        """The part as a (2, n) float32 array."""
        return self.part_track(part, score, n).render()

    def part_track(self, part: Part, score: Score, n: int) -> NoteTrack:
        """The part's notes, synthesised (or taken from the cache) and placed."""
        sr = self.sample_rate
        bank, program = self.preset_for(part)
        step = max(1, round(GATE_STEP_S * sr))
        plays: dict[NoteKey, list[tuple[int, float, int | None]]] = defaultdict(list)
        choke = _choke_lookup(program) if part.is_drum else {}
        group_starts: dict[int, list[int]] = defaultdict(list)
        spans = []
        for note in part.notes:
            start = round(score.seconds(note.start) * sr)
            if start >= n:
                continue
            end = round(score.seconds(note.start + note.duration) * sr)
            gate = max(step, round((end - start) / step) * step)
            velocity = max(1, min(127, note.velocity))
            played = min(127, (velocity // VELOCITY_BAND) * VELOCITY_BAND + VELOCITY_BAND // 2)
            key = (bank, program, note.pitch, played, gate)
            spans.append((start, key, velocity / played))
            if note.pitch in choke:
                group_starts[choke[note.pitch]].append(start)
        onsets = {group: np.array(sorted(starts)) for group, starts in group_starts.items()}
        for start, key, gain in spans:
            limit = None
            if key[2] in choke:
                # The next note of the same exclusive class (a later start) chokes this one.
                starts = onsets[choke[key[2]]]
                if starts[-1] > start:
                    limit = int(starts[np.searchsorted(starts, start, side="right")])
            plays[key].append((start, gain, limit))
        trim = 10.0 ** (VARIATION_TRIM_DB.get((bank, program), 0.0) / 20.0) if bank not in (0, DRUM_BANK) else 1.0
        track = NoteTrack(n, _choke_fade(sr))
        # Distinct notes one after another, each synthesised once and placed at every onset.
        for key, where in plays.items():
            samples, scale = self.note(key)
            for start, gain, limit in where:
                track.place(start, samples, gain * float(scale) * trim, limit)
        return track

    def note(self, key: NoteKey) -> Compact:
        """One note from its attack to the end of its release, as 16-bit samples and a scale (cached)."""
        note = self.cache.get(key)
        if note is None:
            note = compact(self._synthesise(key))
            self.cache.put(key, note)
        return note

    def _synthesise(self, key: NoteKey) -> Array:
        bank, program, pitch, velocity, gate = key
        font = self._font
        font.channel_set_bank(0, bank)
        font.channel_set_preset_number(0, program, bank == DRUM_BANK)
        limit = round(RELEASE_LIMIT_S * self.sample_rate)
        # One scratch buffer, grown when needed; the synthesizer overwrites what it renders.
        if self._note_buffer.size < 2 * (gate + limit):
            self._note_buffer = np.empty(2 * (gate + limit), dtype=np.float32)
        buffer = self._note_buffer
        view = buffer.data.cast("B")
        try:
            font.channel_note_on(0, pitch, velocity / 127.0)
            font.render(view[: 8 * gate], False)
            font.channel_note_off(0, pitch)
            position = gate
            end = gate + limit
            while position < end:
                block = min(RELEASE_BLOCK, end - position)
                font.render(view[8 * position : 8 * (position + block)], False)
                position += block
                if not buffer[2 * (position - block) : 2 * position].any():
                    break  # every voice has finished its release
            else:
                self._silence()  # a release longer than the limit: stop it for the next note
        except RuntimeError as exc:
            raise RenderFailed(f"The SoundFont synthesizer failed on preset {program}, note {pitch}: {exc}") from None
        # The last sample above the silence threshold, looking back a block at a time.
        length = 1
        stop = 2 * position
        while stop > 0:
            loud = np.flatnonzero(np.abs(buffer[max(0, stop - 2 * RELEASE_BLOCK) : stop]) > SILENT)
            if loud.size:
                length = (max(0, stop - 2 * RELEASE_BLOCK) + int(loud[-1])) // 2 + 1
                break
            stop -= 2 * RELEASE_BLOCK
        if length == gate + limit:
            # Cut at the limit: end with a short fade rather than a click.
            ramp = min(length, round(0.02 * self.sample_rate))
            buffer[2 * (length - ramp) : 2 * length] *= np.repeat(np.linspace(1.0, 0.0, ramp, dtype=np.float32), 2)
        out = np.empty((2, length), dtype=np.float32)
        out[0] = buffer[0 : 2 * length : 2]
        out[1] = buffer[1 : 2 * length : 2]
        return out


def _choke_lookup(kit: int) -> dict[int, int]:
    """Pitch → exclusive-class index for the drum ``kit``."""
    groups = ORCHESTRA_CHOKE_GROUPS if kit == ORCHESTRA_KIT else CHOKE_GROUPS
    return {pitch: index for index, group in enumerate(groups) for pitch in group}


def _choke_fade(sample_rate: int) -> Array:
    t = np.arange(max(1, round(CHOKE_LENGTH_S * sample_rate)), dtype=np.float32)
    fade = np.exp(-t / np.float32(CHOKE_TAU_S * sample_rate)).astype(np.float32)
    fade[-1] = 0.0
    return fade
