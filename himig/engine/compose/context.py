"""What every player shares while composing: the brief, the timeline, the harmony, the rng."""

from __future__ import annotations

import bisect
import dataclasses
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from himig.engine.score import TICKS_PER_BEAT, Note
from himig.engine.theory import Chord, Key

if TYPE_CHECKING:
    from himig.engine.brief import Brief
    from himig.engine.compose.form import SectionPlan
    from himig.engine.styles import Style
    from himig.engine.styles.moods import MoodProfile


@dataclasses.dataclass(frozen=True)
class ChordSpan:
    start: int  # ticks
    end: int
    chord: Chord
    numeral: str
    section: int  # index into ctx.sections; -1 for the final chord


Player = Callable[["Ctx", "Slot"], list[Note]]


@dataclasses.dataclass
class Slot:
    """One part of the arrangement before its notes exist."""

    name: str
    role: str  # drums | bass | harmony | melody | counter | pad | arp | fx
    instrument: str  # canonical name (himig.engine.instruments)
    player: Player
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    gain_db: float = 0.0
    pan: float = 0.0
    reverb: float = 0.2
    delay: float = 0.0
    sidechain: float = 0.0
    min_energy: float = 0.0  # the part rests in sections quieter than this
    sections: tuple[str, ...] | None = None  # only in these section names (None = all)
    low: int = 36
    high: int = 84
    plays_final: bool = True  # joins the final chord


@dataclasses.dataclass
class Ctx:
    brief: Brief
    style: Style
    mood: MoodProfile
    key: Key
    rng: random.Random
    tempo: float
    beats_per_bar: int
    sections: list[SectionPlan]
    end_tick: int  # the track's exact end
    final_tick: int  # downbeat of the final chord
    release_tick: int  # where the final chord's notes stop so the ring-out fits
    chords: list[ChordSpan] = dataclasses.field(default_factory=list)
    kicks: list[int] = dataclasses.field(default_factory=list)  # kick onsets, for the 808 and sidechain
    melody_notes: list[Note] = dataclasses.field(default_factory=list)
    shared: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def bar_ticks(self) -> int:
        return self.beats_per_bar * TICKS_PER_BEAT

    def bar_start(self, bar: int) -> int:
        return bar * self.bar_ticks

    def ms(self, milliseconds: float) -> int:
        """Ticks in ``milliseconds`` at this tempo."""
        return round(milliseconds / 1000.0 * self.tempo * TICKS_PER_BEAT / 60.0)

    def section_at_bar(self, bar: int) -> tuple[int, SectionPlan] | None:
        for index, section in enumerate(self.sections):
            if section.start_bar <= bar < section.end_bar:
                return index, section
        return None

    def chord_at(self, tick: int) -> ChordSpan:
        starts: list[int] = self.shared.get("_chord_starts", [])
        if len(starts) != len(self.chords):
            starts = [span.start for span in self.chords]
            self.shared["_chord_starts"] = starts
        index = bisect.bisect_right(starts, tick) - 1
        if index < 0:
            return self.chords[0]
        return self.chords[index]

    def spans_between(self, start: int, end: int) -> list[ChordSpan]:
        """Chord spans that begin inside [start, end)."""
        self.chord_at(start)  # refreshes the index of starts
        starts: list[int] = self.shared["_chord_starts"]
        return self.chords[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]

    def active(self, slot: Slot, section: SectionPlan) -> bool:
        if slot.sections is not None and section.name not in slot.sections:
            return False
        return section.energy >= slot.min_energy

    def velocity(self, base: float, energy: float, spread: float = 8.0) -> int:
        """Humanised velocity around ``base`` shifted by section energy."""
        value = base + (energy - 0.55) * 36 + self.rng.gauss(0, spread / 2)
        return int(min(127, max(1, round(value))))

    def jitter(self, ms: float) -> int:
        return round(self.rng.gauss(0, ms / 2) * self.tempo * TICKS_PER_BEAT / 60000.0)


# --- groove -----------------------------------------------------------------
def swing_offset(position: int, feel: str, grid: int = TICKS_PER_BEAT // 2, amount: float = 1 / 3) -> int:
    """Extra delay of a note starting ``position`` ticks into its beat.

    Swing (and shuffle) delays the off-beat 8th by a third of its length so the
    pair reads long–short (2:1); boom-bap swings the off 16ths instead.
    """
    if feel in {"swing", "shuffle"}:
        if position % TICKS_PER_BEAT == TICKS_PER_BEAT // 2:
            return round(TICKS_PER_BEAT // 2 * amount)
        return 0
    if feel == "swing16":
        quarter = TICKS_PER_BEAT // 4
        if position % (TICKS_PER_BEAT // 2) == quarter:
            return round(quarter * amount)
    return 0


def place(ctx: Ctx, tick: int, *, feel: str | None = None, jitter_ms: float = 8.0) -> int:
    """A grid position moved by the feel's swing and a human's timing."""
    chosen = feel if feel is not None else ctx.brief.feel
    shifted = tick + swing_offset(tick % TICKS_PER_BEAT, chosen)
    return max(0, shifted + (ctx.jitter(jitter_ms) if jitter_ms else 0))


def clip_notes(notes: list[Note], end: int) -> list[Note]:
    """Keep notes inside ``end``; shorten those that would overrun, drop empty ones."""
    kept: list[Note] = []
    for note in notes:
        if note.start < 0 or note.start >= end - 10:
            continue
        if note.start + note.duration > end:
            note.duration = end - note.start
        if note.duration > 0:
            kept.append(note)
    return kept
