"""A part as notes placed at sample positions, turned into audio a chunk at a time.

Both renderers synthesise each distinct note once and then only place it; holding
the whole part as a full-length array just to hand it to the mixer would cost
42 MB per 120 s part. A :class:`NoteTrack` keeps the placements and makes the
part's audio a chunk at a time, which the mixer consumes at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

Array = np.ndarray


class NoteTrack:
    """Notes (int16 samples × gain) at sample positions in an ``n``-sample part."""

    def __init__(self, n: int, choke_fade: Array | None = None) -> None:
        self.n = n
        self._fade = choke_fade if choke_fade is not None else np.zeros(1, dtype=np.float32)
        # start, end (exclusive, within the part), samples, gain, choke point (or -1)
        self._notes: list[tuple[int, int, Array, np.float32, int]] = []

    def place(self, start: int, samples: Array, gain: float, choke_at: int | None = None) -> None:
        """Add ``samples * gain`` from ``start``; from ``choke_at`` on, the note dies
        away with the choke fade (an exclusive class cutting it off)."""
        if start >= self.n:
            return
        end = min(self.n, start + samples.shape[1])
        choke = -1
        if choke_at is not None and choke_at < end:
            choke = choke_at
            end = min(end, choke_at + self._fade.size)
        self._notes.append((start, end, samples, np.float32(gain), choke))

    def chunks(self, size: int) -> Iterator[tuple[int, Array]]:
        """(first sample, float32 (2, ≤ size) audio) for consecutive chunks of the part.

        The array is reused: use it before asking for the next chunk.
        """
        notes = sorted(self._notes, key=lambda note: note[0])
        buffer = np.empty((2, size), dtype=np.float32)
        fade = self._fade
        active: list[tuple[int, int, Array, np.float32, int]] = []
        following = 0
        for first in range(0, self.n, size):
            last = min(self.n, first + size)
            out = buffer[:, : last - first]
            out.fill(0.0)
            while following < len(notes) and notes[following][0] < last:
                active.append(notes[following])
                following += 1
            still = []
            for note in active:
                start, end, samples, gain, choke = note
                lo, hi = max(first, start), min(last, end)
                if hi > lo:
                    plain = hi if choke < 0 else min(hi, choke)
                    if plain > lo:
                        out[:, lo - first : plain - first] += samples[:, lo - start : plain - start] * gain
                    if choke >= 0 and hi > max(lo, choke):
                        lo = max(lo, choke)
                        out[:, lo - first : hi - first] += samples[:, lo - start : hi - start] * (fade[lo - choke : hi - choke] * gain)
                if end > last:
                    still.append(note)
            active = still
            yield first, out

    def render(self, size: int = 1 << 16) -> Array:
        """The whole part as one float32 (2, n) array."""
        out = np.empty((2, self.n), dtype=np.float32)
        for first, chunk in self.chunks(size):
            out[:, first : first + chunk.shape[1]] = chunk
        return out
