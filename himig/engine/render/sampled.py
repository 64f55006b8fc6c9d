"""Parts played by the SoundFont through tinysoundfont, offline and sample-exact.

One loaded SoundFont renders one part at a time (reset between parts), so each part
comes out as its own stem. Notes become note-on/off events at exact sample
positions and the synthesizer renders the spans between events straight into a
numpy buffer.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tinysoundfont._tinysoundfont as tsf  # the low-level binding: no PyAudio, buffer rendering

from himig.engine.errors import RenderFailed, ResourceMissing
from himig.engine.score import Part, Score

Array = np.ndarray

DRUM_BANK = 128
STANDARD_KIT = 0
# GeneralUser plays quietly (a piano triad at velocity 100 is about −39 dBFS RMS at
# 0 dB gain); +6 dB puts its instruments in the range of the DSP voices, whose levels
# are trimmed to match (synth.LEVEL_DB). Output is float, so nothing clips here.
OUTPUT_GAIN_DB = 6.0
MAX_VOICES = 256


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

    def has_preset(self, bank: int, program: int) -> bool:
        return bool(self._font.get_preset_index(bank, program) >= 0)

    def _silence(self) -> None:
        """Stop every voice for good.

        ``reset`` only starts a quick release, and a voice still fading would leak
        into the next part (and make renders differ): render that fade away.
        """
        self._font.reset()
        self._font.render(self._scratch, False)

    def kit_for(self, program: int) -> int:
        """The drum kit to use for ``program``; the standard kit when the font lacks it."""
        return program if self.has_preset(DRUM_BANK, program) else STANDARD_KIT

    def render_part(self, part: Part, score: Score, n: int) -> Array:
        """The part as a (2, n) float32 array."""
        font = self._font
        self._silence()
        events = _events(part, score, self.sample_rate, n)
        channels = sorted({channel for _, _, channel, _, _ in events}) or [0]
        for channel in channels:
            if part.is_drum:
                font.channel_set_bank(channel, DRUM_BANK)
                font.channel_set_preset_number(channel, self.kit_for(part.program), True)
            else:
                program = part.program if self.has_preset(0, part.program) else 0
                font.channel_set_preset_number(channel, program, False)
        buffer = np.zeros(2 * n, dtype=np.float32)
        view = buffer.data.cast("B")
        position = 0
        try:
            for at, is_on, channel, pitch, velocity in events:
                if at > position:
                    font.render(view[8 * position : 8 * at], False)
                    position = at
                if is_on:
                    font.channel_note_on(channel, pitch, velocity / 127.0)
                else:
                    font.channel_note_off(channel, pitch)
            if position < n:
                font.render(view[8 * position : 8 * n], False)
        except RuntimeError as exc:
            raise RenderFailed(f"The SoundFont synthesizer failed on part {part.name!r}: {exc}") from None
        finally:
            self._silence()
        # Deinterleave one channel at a time: two plain strided copies, about half the
        # time of numpy's transposing copy of the (n, 2) view.
        out = np.empty((2, n), dtype=np.float32)
        out[0] = buffer[0::2]
        out[1] = buffer[1::2]
        return out


def _events(part: Part, score: Score, sample_rate: int, n: int) -> list[tuple[int, int, int, int, int]]:
    """Note-on/off events (sample, on?, channel, pitch, velocity), sorted.

    A note-off in a SoundFont synth releases every voice of that key on the channel,
    so overlapping notes of the same pitch go to different channels (all with the
    same preset); otherwise the first note's end would cut the second short.
    """
    spans = []
    for note in part.notes:
        start = min(round(score.seconds(note.start) * sample_rate), n)
        end = min(round(score.seconds(note.start + note.duration) * sample_rate), n)
        if end > start:
            spans.append((start, end, note.pitch, note.velocity))
    spans.sort()
    busy_until: dict[tuple[int, int], int] = {}
    events: list[tuple[int, int, int, int, int]] = []
    for start, end, pitch, velocity in spans:
        channel = 0
        while busy_until.get((channel, pitch), -1) > start and channel < 15:
            channel += 1
        busy_until[(channel, pitch)] = end
        events.append((start, 1, channel, pitch, velocity))
        events.append((end, 0, channel, pitch, 0))
    # At the same sample, releases come before new attacks (a repeated note restarts).
    events.sort(key=lambda e: (e[0], e[1]))
    return events
