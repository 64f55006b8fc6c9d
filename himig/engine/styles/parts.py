"""Small builders the style modules share, so a genre module reads like a band sheet."""

from __future__ import annotations

from typing import Any

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Player, Slot
from himig.engine.compose.melody import melody
from himig.engine.compose.players import Groove
from himig.engine.instruments import INSTRUMENTS
from himig.engine.score import Note

SLOW_MOODS = {"Sad", "Calm", "Peaceful", "Melancholic", "Romantic"}
DARK_MOODS = {"Dark", "Mysterious", "Intense"}


def groove(steps: int = 16, **lanes: str) -> Groove:
    """``groove(k="x...", s="....x", h="x.x.")``: k kick, s snare, c clap, r rim, h closed hat,
    p pedal hat, o open hat, y ride, b ride bell, t shaker, m tambourine, l low tom."""
    keys = {"k": 36, "s": 38, "c": 39, "r": 37, "h": 42, "p": 44, "o": 46, "y": 51, "b": 53, "t": 70, "m": 54, "l": 45}
    return Groove({keys[name]: pattern for name, pattern in lanes.items()}, steps)


def kit(grooves: dict[str, Groove], *, instrument: str = "drums", fill: str = "toms", gain_db: float = -2.0,
        reverb: float = 0.12, delay: float = 0.0, min_energy: float = 0.0, sections: tuple[str, ...] | None = None,
        pan: float = 0.0, **params: Any) -> Slot:
    return Slot("drums", "drums", instrument, players.drums, {"grooves": grooves, "fill": fill, **params},
                gain_db=gain_db, reverb=reverb, delay=delay, min_energy=min_energy, sections=sections, low=35, high=81,
                pan=pan)


def bass(instrument: str, patterns: dict[str, str] | None = None, *, player: Player | None = None,
         gain_db: float = -1.0, sidechain: float = 0.0, min_energy: float = 0.0, low: int | None = None,
         sections: tuple[str, ...] | None = None, **params: Any) -> Slot:
    spec = INSTRUMENTS[instrument]
    lo = low if low is not None else max(spec.low, 28)
    return Slot("bass", "bass", instrument, player or players.bass, {"patterns": patterns or {}, **params},
                gain_db=gain_db, sidechain=sidechain, min_energy=min_energy, low=lo, high=lo + 24,
                reverb=0.05, sections=sections)


def chords(name: str, instrument: str, patterns: dict[str, str], *, low: int = 52, high: int = 76,
           voices: int = 4, gain_db: float = -5.0, pan: float = 0.0, reverb: float = 0.25,
           min_energy: float = 0.0, sections: tuple[str, ...] | None = None, role: str = "harmony",
           sidechain: float = 0.0, **params: Any) -> Slot:
    return Slot(name, role, instrument, players.comp, {"patterns": patterns, "voices": voices, **params},
                gain_db=gain_db, pan=pan, reverb=reverb, min_energy=min_energy, sections=sections,
                low=low, high=high, sidechain=sidechain)


def pad(name: str, instrument: str, *, low: int = 48, high: int = 74, voices: int = 4, gain_db: float = -8.0,
        reverb: float = 0.45, min_energy: float = 0.0, sections: tuple[str, ...] | None = None,
        sidechain: float = 0.0, pan: float = 0.0, **params: Any) -> Slot:
    return Slot(name, "pad", instrument, players.pad, {"voices": voices, **params}, gain_db=gain_db, reverb=reverb,
                min_energy=min_energy, sections=sections, low=low, high=high, sidechain=sidechain, pan=pan)


def arp(name: str, instrument: str, order: tuple[int, ...], rate: int, *, low: int = 55, high: int = 79,
        gain_db: float = -7.0, pan: float = 0.0, reverb: float = 0.25, delay: float = 0.0, min_energy: float = 0.0,
        sections: tuple[str, ...] | None = None, voices: int = 4, sidechain: float = 0.0, role: str = "arp",
        **params: Any) -> Slot:
    return Slot(name, role, instrument, players.arpeggio, {"order": order, "rate": rate, "voices": voices, **params},
                gain_db=gain_db, pan=pan, reverb=reverb, delay=delay, min_energy=min_energy, sections=sections,
                low=low, high=high, sidechain=sidechain)


def _lead_player(ctx: Ctx, slot: Slot) -> list[Note]:
    """The melody, whose last note a sustaining lead (fiddle, harmonica) lets go before the
    plucked band stops ringing (players.ring_length)."""
    tune: Player = slot.params.get("tune") or melody
    notes = tune(ctx, slot)
    if not players.joins_final(ctx, slot):  # a tune that never played does not end the piece
        notes = [n for n in notes if n.start < ctx.final_tick]
    held = players.ring_length(ctx, slot)
    softer = players.LIFT_VELOCITY if players.lifts(ctx, slot) else 0
    for note in notes:
        if note.start >= ctx.final_tick:
            note.duration = min(note.duration, held)
            note.velocity = max(1, note.velocity - softer)
    return notes


def lead(instrument: str, *, low: int = 60, high: int = 81, gain_db: float = -2.0, reverb: float = 0.25,
         delay: float = 0.1, pan: float = 0.0, sections: tuple[str, ...] | None = None, min_energy: float = 0.0,
         name: str = "lead", **params: Any) -> Slot:
    if sections is None:
        sections = ("A", "B", "A'", "bridge", "B'", "outro", "drop", "climax", "breakdown")
    return Slot(name, "melody", instrument, _lead_player, dict(params), gain_db=gain_db, reverb=reverb, delay=delay,
                pan=pan, sections=sections, min_energy=min_energy, low=low, high=high)


def counter(name: str, instrument: str, *, low: int = 60, high: int = 84, gain_db: float = -6.0, pan: float = 0.3,
            reverb: float = 0.3, chance: float = 0.6, rate: int = 2, min_energy: float = 0.0,
            sections: tuple[str, ...] | None = None) -> Slot:
    return Slot(name, "counter", instrument, players.counter, {"chance": chance, "rate": rate}, gain_db=gain_db,
                pan=pan, reverb=reverb, min_energy=min_energy, sections=sections, low=low, high=high,
                plays_final=False)


def mood_in(ctx: Ctx, *moods: str) -> bool:
    return ctx.brief.mood in moods
