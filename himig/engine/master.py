"""Mix and master: stems → one finished stereo track at −14 LUFS, true peak ≤ −1 dBTP.

The chain, in order (the shape of a mixing desk):

1. per part: gain, equal-power pan, a high-pass at 110 Hz for everything that is not
   bass or drums (room for the kick and bass), sidechain ducking keyed by the kick;
2. sends: one reverb and one tempo-synced delay shared by all parts (the wetter a
   part's ``reverb``/``delay``, the more it sends);
3. bus: gentle glue compression at a fixed level above the mix's RMS;
4. fades: the composed fade (``Score.ending == "fade"``) and always a short end fade;
5. loudness to −14 LUFS (ITU-R BS.1770-4, measured here in numpy), then a look-ahead
   limiter whose result is checked with 4× oversampled true peak and tightened
   until it is ≤ −1 dBTP.

Stems are each part after step 1, scaled by the same gain as the master, so they
line up with the finished track in a DAW.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import scipy.ndimage as ndimage
import scipy.signal as signal
from pedalboard import Compressor, Pedalboard, Reverb

from himig.engine import filters
from himig.engine.errors import RenderFailed
from himig.engine.score import Part, Score

Array = np.ndarray

TARGET_LUFS = -14.0
TRUE_PEAK_CEILING_DBTP = -1.0
# What the limiter aims for: 0.2 dB under the contract, because other true-peak meters
# (longer interpolation filters, the 16-bit and MP3 encodes) read a little higher than
# our 12-tap 4x interpolator; the eval bench measured -0.96 dBTP on tracks we made at -1.0.
TRUE_PEAK_TARGET_DBTP = -1.2
# The limiter aims a little under the ceiling so the oversampled check rarely needs a
# second pass; what remains is measured, never assumed.
LIMITER_CEILING_DB = -1.6
LIMITER_WINDOW_S = 0.008
HIGH_PASS_HZ = 110.0
CHUNK = 1 << 16  # samples processed at a time by the mix and the effects (1.5 s)
# How long the reverb's tail is followed past the end of its input when the track's
# reverb is computed in two halves: far longer than it takes to decay below float32.
REVERB_TAIL_S = 4.0
END_FADE_S = 0.05
START_FADE_S = 0.002
KICKS = (35, 36)
# Bass-carrying parts keep their low end; everything else is high-passed.
LOW_END_ROLES = frozenset({"bass", "drums"})
LOW_END_SYNTHS = frozenset({"sub_bass", "808", "acid_bass", "impact", "drums_electronic"})


class ChunkSource(Protocol):
    """A part that makes its audio a chunk at a time."""

    n: int

    def chunks(self, size: int) -> Iterator[tuple[int, Array]]: ...


@dataclasses.dataclass
class Mastered:
    audio: Array  # float32 (2, n): the finished track
    stems: Mapping[str, Array]  # float32 (2, n) per part, after its own processing, at master gain
    loudness_lufs: float  # NaN until settle() has measured it
    true_peak_dbtp: float
    stem_gain: Array | None = None  # float32 (n,): what a channel strip is multiplied by to become a stem
    # What settle() needs to push the level once more: the glued and faded bus, the
    # fades, the RMS trim before the glue, the loudness gain, the sample rate.
    _pending: tuple[Array, Array, float, float, int] | None = None

    def settle(self) -> bool:
        """Measure the finished track's loudness; if heavy limiting took more than
        0.4 LU away, push once more by what is missing. True if the audio changed.

        Split from :func:`master_bus` so the pipeline can start encoding the track
        while this runs: the push is rare (none in 48 tracks across genres and moods).
        """
        if self._pending is None:
            return False
        bus, fades, pre_gain, gain, sample_rate = self._pending
        self._pending = None
        final_loudness = integrated_loudness(self.audio, sample_rate)
        changed = abs(final_loudness - TARGET_LUFS) > 0.4
        if changed:
            gain *= 10.0 ** ((TARGET_LUFS - final_loudness) / 20.0)
            self.audio, peak = _limit_to_ceiling(bus, gain, sample_rate)
            self.true_peak_dbtp = to_db(peak)
            final_loudness = integrated_loudness(self.audio, sample_rate)
        self.loudness_lufs = final_loudness
        fades *= np.float32(pre_gain * gain)
        self.stem_gain = fades
        return changed


def master(part_audio: dict[str, Array], score: Score, sample_rate: int) -> Mastered:
    """Mix the parts of ``score`` (rendered as ``part_audio``) into a mastered track.

    The whole chain in one call, with every part in memory (stems come from them);
    the engine's pipeline instead mixes each part as it is rendered (:class:`GroupMix`)
    and masters the bus with :func:`master_bus`.
    """
    n = round(score.duration_s * sample_rate)
    parts = [p for p in score.parts if p.name in part_audio]
    for part in parts:
        if part_audio[part.name].shape != (2, n):
            raise RenderFailed(f"part {part.name!r} has shape {part_audio[part.name].shape}, expected (2, {n})")
    group = GroupMix(score, sample_rate, parts)
    group.mix([(part, part_audio[part.name]) for part in parts])
    mastered = master_bus(group.finish(), score, sample_rate)
    assert mastered.stem_gain is not None
    mastered.stems = Stems(part_audio, parts, sample_rate, group.duck, mastered.stem_gain)
    return mastered


def master_bus(bus: Array, score: Score, sample_rate: int, *, settle: bool = True) -> Mastered:
    """Glue, fades, loudness and limiting of a mixed bus (changed in place); no stems.

    The true peak is always checked here; with ``settle=False`` the final loudness
    check is left to :meth:`Mastered.settle`, which must be called before the
    loudness or ``stem_gain`` is used.
    """
    n = round(score.duration_s * sample_rate)
    if bus.shape != (2, n):
        raise RenderFailed(f"the mix has shape {bus.shape}, expected (2, {n})")
    # Glue compression at a known level: bring the mix to a fixed RMS first so the
    # threshold means the same for a solo piano and a full band.
    rms = float(np.sqrt(np.mean(np.square(bus[:, ::4], dtype=np.float64))))
    if rms < 1e-7:
        raise RenderFailed("The mix is silent: no part produced any sound.")
    pre_gain = 10.0 ** (-20.0 / 20.0) / rms
    bus *= np.float32(pre_gain)
    glue = Pedalboard([Compressor(threshold_db=-22.0, ratio=2.0, attack_ms=15.0, release_ms=180.0)])
    for start in range(0, n, CHUNK):
        bus[:, start : start + CHUNK] = glue(bus[:, start : start + CHUNK], sample_rate, reset=False)
    envelope = _fades(score, sample_rate, n)
    bus *= envelope

    loudness = integrated_loudness(bus, sample_rate)
    gain = 10.0 ** ((TARGET_LUFS - loudness) / 20.0)
    audio, peak = _limit_to_ceiling(bus, gain, sample_rate)
    mastered = Mastered(
        audio=audio, stems={}, loudness_lufs=math.nan, true_peak_dbtp=to_db(peak),
        _pending=(bus, envelope, pre_gain, gain, sample_rate),
    )
    if settle:
        mastered.settle()
    return mastered


class GroupMix:
    """Parts mixed through their channel strips and the shared sends into one stereo bus.

    Each part is added as soon as it is rendered and can then be dropped, so a
    120 s track never holds every part at once. Everything here is linear — gains,
    ducking, the high-pass, the delay and the (unmodulated) reverb — so the parts
    can be split into groups, each mixed on its own (in another process), and the
    buses summed: the same track as mixing all parts at once.

    Parts that share a treatment (low cut or not) are summed before it, and the
    work goes in chunks of about 1.5 s so temporaries stay small and in cache. With
    ``stems`` (a folder), each part's channel strip is also written there as raw
    interleaved float32, ``<index in the score>.f32``, and its peak kept in
    :attr:`stem_peaks`, for :class:`StemFiles`.
    """

    def __init__(
        self,
        score: Score,
        sample_rate: int,
        parts: list[Part],
        *,
        out: Array | None = None,
        stems: Path | None = None,
    ) -> None:
        self.score = score
        self.sample_rate = sample_rate
        self.n = n = round(score.duration_s * sample_rate)
        self.duck = _kick_envelope(score, sample_rate, n)
        if out is None:
            out = np.zeros((2, n), dtype=np.float32)
        self.dry = out
        self.reverb_send = np.zeros((2, n), dtype=np.float32) if any(p.reverb > 0 for p in parts) else None
        self.stems = stems
        self.stem_peaks: dict[str, float] = {}

    def mix(self, parts: Sequence[tuple[Part, Array | ChunkSource]]) -> None:
        """Mix in ``parts``, each a float32 (2, n) array or anything that yields it a
        chunk at a time (a renderer's :class:`~himig.engine.render.notes.NoteTrack`).

        The parts advance together, chunk by chunk, so the parts that want a low cut
        are summed one chunk at a time and high-passed as one signal: no full-length
        buffer for them (42 MB at 120 s). The filter is linear and starts from rest on
        each call, so mixing parts in one call or in several gives the same bus (to
        float rounding).
        """
        n = self.n
        streams: list[tuple[Part, Iterator[tuple[int, Array]]]] = []
        for part, audio in parts:
            if isinstance(audio, np.ndarray):
                if audio.shape != (2, n):
                    raise RenderFailed(f"part {part.name!r} has shape {audio.shape}, expected (2, {n})")
                streams.append((part, _slices(audio)))
            else:
                if audio.n != n:
                    raise RenderFailed(f"part {part.name!r} has {audio.n} samples, expected {n}")
                streams.append((part, iter(audio.chunks(CHUNK))))
        strips = [_Strip(self, part, stream) for part, stream in streams]
        cut_sos = _highpass(self.sample_rate)
        cut_state = np.zeros((cut_sos.shape[0], 2, 2), dtype=np.float32)
        cut = np.empty((2, CHUNK), dtype=np.float32)
        any_cut = any(strip.needs_cut for strip in strips)
        try:
            for start in range(0, n, CHUNK):
                stop = min(n, start + CHUNK)
                low_cut = cut[:, : stop - start]
                low_cut.fill(0.0)
                for strip in strips:
                    strip.step(start, stop, low_cut)
                if any_cut:
                    filtered, cut_state = filters.sosfilt(cut_sos, low_cut, axis=1, zi=cut_state)
                    self.dry[:, start:stop] += filtered
        finally:
            for strip in strips:
                strip.close()
        for strip in strips:
            if strip.stem is not None:
                self.stem_peaks[strip.part.name] = strip.peak

    def finish(self) -> Array:
        """The group's bus: the dry parts, the high-passed parts and the reverb return."""
        self.reverb_into(0, self.n)
        return self.dry

    def reverb_into(self, start: int, stop: int, others: Array | None = None) -> None:
        """Add the reverb of the send over ``[start, stop)`` — plus ``others``, another
        group's send over the same span — to the bus, and the tail it rings into
        after ``stop`` (up to :data:`REVERB_TAIL_S`, within the track).

        The reverb is linear and time-invariant (measured: splitting its input in
        time and summing the two outputs differs by −104 dB), so two processes can
        each take half of the track's reverb, each fed the sum of both groups' sends.
        """
        if self.reverb_send is None and others is None:
            return
        send = self.reverb_send[:, start:stop] if self.reverb_send is not None else None
        if others is not None:
            if send is None:
                send = others
            else:
                send += others
        if send is None or stop <= start:
            return
        reverb = _Send(_reverb_chain(self.sample_rate, self.score), self.sample_rate, gain=0.6)
        end = self.n if stop >= self.n else min(self.n, stop + round(REVERB_TAIL_S * self.sample_rate))
        silence = np.zeros((2, CHUNK), dtype=np.float32)
        first = start
        while first < end:
            if first < stop:
                last = min(stop, first + CHUNK)
                piece = send[:, first - start : last - start]
            else:
                last = min(end, first + CHUNK)
                piece = silence[:, : last - first]
            reverb.add(self.dry[:, first:last], piece)
            first = last

    def release_send(self) -> None:
        """Drop the reverb send once every span of it has been reverbed."""
        self.reverb_send = None


def _slices(audio: Array) -> Iterator[tuple[int, Array]]:
    return ((start, audio[:, start : start + CHUNK]) for start in range(0, audio.shape[1], CHUNK))


class _Strip:
    """One part's channel strip inside :meth:`GroupMix.mix`, fed a chunk at a time."""

    def __init__(self, group: GroupMix, part: Part, chunks: Iterator[tuple[int, Array]]) -> None:
        self.group = group
        self.part = part
        self.chunks = chunks
        self.gain_pan = _gain_pan(part)
        self.needs_cut = _needs_low_cut(part)
        self.depth = np.float32(min(max(part.sidechain, 0.0), 1.0)) if group.duck.size else np.float32(0.0)
        self.send = np.float32(part.reverb) if group.reverb_send is not None and part.reverb > 0 else None
        # The echo is fed straight from the part, a chunk at a time, into the bus: a
        # group rarely has more than one part with delay, so this spares a send bus.
        self.delay = _Send(_delay_chain(group.score), group.sample_rate, gain=0.5, filter_after=True) if part.delay > 0 else None
        self.stem = None
        self.peak = 0.0
        if group.stems is not None:
            self.stem = open(stem_path(group.stems, group.score.parts, part), "wb")  # noqa: SIM115 - closed in close()
            self.stem_state = np.zeros((_highpass(group.sample_rate).shape[0], 2, 2), dtype=np.float32)

    def step(self, start: int, stop: int, low_cut: Array) -> None:
        """Mix the part's chunk ``[start, stop)``: into ``low_cut`` (a chunk buffer the
        group high-passes) if the part wants the low cut, else straight into the bus."""
        group = self.group
        first, piece = next(self.chunks)
        assert first == start and piece.shape[1] == stop - start
        chunk = piece * self.gain_pan
        if self.depth > 0:
            chunk *= 1.0 - self.depth * group.duck[start:stop]
        if self.needs_cut:
            low_cut += chunk
        else:
            group.dry[:, start:stop] += chunk
        if self.send is not None:
            assert group.reverb_send is not None
            group.reverb_send[:, start:stop] += chunk * self.send
        if self.delay is not None:
            self.delay.add(group.dry[:, start:stop], chunk * np.float32(self.part.delay))
        if self.stem is not None:
            if self.needs_cut:
                chunk, self.stem_state = filters.sosfilt(_highpass(group.sample_rate), chunk, axis=1, zi=self.stem_state)
            self.peak = max(self.peak, float(np.abs(chunk).max()))
            self.stem.write(np.ascontiguousarray(chunk.T, dtype=np.float32).tobytes())

    def close(self) -> None:
        if self.stem is not None:
            self.stem.close()


class Stems(Mapping[str, Array]):
    """Each part through its own channel strip at the master's gain, made when first asked for.

    Most generations want no stems, and a 120 s stem is 42 MB, so they are not built
    unless read. Reading any builds all of them: the loudest decides a common trim
    (:func:`_stem_gain`) that keeps every stem inside 16 bits.
    """

    def __init__(self, part_audio: dict[str, Array], parts: list[Part], sample_rate: int, duck: Array, gain: Array) -> None:
        self._inputs = (part_audio, parts, sample_rate, duck, gain)
        self._stems: dict[str, Array] | None = None
        self._names = [p.name for p in parts]

    def _build(self) -> dict[str, Array]:
        if self._stems is None:
            part_audio, parts, sample_rate, duck, gain = self._inputs
            strips = {part.name: channel_strip(part_audio[part.name], part, sample_rate, duck) for part in parts}
            gain = _stem_gain({name: float(np.abs(strip).max()) for name, strip in strips.items()}, gain)
            for strip in strips.values():
                strip *= gain
            self._stems = strips
        return self._stems

    def __getitem__(self, name: str) -> Array:
        return self._build()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def stem_path(folder: Path, all_parts: list[Part], part: Part) -> Path:
    """Where :class:`GroupMix` writes ``part``'s channel strip: named by its place in the score."""
    index = next(i for i, candidate in enumerate(all_parts) if candidate is part)
    return folder / f"{index:02d}.f32"


class StemFiles(Mapping[str, Array]):
    """Stems from the channel strips :class:`GroupMix` wrote to disk, one read at a time.

    Each is read when asked for and scaled by ``gain`` (the master's gain and fades),
    so writing a stems zip holds one stem in memory, not all of them. The peaks
    recorded while mixing decide a common trim that keeps every stem inside 16 bits.
    """

    def __init__(self, folder: Path, parts: list[Part], peaks: Mapping[str, float], gain: Array) -> None:
        self._files = {p.name: stem_path(folder, parts, p) for p in parts}
        self._gain = _stem_gain(peaks, gain)

    def __getitem__(self, name: str) -> Array:
        frames = np.fromfile(self._files[name], dtype=np.float32).reshape(-1, 2)
        if frames.shape[0] != self._gain.size:
            raise RenderFailed(f"the stem of {name!r} has {frames.shape[0]} samples, expected {self._gain.size}")
        frames *= self._gain[:, None]
        return frames.T  # (2, n), a view of the interleaved frames: the WAV writer wants them so

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _gain_pan(part: Part) -> Array:
    """Gain and equal-power pan (normalised to unity in the centre) as a (2, 1) multiplier."""
    theta = (min(max(part.pan, -1.0), 1.0) + 1.0) * math.pi / 4.0
    gain = 10.0 ** (part.gain_db / 20.0) * math.sqrt(2.0)
    return np.array([[gain * math.cos(theta)], [gain * math.sin(theta)]], dtype=np.float32)


def _needs_low_cut(part: Part) -> bool:
    return part.role not in LOW_END_ROLES and part.synth not in LOW_END_SYNTHS and not part.is_drum


def channel_strip(audio: Array, part: Part, sample_rate: int, duck: Array) -> Array:
    """One part's gain, pan, ducking and low cut, in the mix's order (a new float32 array)."""
    out = audio * _gain_pan(part)
    if part.sidechain > 0 and duck.size:
        out *= 1.0 - np.float32(min(part.sidechain, 1.0)) * duck
    if _needs_low_cut(part):
        out = filters.sosfilt(_highpass(sample_rate), out, axis=1).astype(np.float32, copy=False)
    return out


@functools.lru_cache(maxsize=4)
def _highpass(sample_rate: int) -> Array:
    return signal.butter(2, HIGH_PASS_HZ, "high", fs=sample_rate, output="sos").astype(np.float32)


def _kick_envelope(score: Score, sample_rate: int, n: int) -> Array:
    """0–1 per sample: 1 just after each kick, recovering over about half a beat.

    The shape of sidechain pumping: a 5 ms dip into the kick, an exponential
    recovery; overlapping recoveries take the deeper of the two. Empty when the
    score has no kick to key from.
    """
    kicks = sorted(
        {
            round(score.seconds(note.start) * sample_rate)
            for part in score.parts
            if part.is_drum
            for note in part.notes
            if note.pitch in KICKS
        }
    )
    kicks = [k for k in kicks if k < n]
    if not kicks:
        return np.zeros(0, dtype=np.float32)
    release = 0.45 * 60.0 / score.tempo_bpm  # seconds to recover to 1/e
    attack = max(1, int(0.005 * sample_rate))
    length = int(5 * release * sample_rate)
    t = np.arange(length, dtype=np.float32)
    shape = np.exp(-t / np.float32(release * sample_rate)).astype(np.float32)
    shape[:attack] = np.linspace(0.0, 1.0, attack, endpoint=False, dtype=np.float32)
    envelope = np.zeros(n, dtype=np.float32)
    for start in kicks:
        stop = min(n, start + length)
        np.maximum(envelope[start:stop], shape[: stop - start], out=envelope[start:stop])
    return envelope


class _Send:
    """A shared effect fed a chunk at a time: band-limited before (or after) ``board``, added to the bus."""

    def __init__(
        self, board: Callable[..., Array], sample_rate: int, gain: float, filter_after: bool = False
    ) -> None:
        self.board = board
        self.sample_rate = sample_rate
        self.gain = np.float32(gain)
        self.filter_after = filter_after
        self.sos = _send_filter(sample_rate)
        self.state = np.zeros((self.sos.shape[0], 2, 2), dtype=np.float32)

    def add(self, dry: Array, send: Array) -> None:
        """Add the effect's return for the next chunk of the send to ``dry`` (the bus chunk)."""
        chunk = send
        if not self.filter_after:
            chunk, self.state = filters.sosfilt(self.sos, chunk, axis=1, zi=self.state)
        wet = self.board(np.ascontiguousarray(chunk, dtype=np.float32), self.sample_rate, reset=False)
        if self.filter_after:
            wet, self.state = filters.sosfilt(self.sos, wet, axis=1, zi=self.state)
        dry += wet * self.gain


def _reverb_chain(sample_rate: int, score: Score) -> Pedalboard:
    """The shared reverb: a hall-ish room; its send is band-limited so it never muddies."""
    room = 0.55 if score.tempo_bpm >= 100 else 0.75
    return Pedalboard([Reverb(room_size=room, damping=0.45, wet_level=1.0, dry_level=0.0, width=1.0)])


def _delay_chain(score: Score) -> _FeedbackDelay:
    """A dotted-eighth echo (the most common tempo-synced delay), darkened afterwards."""
    return _FeedbackDelay(delay_seconds=0.75 * 60.0 / score.tempo_bpm, feedback=0.32)


class _FeedbackDelay:
    """A feedback delay, fully wet: ``y[i] = x[i - d] + feedback · y[i - d]``.

    The same samples as pedalboard's ``Delay(delay_seconds, feedback, mix=1.0)``
    (which rounds the delay through float32 seconds and truncates it to whole
    samples; tests compare the two), computed ``d`` samples at a time with numpy —
    each block needs only the block before it — instead of one sample at a time.
    """

    def __init__(self, delay_seconds: float, feedback: float) -> None:
        self.delay_seconds = delay_seconds
        self.feedback = np.float32(feedback)
        self._history: tuple[Array, Array] | None = None  # the last d inputs and outputs

    def __call__(self, chunk: Array, sample_rate: int, reset: bool = True) -> Array:
        d = max(1, int(float(np.float32(self.delay_seconds)) * sample_rate))
        channels, length = chunk.shape
        if reset or self._history is None or self._history[0].shape != (channels, d):
            self._history = (np.zeros((channels, d), dtype=np.float32), np.zeros((channels, d), dtype=np.float32))
        inputs = np.concatenate((self._history[0], chunk.astype(np.float32, copy=False)), axis=1)
        outputs = np.concatenate((self._history[1], np.empty((channels, length), dtype=np.float32)), axis=1)
        for start in range(d, d + length, d):
            stop = min(d + length, start + d)
            np.multiply(outputs[:, start - d : stop - d], self.feedback, out=outputs[:, start:stop])
            outputs[:, start:stop] += inputs[:, start - d : stop - d]
        self._history = (inputs[:, -d:].copy(), outputs[:, -d:].copy())
        return outputs[:, d:]


@functools.lru_cache(maxsize=4)
def _send_filter(sample_rate: int) -> Array:
    """Band-limit effect returns: 250 Hz – 7 kHz."""
    return signal.butter(1, [250.0, 7000.0], "band", fs=sample_rate, output="sos").astype(np.float32)


def _fades(score: Score, sample_rate: int, n: int) -> Array:
    """Gain per sample: a 2 ms fade-in, the composed fade-out, and a short end fade."""
    envelope = np.ones(n, dtype=np.float32)
    start = min(n, max(1, int(START_FADE_S * sample_rate)))
    envelope[:start] = np.linspace(0.0, 1.0, start, endpoint=False)
    if score.ending == "fade" and score.fade_s > 0:
        length = min(n, int(score.fade_s * sample_rate))
        # Equal steps in decibels sound even; the last 10 % fall to silence.
        x = np.linspace(0.0, 1.0, length)
        envelope[n - length :] *= (10.0 ** (-40.0 * x / 20.0) * np.minimum(1.0, (1.0 - x) * 10.0)).astype(np.float32)
    # A loop plays straight back into its first bar: only a click guard as short as the
    # fade-in, so the seam has no audible dip.
    end_fade_s = START_FADE_S if score.ending == "loop" else END_FADE_S
    length = min(n, max(1, int(end_fade_s * sample_rate)))
    envelope[n - length :] *= np.cos(np.linspace(0.0, math.pi / 2.0, length)).astype(np.float32) ** 2
    return envelope


def _limit_to_ceiling(bus: Array, gain: float, sample_rate: int) -> tuple[Array, float]:
    """Apply ``gain`` and limit, then measure the true peak; tighten until it is under the ceiling."""
    ceiling = 10.0 ** (LIMITER_CEILING_DB / 20.0)
    target = 10.0 ** (TRUE_PEAK_TARGET_DBTP / 20.0)
    for _ in range(6):
        limited = limit(bus, ceiling / gain, sample_rate)
        limited *= np.float32(gain)
        peak = true_peak(limited)
        if peak <= target:
            return limited, peak
        ceiling *= target / peak * 0.995
    raise RenderFailed(f"could not bring the true peak under {TRUE_PEAK_CEILING_DBTP} dBTP")


def limit(audio: Array, ceiling: float, sample_rate: int) -> Array:
    """A look-ahead brick-wall limiter on sample peaks.

    The gain needed at each sample is held over a window either side (minimum
    filter) and then averaged over the same window: at every peak the averaged gain
    is no higher than what that peak needs, so no sample exceeds ``ceiling``, and
    the gain moves in smooth ramps of about twice the window instead of jumps.

    Only the stretches around samples over the ceiling are filtered: elsewhere the
    held and averaged gain is exactly 1, and a stretch computed on its own (with
    margins wider than both filters' reach) gives the same gains as filtering the
    whole track at once, for a fraction of the work when few samples need limiting.
    """
    magnitude = _peak_envelope(audio)
    np.maximum(magnitude, np.float32(1e-12), out=magnitude)
    needed = np.divide(np.float32(ceiling), magnitude, out=magnitude)
    np.minimum(needed, np.float32(1.0), out=needed)
    out = audio.astype(np.float32, copy=True)
    over = np.flatnonzero(needed < 1.0)
    if over.size == 0:
        return out
    half = int(LIMITER_WINDOW_S * sample_rate)
    width = 2 * half + 1
    if over.size > needed.size // 4:
        # Limiting nearly everywhere: one pass over the whole track is cheaper.
        held = ndimage.minimum_filter1d(needed, width, mode="nearest")
        smooth = ndimage.uniform_filter1d(held, width, mode="nearest")
        np.minimum(smooth, needed, out=smooth)
        np.multiply(audio, smooth, out=out)
        return out
    # A gain below 1 reaches 2·half samples of output (hold, then average), which
    # need 4·half samples of input either side; stretches further apart than that
    # are independent.
    margin = 4 * half + 1
    breaks = np.flatnonzero(np.diff(over) > 2 * margin)
    firsts = np.concatenate(([over[0]], over[breaks + 1]))
    lasts = np.concatenate((over[breaks], [over[-1]]))
    n = needed.size
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        lo = max(0, first - margin)
        hi = min(n, last + margin + 1)
        piece = needed[lo:hi]
        held = ndimage.minimum_filter1d(piece, width, mode="nearest")
        smooth = ndimage.uniform_filter1d(held, width, mode="nearest")
        np.minimum(smooth, piece, out=smooth)
        out[:, lo:hi] = audio[:, lo:hi] * smooth
    return out


def _peak_envelope(audio: Array) -> Array:
    """|sample| of the louder channel at each instant, without a full-size |audio| copy."""
    magnitude = np.abs(audio[0])
    for channel in audio[1:]:
        np.maximum(magnitude, np.abs(channel), out=magnitude)
    return magnitude


def _stem_gain(peaks: Mapping[str, float], gain: Array) -> Array:
    """Stems are written as 16-bit WAV: if the loudest strip at the master's gain could
    clip, turn every stem down alike (their balance is the point of stems)."""
    loudest = max(peaks.values(), default=0.0) * float(np.max(gain, initial=0.0))
    return gain * np.float32(0.98 / loudest) if loudest > 0.98 else gain


# -- measuring ---------------------------------------------------------------
# BS.1770 loudness and true peak are written with numpy/scipy rather than calling
# pyloudnorm in the hot path because every track is measured more than once:
# pyloudnorm takes about 0.7 s for 120 s of stereo here, this a fraction of that.
# The tests check both agree within 0.1 LU.

BLOCK_S = 0.4  # gating block
STEP_S = 0.1  # 75 % overlap
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
OVERSAMPLE = 4
TAPS_PER_PHASE = 12  # the length BS.1770-4 Annex 2 uses (48 taps at 4×)


@functools.lru_cache(maxsize=8)
def k_weighting(sample_rate: int) -> Array:
    """The two K-weighting biquads (high shelf + RLB high-pass) for any sample rate, as SOS."""
    # Stage 1: the head's acoustic effect, a +4 dB high shelf around 1.7 kHz.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    # Stage 2: the revised low-frequency B-curve, a high-pass near 38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def integrated_loudness(audio: Array, sample_rate: int) -> float:
    """Gated integrated loudness in LUFS of ``audio`` shaped (channels, n); −inf if silent."""
    audio = np.atleast_2d(audio)
    block = round(BLOCK_S * sample_rate)
    step = round(STEP_S * sample_rate)
    n = audio.shape[1]
    if n < block:
        return float("-inf")
    # Energy per 100 ms step (left and right weigh 1.0 each; no surround channels
    # here); a 400 ms gating block is four consecutive steps. Filtered a few
    # seconds at a time, carrying the filter state, to keep temporaries small.
    sos = k_weighting(sample_rate).astype(np.float32)
    state = np.zeros((sos.shape[0], audio.shape[0], 2), dtype=np.float32)
    steps = n // step
    energy_steps = np.empty(steps)
    per_chunk = 16  # steps filtered at once
    for first in range(0, steps, per_chunk):
        last = min(steps, first + per_chunk)
        weighted, state = filters.sosfilt(sos, audio[:, first * step : last * step], axis=1, zi=state)
        squared = np.square(weighted, dtype=np.float32).reshape(audio.shape[0], last - first, step)
        energy_steps[first:last] = squared.sum(axis=2, dtype=np.float64).sum(axis=0)
    per_block = block // step
    window = np.convolve(energy_steps, np.ones(per_block), mode="valid")
    energy = window / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10.0 * np.log10(energy)
    above = energy[levels > ABSOLUTE_GATE]
    if above.size == 0:
        return float("-inf")
    relative = -0.691 + 10.0 * math.log10(above.mean()) + RELATIVE_GATE
    gated = energy[levels > max(relative, ABSOLUTE_GATE)]
    return float(-0.691 + 10.0 * math.log10(gated.mean()))


@functools.lru_cache(maxsize=1)
def _interpolator() -> Array:
    """4× interpolation filter, one row of 12 taps per phase, unity gain per phase."""
    taps = signal.firwin(OVERSAMPLE * TAPS_PER_PHASE, 0.9 / OVERSAMPLE, window=("kaiser", 7.0)) * OVERSAMPLE
    return taps.reshape(TAPS_PER_PHASE, OVERSAMPLE).T.copy()  # phases[p, k] = taps[k * 4 + p]


def true_peak(audio: Array) -> float:
    """Highest absolute value of the 4× oversampled signal (linear, not dB).

    Only output samples that could beat the sample peak are computed: an output
    sample is a 12-tap sum, so it is at most (sum of |taps| of its phase) × the
    largest input in its window. Windows whose inputs are all below
    ``sample_peak / that bound`` cannot exceed the sample peak and are skipped —
    the answer is exact, but costs a fraction of full oversampling.
    """
    audio = np.atleast_2d(audio)
    magnitude = _peak_envelope(audio)
    sample_peak = float(magnitude.max()) if magnitude.size else 0.0
    if sample_peak == 0.0:
        return 0.0
    phases = _interpolator()
    bound = float(np.abs(phases).sum(axis=1).max())
    hot = np.flatnonzero(magnitude > sample_peak / bound)
    if hot.size > magnitude.size // 16:
        return max(sample_peak, _true_peak_dense(audio))
    reach = np.arange(TAPS_PER_PHASE)
    # Outputs whose 12-sample window holds a hot sample; the first and last eleven
    # outputs (partial windows) fall inside the engine's start and end fades.
    positions = np.unique((hot[:, None] + reach).ravel())
    positions = positions[(positions >= TAPS_PER_PHASE - 1) & (positions < magnitude.size)]
    best = sample_peak
    for chunk in np.array_split(positions, max(1, positions.size // 65536)):
        # Output at position m uses inputs m-11 … m, newest last.
        windows = audio[:, chunk[:, None] - reach[::-1]].astype(np.float64)  # (channels, len(chunk), 12)
        values = windows[..., ::-1] @ phases.T  # (channels, len(chunk), 4)
        best = max(best, float(np.abs(values).max()))
    return best


def _true_peak_dense(audio: Array) -> float:
    """Full 4× oversampling, a chunk at a time (for signals that sit at their peak)."""
    taps = _interpolator().T.ravel()
    chunk = 1 << 18
    margin = TAPS_PER_PHASE
    best = 0.0
    for start in range(0, audio.shape[1], chunk):
        piece = audio[:, max(0, start - margin) : start + chunk]
        best = max(best, float(np.abs(signal.upfirdn(taps, piece, up=OVERSAMPLE, axis=1)).max()))
    return best


def to_db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else float("-inf")
