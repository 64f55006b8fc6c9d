"""Score → one stereo array per part.

Parts without a ``synth`` are played by the General MIDI SoundFont
(:mod:`~himig.engine.render.sampled`); parts with one by a DSP voice
(:mod:`~himig.engine.render.synth`). Every array has exactly
``round(score.duration_s * sample_rate)`` samples, so the master never pads or cuts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from himig.engine.errors import RenderFailed
from himig.engine.memory import tune_malloc
from himig.engine.render.cache import NoteCache, compact
from himig.engine.render.drums import KICKS
from himig.engine.render.helper import Helper, HelperGone
from himig.engine.render.notes import NoteTrack
from himig.engine.render.sampled import SampledInstruments
from himig.engine.render.synth import LEVEL_DB, ONE_SHOT, VOICES, NoteSpec
from himig.engine.score import Part, Score
from himig.engine.soundfont import find_soundfont
from himig.engine.theory import parse_key

if TYPE_CHECKING:
    from himig.engine.master import GroupMix

Array = np.ndarray

VELOCITY_BUCKETS = 8  # timbre changes in 8 steps; loudness follows the exact velocity
# Held lengths are rounded to 10 ms for synthesis so humanised durations share cached
# notes; a release a few milliseconds early or late is inaudible.
GATE_STEP_S = 0.01
# DSP notes kept between tracks (a worker renders the same voices again and again).
CACHE_BYTES = 32 * 1024 * 1024


def velocity_gain(velocity: int) -> float:
    """MIDI velocity → amplitude: a power curve (about −10 dB at 64), as synths do."""
    return float((max(1, min(127, velocity)) / 127.0) ** 1.7)


class Renderer:
    """Plays a Score: loads the SoundFont once, then renders any number of scores."""

    def __init__(
        self, soundfont: str | os.PathLike[str] | None = None, sample_rate: int = 44100, *, workers: int = 1
    ) -> None:
        """``workers=2`` starts a helper process (now, so it loads while we do) that
        renders about half of each score's parts on the other core."""
        tune_malloc()
        self.sample_rate = sample_rate
        self.soundfont_path = find_soundfont(soundfont)
        self._helper: Helper | None = Helper(str(self.soundfont_path), sample_rate) if workers > 1 else None
        self.sampled = SampledInstruments(self.soundfont_path, sample_rate)
        self.cache = NoteCache(CACHE_BYTES)

    def wait_ready(self) -> None:
        """Block until the helper process (if any) has loaded its SoundFont."""
        if self._helper is not None:
            self._helper.wait_ready()

    def _helper_ready(self) -> bool:
        assert self._helper is not None
        try:
            return self._helper.is_ready()
        except HelperGone:
            self._helper = None
            return False

    def ready_helper(self) -> Helper | None:
        """The helper if it has finished loading (work queued behind a load would wait)."""
        if self._helper is not None and self._helper_ready():
            return self._helper
        return None

    @property
    def helper(self) -> Helper | None:
        """The helper process, for other work that should run on the second core."""
        return self._helper

    def clear_caches(self) -> None:
        """Forget every cached note, here and in the helper (for benchmarks)."""
        self.cache.clear()
        self.sampled.cache.clear()
        if self._helper is not None:
            try:
                self._helper.clear_caches().result()
            except HelperGone:
                self._helper = None

    def close(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None

    def length(self, score: Score) -> int:
        return round(score.duration_s * self.sample_rate)

    def render(self, score: Score) -> dict[str, Array]:
        """Every part as float32 ``(2, n)``, in the score's part order, rendered here
        (for tests and tools that want the parts apart; generations use :meth:`render_mix`)."""
        n = self.length(score)
        return {part.name: self.render_part(part, score, n) for part in score.parts}

    def render_mix(self, score: Score, stems: Path | None = None) -> tuple[Array, dict[str, float]]:
        """The score mixed (channel strips and effect sends) into one float32 ``(2, n)`` bus.

        The parts are split into two groups (:func:`_share`); each group is rendered
        and mixed part by part (:class:`~himig.engine.master.GroupMix`), one in the
        helper process and one here. The reverb, fed the sum of both groups' sends,
        is split in time: this process reverbs the first half of the track, the
        helper the second (it is linear and time-invariant), and the two buses are
        summed. Without a helper both groups and both halves are done here, in the
        same split and with the same sums, so the track is the same sample for sample
        either way. With ``stems`` (a folder), each part's channel strip is written
        there too; returns the bus and each part's stem peak.
        """
        from himig.engine.master import CHUNK

        n = self.length(score)
        half = (n // 2 // CHUNK) * CHUNK
        mine, theirs = _share(score)
        job = finish = None
        if self._helper is not None and mine and theirs and self._helper_ready():
            try:
                job = self._helper.mix(theirs, score, n, str(stems) if stems is not None else None, half)
            except HelperGone:
                self._helper = None
        try:
            own = self.group(mine, score, stems)
            peaks = dict(own.stem_peaks)
            others: Array | None = None
            first_half_done = False
            if job is not None:
                try:
                    job.result()
                    assert job.memory is not None and job.value is not None
                    peaks.update(job.value["peaks"])
                    first = np.ndarray((2, half), dtype=np.float32, buffer=job.memory.buf, offset=2 * n * 4) if job.value["send"] else None
                    second = own.reverb_send[:, half:] if own.reverb_send is not None else None
                    assert self._helper is not None
                    finish = self._helper.mix_finish(second, half)
                    own.reverb_into(0, half, first)
                    first_half_done = True
                    del first, second
                    finish.result()
                    others = np.ndarray((2, n), dtype=np.float32, buffer=job.memory.buf)
                except HelperGone:
                    self._helper = None  # it died (killed, out of memory): carry on alone
            if others is None:
                # Both groups here (the helper's group again, if it died on the way: its
                # first half of the reverb may already be in our bus, computed from the
                # very send the group gives here, so only the second half remains).
                other = self.group(theirs, score, stems)
                peaks.update(other.stem_peaks)
                if not first_half_done:
                    own.reverb_into(0, half, other.reverb_send[:, :half] if other.reverb_send is not None else None)
                other.reverb_into(half, n, own.reverb_send[:, half:] if own.reverb_send is not None else None)
                other.release_send()
                others = other.dry
            own.release_send()
            bus = own.dry
            bus += others
            del others
        finally:
            for pending in (finish, job):
                if pending is not None:
                    pending.wait()
                    pending.release()
        return bus, {part.name: peaks[part.name] for part in score.parts if part.name in peaks}

    def group(self, parts: list[Part], score: Score, stems: Path | None = None, out: Array | None = None) -> GroupMix:
        """Render ``parts`` into a GroupMix (``out`` as its bus if given); the reverb
        send is left for the caller."""
        from himig.engine.master import GroupMix

        n = self.length(score)
        group = GroupMix(score, self.sample_rate, parts, out=out, stems=stems)
        group.mix([(part, self.part_track(part, score, n)) for part in parts])
        return group

    def render_part(self, part: Part, score: Score, n: int) -> Array:
        """One part as a float32 ``(2, n)`` array."""
        return self.part_track(part, score, n).render()

    def part_track(self, part: Part, score: Score, n: int) -> NoteTrack:
        """One part as placed notes (see :class:`~himig.engine.render.notes.NoteTrack`)."""
        if part.synth is None:
            return self.sampled.part_track(part, score, n)
        return self.synth_track(part, score, n)

    def synth_track(self, part: Part, score: Score, n: int) -> NoteTrack:
        voice = VOICES.get(part.synth or "")
        if voice is None:
            raise RenderFailed(f"Part {part.name!r} asks for an unknown synth voice {part.synth!r}.")
        track = NoteTrack(n)
        sr = self.sample_rate
        tonic = _tonic(score) if part.synth == "drums_electronic" else None
        for note in part.notes:
            start = round(score.seconds(note.start) * sr)
            if start >= n:
                continue
            exact_gate = round(score.seconds(note.start + note.duration) * sr) - start
            step = max(1, round(GATE_STEP_S * sr))
            gate = max(step, round(exact_gate / step) * step)
            bucket = min(note.velocity * VELOCITY_BUCKETS // 128, VELOCITY_BUCKETS - 1)
            length_key = 0 if part.synth in ONE_SHOT else gate
            tuned = tonic if note.pitch in KICKS else None
            key = (part.synth, note.pitch, note.glide_to, bucket, length_key, tuned)
            cached = self.cache.get(key)
            if cached is None:
                spec = NoteSpec(note.pitch, gate, (bucket + 0.5) / VELOCITY_BUCKETS, note.glide_to, sr, tuned)
                cached = compact(voice(spec) * 10.0 ** (LEVEL_DB[part.synth or ""] / 20.0))
                self.cache.put(key, cached)
            samples, scale = cached
            track.place(start, samples, float(scale) * velocity_gain(note.velocity))
        return track


def _tonic(score: Score) -> int | None:
    """The pitch class of the score's key (None if it does not parse)."""
    try:
        return parse_key(score.key).tonic
    except ValueError:
        return None


# How long a note rings after its release starts, roughly, by General MIDI family
# (program // 8) — what a part costs to place grows with its notes' whole lengths.
_TAIL_S = (1.2, 1.5, 0.2, 0.8, 0.4, 0.6, 0.8, 0.3, 0.3, 0.3, 0.3, 1.0, 1.5, 0.8, 0.8, 1.5)
_DRUM_TAIL_S = 0.8
_SYNTH_TAIL_S = {"synth_pad": 1.5, "supersaw": 0.6, "impact": 2.0, "riser": 0.2}
# What a part costs to render, in milliseconds. Placing its notes from the cache, per
# second of sounding note (release tail included), relative to a sampled note's
# _PLACE_MS; plus, per second of track, its channel strip and its own echo. Fitted once
# (non-negative least squares over per-part timings, r = 0.83) on 206 parts of 60 s
# tracks, twelve genres × three seeds, with warm note caches. DSP voices add the synthesis of their distinct
# notes (pitch, loudness, length), fitted on cold caches (r = 0.87) and counted at
# half: a new seed brings new tempos and lengths, and a held DSP pad costs 3 ms per
# second of distinct note, four to five times a sampled one, whose shorter, more
# often repeated notes a worker usually finds cached. bench/render_balance.py prints
# how long the parent waits for the helper's group with the split this gives.
_PLACE_MS = 0.05
_PLACE_WEIGHT = {
    "riser": 23.9, "supersaw": 1.5, "synth_pad": 1.3, "pluck": 1.2, "arp": 0.9,
    "saw_lead": 0.6, "808": 0.2, "drums_electronic": 0.2, "impact": 0.2,
}
_DRUM_PLACE_WEIGHT = 0.2
_PART_MS = 0.57
_DELAY_MS = 0.77
_DISTINCT_MS = {
    "riser": 5.8, "pluck": 3.9, "saw_lead": 3.3, "drums_electronic": 3.2,
    "supersaw": 3.1, "synth_pad": 3.1, "arp": 2.3, "808": 0.5, "impact": 0.5,
}
_UNKNOWN_VOICE_MS = 3.0


def _cost(part: Part, score: Score) -> float:
    """Rough work a part needs, in milliseconds (see the constants above).

    A static estimate from the score alone — never from what happens to be cached —
    so the split of parts (and with it the order of the sums) is the same every time.
    """
    if part.synth:
        tail = _SYNTH_TAIL_S.get(part.synth, 0.3)
        place = _PLACE_WEIGHT.get(part.synth, 1.0)
    elif part.is_drum:
        tail = _DRUM_TAIL_S
        place = _DRUM_PLACE_WEIGHT
    else:
        tail = _TAIL_S[min(max(part.program, 0), 127) // 8]
        place = 1.0
    lengths = [score.seconds(note.duration) + tail for note in part.notes]
    cost = sum(lengths) * place * _PLACE_MS + (_PART_MS + (_DELAY_MS if part.delay > 0 else 0.0)) * score.duration_s
    if part.synth:
        distinct = {
            (note.pitch, note.velocity * VELOCITY_BUCKETS // 128, round(length, 2), note.glide_to): length
            for note, length in zip(part.notes, lengths, strict=True)
        }
        cost += sum(distinct.values()) * _DISTINCT_MS.get(part.synth, _UNKNOWN_VOICE_MS) / 2
    return cost


def _share(score: Score) -> tuple[list[Part], list[Part]]:
    """Split the parts into two similar loads (longest first, each to the lighter side).

    The parent also mixes while the helper copies back, so it takes the lighter half.
    """
    mine: list[Part] = []
    theirs: list[Part] = []
    load = [0.0, 0.0]
    costs = [(_cost(part, score), part) for part in score.parts]
    for cost, part in sorted(costs, key=lambda item: -item[0]):
        side = 1 if load[1] <= load[0] else 0
        (theirs if side else mine).append(part)
        load[side] += cost
    return mine, theirs
