"""The band: drums, bass, chords, pads, arpeggios, counter-lines and effects.

Every player reads the shared harmony plan and the section energies and writes
notes for one Part. Patterns are one bar of grid steps (16ths in 4/4, 12 steps in
3/4 or in triplet feels) written as strings, so a style can say what a groove is
the way a drummer would write it down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TypeVar

from himig.engine.compose.context import Ctx, Slot, place
from himig.engine.compose.form import SectionPlan
from himig.engine.instruments import INSTRUMENTS, satisfies
from himig.engine.score import TICKS_PER_BEAT, Note
from himig.engine.theory import Chord, place_pc, voice_lead

KICKS = (35, 36)
SNARE, CLAP, RIM, CLOSED_HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE = 38, 39, 37, 42, 44, 46, 49, 51
TOMS = (50, 48, 47, 45, 43, 41)
T = TypeVar("T")


def level(energy: float) -> str:
    return "low" if energy < 0.42 else "mid" if energy < 0.78 else "high"


def pick(patterns: Mapping[str, T], energy: float) -> T:
    """The pattern for this energy, falling back to the nearest one written."""
    order = {"low": ("low", "mid", "high"), "mid": ("mid", "low", "high"), "high": ("high", "mid", "low")}
    for name in order[level(energy)]:
        if name in patterns:
            return patterns[name]
    return next(iter(patterns.values()))


# --- the final chord ---------------------------------------------------------
# How notes die when the player lets go (measured on GeneralUser GS): plucked and struck
# notes (guitars, piano, banjo, harp, mallets) decay by themselves, so they can ring the
# final chord to the end; bowed, blown and organ notes hold flat and stop within 0.1–0.3 s
# of the note-off, so a band ending that holds them to the last moment stops like a switch.
_RINGING_FAMILIES = {"guitar", "plucked", "mallets"}
_RINGING_KEYS = {"piano", "bright piano", "electric piano", "harpsichord", "clavinet"}
_HELD_FRACTION = {"melody": 0.4, "counter": 0.4}  # else (chords, pads) 0.35
# Without a ringing part (strings, choir, brass, synths) the whole chord is sustained: it
# thins out instead, pads first, so that its release and reverb have died away by the end
# (held to the release, orchestral endings were still within 3-4 dB of their strike a
# second before the end, and the track's last samples cut them off). The bass holds the
# tonic under it and lets go with the tune, last.
THINNING = {"pad": 0.6, "harmony": 0.65, "arp": 0.65, "counter": 0.7, "bass": 0.8, "melody": 0.8, "fx": 0.7}
LIFT_VELOCITY = 8  # a held note that will lift off early is played under the struck chord
# The bass holds the root under a ringing chord to its last release. A held electric bass
# (its sample loops about 10 dB under its attack) or a synth bass does not die away by
# itself, so it is played at this share of the mood's velocity (about 4.5 dB softer): 8
# softer, Reggae endings were only 7-8 dB under their strike at 85% of the hold; at 0.6,
# 10-19 dB (30 s, seed 1), and a calm tune's bass is not left at a whisper.
HELD_ROOT_SCALE = 0.6
_DECAYING_BASSES = {"acoustic bass", "808"}  # plucked or struck: they ring like a guitar


def joins_final(ctx: Ctx, slot: Slot) -> bool:
    """Whether ``slot`` plays the final chord: only a part that played somewhere before it
    (a distorted guitar or an organ the energy curve kept out of a quiet song must not
    turn up for the last chord alone)."""
    return slot.plays_final and any(ctx.active(slot, section) for section in ctx.sections)


def rings(instrument: str) -> bool:
    """Whether a held note of ``instrument`` decays by itself (a struck or plucked string)."""
    spec = INSTRUMENTS.get(instrument)
    if spec is None or spec.is_drum or spec.synth is not None:
        return False
    return spec.family in _RINGING_FAMILIES or instrument in _RINGING_KEYS


def final_rings(ctx: Ctx) -> bool:
    """Whether a plucked or struck part (not excluded from the request) rings the final chord."""
    cached = ctx.shared.get("_final_rings")
    if cached is None:
        excluded = ctx.brief.excluded_instruments
        cached = any(
            joins_final(ctx, s) and s.role in {"harmony", "arp", "pad", "melody"} and rings(s.instrument)
            and not any(satisfies(e, s.instrument) or e == s.instrument for e in excluded)
            for s in ctx.shared.get("arranged", ())
        )
        ctx.shared["_final_rings"] = cached
    return bool(cached)


def lifts(ctx: Ctx, slot: Slot) -> bool:
    """Whether ``slot`` holds its final note flat (organ, bow, breath) and lets go before the
    plucked or struck parts that ring the chord out."""
    return ctx.brief.ending == "ring" and not rings(slot.instrument) and final_rings(ctx)


def foundation(slot: Slot) -> bool:
    """Whether ``slot`` carries the final chord's root at the bottom (the bass, a timpani)."""
    return slot.role == "bass" or slot.player is hits


def ring_length(ctx: Ctx, slot: Slot, voice: int = 0, voices: int = 1) -> int:
    """How long a final-chord note of ``slot`` is held, in ticks from the final downbeat.

    A band's last chord is struck together and then dies away from the top: the guitars
    and piano ring to the end, their upper strings letting go first, while the sustaining
    upper voices (organ, fiddle, harmonica, strings) lift off one after another, earlier,
    so the sound thins out instead of stopping flat. Under it the bass holds the tonic to
    the last release, so the ending is heard on its root (lifted at 45% of the hold, the
    bass left the last 3 s to the upper voices, often with the fifth lowest, and both key
    detectors lost the key: delivered-key agreement fell from 36/44 to 30/44). Without a
    ringing part to carry it, the sustained chord thins out by itself, pads first, and the
    bass lets go with the tune, last. ``voice`` counts a chord's notes from the lowest."""
    full = ctx.release_tick - ctx.final_tick
    if ctx.brief.ending != "ring" or full <= 0:  # a loop goes on; a composed fade shapes itself
        return full
    if rings(slot.instrument):
        return round(full * (1.0 - 0.3 * voice / (voices - 1))) if voices > 1 else full
    if not lifts(ctx, slot):
        fraction = THINNING.get(slot.role, 0.7) + 0.03 * voice
        if foundation(slot):
            fraction = max(THINNING.values())
        return max(min(full, TICKS_PER_BEAT), min(full, round(full * fraction)))
    if foundation(slot):
        return full  # the root goes last, with the ringing chord's lowest string
    fraction = _HELD_FRACTION.get(slot.role, 0.35) + 0.04 * voice  # the top voice lets go last
    return max(min(full, TICKS_PER_BEAT), min(full, round(full * fraction)))


@dataclasses.dataclass(frozen=True)
class Groove:
    """One bar of drums: GM key → step string (``X`` accent, ``x`` hit, ``o`` ghost,
    ``r`` a 32nd-note double, ``t`` a triplet roll, ``.`` rest)."""

    lanes: dict[int, str]
    steps: int = 16


def _steps_grid(ctx: Ctx, steps: int) -> tuple[int, bool]:
    """Ticks per step, and whether the grid is already a triplet one (no swing then)."""
    step = ctx.bar_ticks // steps
    triplet = steps % 3 == 0 and (ctx.beats_per_bar == 4 or ctx.brief.time_signature == (6, 8))
    return step, triplet


# --- drums -------------------------------------------------------------------
def drums(ctx: Ctx, slot: Slot) -> list[Note]:
    """Grooves by energy, a fill before each new section, crashes on arrivals."""
    grooves: dict[str, Groove] = slot.params["grooves"]
    fill_kind: str = slot.params.get("fill", "toms")
    feel: str = slot.params.get("feel", ctx.brief.feel)
    notes: list[Note] = []
    base = ctx.mood.velocity + 4
    for si, section in enumerate(ctx.sections):
        if not ctx.active(slot, section):
            continue
        nxt = ctx.sections[si + 1] if si + 1 < len(ctx.sections) else None
        groove = grooves.get(section.name) or pick(grooves, section.energy)
        step, triplet = _steps_grid(ctx, groove.steps)
        for bar in range(section.start_bar, section.end_bar):
            bar_tick = ctx.bar_start(bar)
            last_bar = bar == section.end_bar - 1
            fill_from = groove.steps
            if last_bar and fill_kind != "none" and (nxt is None or nxt.energy >= 0.3 or section.name == "build"):
                fill_from = groove.steps // 2 if (nxt and nxt.energy - section.energy > 0.25) else groove.steps * 3 // 4
            if section.name == "build" and slot.params.get("build_roll"):
                notes.extend(_build_roll(ctx, section, bar, base))
                continue
            rolls = float(slot.params.get("roll_chance", 0.0))
            for key, pattern in groove.lanes.items():
                if rolls and key == CLOSED_HAT and ctx.rng.random() < rolls:
                    # trap hats: a roll moves around the bar's second half from bar to bar
                    spot = ctx.rng.randrange(groove.steps // 2, groove.steps)
                    pattern = pattern[:spot] + ctx.rng.choice("rt") + pattern[spot + 1 :]
                for i, ch in enumerate(pattern[: groove.steps]):
                    if ch == "." or i >= fill_from and key not in (CLOSED_HAT, RIDE, PEDAL_HAT):
                        continue
                    # bar-to-bar life: every 4th bar gets an extra kick or ghost
                    tick = bar_tick + i * step
                    notes.extend(_hit(ctx, key, ch, tick, step, base, section.energy, feel, triplet))
                if key in KICKS and (bar - section.start_bar) % 4 == 3 and ctx.rng.random() < 0.5 and not last_bar:
                    spot = ctx.rng.choice((groove.steps * 3 // 4 - 2, groove.steps - 2, groove.steps // 2 + 2 + 1))
                    if 0 <= spot < groove.steps and pattern[spot] == ".":
                        notes.extend(_hit(ctx, key, "x", bar_tick + spot * step, step, base - 10, section.energy, feel, triplet))
            if fill_from < groove.steps:
                notes.extend(_fill(ctx, fill_kind, bar_tick + fill_from * step, bar_tick + ctx.bar_ticks, base, section.energy))
            if bar == section.start_bar and _crash_here(ctx, section, si):
                notes.append(Note(place(ctx, bar_tick, jitter_ms=4), TICKS_PER_BEAT * 2, CRASH, ctx.velocity(base + 8, section.energy, 6)))
    if slot.plays_final and notes:
        end_vel = ctx.velocity(base, 0.6, 4)
        notes.append(Note(ctx.final_tick, TICKS_PER_BEAT, 36, end_vel))
        if ctx.mood.crashes or ctx.brief.energy > 0.5:
            notes.append(Note(ctx.final_tick, min(ctx.release_tick - ctx.final_tick, TICKS_PER_BEAT * 4), CRASH, end_vel))
    ctx.kicks = sorted(n.start for n in notes if n.pitch in KICKS)
    return notes


def _crash_here(ctx: Ctx, section: SectionPlan, index: int) -> bool:
    if index == 0:
        return False
    if section.name in {"drop", "climax", "B'"}:
        return True
    return ctx.mood.crashes and section.energy >= 0.5


def _hit(ctx: Ctx, key: int, ch: str, tick: int, step: int, base: int, energy: float, feel: str, triplet: bool) -> list[Note]:
    swing = "straight" if triplet else feel
    jitter = 3.0 if key in KICKS else 8.0
    start = place(ctx, tick, feel=swing, jitter_ms=jitter)
    if ch == "o":
        vel = int(min(45, max(25, 34 + ctx.rng.gauss(0, 4))))
    else:
        accent = 16 if ch == "X" else 0
        if key in (CLOSED_HAT, PEDAL_HAT, OPEN_HAT, RIDE, 70, 54):
            # a drummer's hand leans on the beat and lightens the in-between 16ths
            within = tick % TICKS_PER_BEAT
            accent += 4 if within == 0 else -2 if within == TICKS_PER_BEAT // 2 else -10
        vel = ctx.velocity(base + accent - (8 if key in (CLOSED_HAT, PEDAL_HAT) else 0), energy, 10)
    length = TICKS_PER_BEAT if key in (OPEN_HAT, CRASH, RIDE) else TICKS_PER_BEAT // 4
    if ch == "r":
        half = step // 2
        return [Note(start, half, key, vel), Note(start + half, half, key, max(1, vel - 12))]
    if ch == "t":
        third = step // 3
        return [Note(start + k * third, third, key, max(1, vel - 6 * k)) for k in range(3)]
    return [Note(start, length, key, vel)]


def _fill(ctx: Ctx, kind: str, start: int, end: int, base: int, energy: float) -> list[Note]:
    notes: list[Note] = []
    sixteenth = _eighth(ctx) // 2
    count = max(1, (end - start) // sixteenth)
    for i in range(count):
        tick = start + i * sixteenth
        grow = i / max(1, count - 1)
        vel = ctx.velocity(base - 14 + 26 * grow, energy, 6)
        if kind == "toms":
            key = TOMS[min(len(TOMS) - 1, i * len(TOMS) // count)]
        elif kind == "hats":
            key = CLOSED_HAT
        else:
            key = SNARE
        if kind == "sparse" and i % 2:
            continue
        notes.append(Note(place(ctx, tick, feel="straight", jitter_ms=5), sixteenth, key, vel))
    return notes


def _build_roll(ctx: Ctx, section: SectionPlan, bar: int, base: int) -> list[Note]:
    """A snare roll that doubles its rate as the build nears the drop."""
    progress = (bar - section.start_bar) / max(1, section.bars)
    division = 1 if progress < 0.25 else 2 if progress < 0.5 else 4 if progress < 0.85 else 8
    if ctx.brief.time_signature == (6, 8):
        division = {1: 1, 2: 3, 4: 6, 8: 12}[division]
    step = TICKS_PER_BEAT // division
    notes: list[Note] = []
    for i in range(ctx.bar_ticks // step):
        tick = ctx.bar_start(bar) + i * step
        grow = (tick - ctx.bar_start(section.start_bar)) / max(1, section.bars * ctx.bar_ticks)
        notes.append(Note(tick, max(30, step // 2), SNARE, ctx.velocity(base - 20 + 40 * grow, section.energy, 4)))
        if i % max(1, division) == 0 and progress < 0.5:
            notes.append(Note(tick, TICKS_PER_BEAT // 4, 36, ctx.velocity(base, section.energy, 4)))
    return notes


# --- bass --------------------------------------------------------------------
def _root(chord: Chord, low: int) -> int:
    return low + (chord.root - low) % 12


def _bass_root(chord: Chord, low: int, previous: int | None) -> int:
    """The chord's root in the octave nearest the previous bass note (a bass moves by
    small steps where it can), never below ``low`` nor more than a 9th above it, and
    leaning low: a bass that drifts up stops sounding like one."""
    first = _root(chord, low)
    if previous is None:
        return first
    options = [p for p in (first, first + 12) if p <= low + 14]
    return min(options, key=lambda p: (abs(p - previous) + 0.5 * (p - low), p))


def _pattern_pitch(ctx: Ctx, ch: str, tick: int, low: int, previous: int | None = None) -> int | None:
    span = ctx.chord_at(tick)
    root = _bass_root(span.chord, low, previous)
    if ch == "R":
        return root
    if ch == "F":
        fifth = root + (span.chord.fifth - span.chord.root) % 12
        return fifth if fifth - low < 16 else fifth - 12
    if ch == "O":
        return root + 12
    if ch == "3":
        third = span.chord.third
        return root + ((third - span.chord.root) % 12 if third is not None else 7)
    if ch == "6":
        return root + 9
    if ch == "7":
        return root + 10 if 10 in span.chord.intervals or 11 not in span.chord.intervals else root + 11
    if ch == "A":  # a chromatic step into the next chord's root
        following = ctx.chord_at(min(span.end, ctx.final_tick))
        target = _root(following.chord, low)
        return target - 1 if ctx.rng.random() < 0.6 else target + 1
    return None


def bass(ctx: Ctx, slot: Slot) -> list[Note]:
    """A bass line from per-energy step patterns (``R`` root, ``F`` fifth, ``O`` octave,
    ``3`` third, ``7`` seventh, ``A`` approach, ``-`` hold, ``.`` rest)."""
    patterns: dict[str, str] = slot.params["patterns"]
    staccato = float(slot.params.get("staccato", 0.9))
    notes: list[Note] = []
    previous: int | None = None
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        pattern = pick(patterns, section.energy)
        steps = len(pattern)
        step, triplet = _steps_grid(ctx, steps)
        for bar in range(section.start_bar, section.end_bar):
            bar_tick = ctx.bar_start(bar)
            i = 0
            while i < steps:
                ch = pattern[i]
                if ch in ".-":
                    i += 1
                    continue
                length = 1
                while i + length < steps and pattern[i + length] == "-":
                    length += 1
                tick = bar_tick + i * step
                pitch = _pattern_pitch(ctx, ch, tick, slot.low, previous)
                if pitch is not None:
                    if ch == "R":
                        previous = pitch
                    # a chord change in the middle of a held note re-strikes there
                    span_end = ctx.chord_at(tick).end
                    dur = min(length * step, span_end - tick) if span_end > tick else length * step
                    vel = ctx.velocity(ctx.mood.velocity + (6 if i == 0 else 0), section.energy, 8)
                    notes.append(Note(place(ctx, tick, feel="straight" if triplet else None, jitter_ms=5),
                                      max(30, round(dur * staccato)), pitch, vel))
                i += length
    return notes + _final_root(ctx, slot)


def _final_root(ctx: Ctx, slot: Slot) -> list[Note]:
    if not joins_final(ctx, slot):
        return []
    root = _root(ctx.chords[-1].chord, slot.low)
    # a plucked double bass or an 808 dies away by itself; a held electric or synth bass
    # sounds flat to its note-off, so under a ringing chord it holds the root softly
    soft = lifts(ctx, slot) and slot.instrument not in _DECAYING_BASSES
    vel = ctx.velocity(ctx.mood.velocity * (HELD_ROOT_SCALE if soft else 1.0), 0.55, 4)
    return [Note(ctx.final_tick, ring_length(ctx, slot), root, vel)]


def walking_bass(ctx: Ctx, slot: Slot) -> list[Note]:
    """Quarter notes: root on the chord's first beat, chord and scale tones between,
    a chromatic approach into the next root."""
    notes: list[Note] = []
    low = slot.low
    high = min(slot.high, low + 19)  # an upright bass walks in its low octave and a half
    prev = None
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        two_feel = (section.name == "intro" or section.energy < 0.3) and slot.params.get("two_feel", True)
        beat_step = TICKS_PER_BEAT * (2 if two_feel else 1)
        tick = ctx.bar_start(section.start_bar)
        end = ctx.bar_start(section.end_bar)
        while tick < end:
            span = ctx.chord_at(tick)
            next_tick = tick + beat_step
            root = _root(span.chord, low)
            if tick == span.start:
                pitch = root if prev is None or abs(root - prev) <= 7 or root + 12 > high else root + 12
                if prev is not None and abs(pitch - prev) > 7 and pitch - 12 >= low:
                    pitch -= 12
            elif next_tick >= span.end:
                following = ctx.chord_at(min(span.end, ctx.final_tick)).chord
                target = _root(following, low)
                if prev is not None and target + 12 <= high and abs(target + 12 - prev) < abs(target - prev):
                    target += 12
                pitch = target + (1 if (prev or target) > target else -1)
            else:
                tones = [place_pc(pc, prev or root) for pc in span.chord.pcs[:4]]
                options = [t for t in tones if t != prev and low <= t <= high] or [root]
                pitch = min(options, key=lambda t: abs(t - (prev or root)) + ctx.rng.random() * 4)
            pitch = max(low, min(high, pitch))
            vel = ctx.velocity(ctx.mood.velocity + (6 if tick % ctx.bar_ticks == 0 else 0), section.energy, 8)
            notes.append(Note(place(ctx, tick, jitter_ms=6), round(beat_step * 0.92), pitch, vel))
            prev = pitch
            tick = next_tick
    return notes + _final_root(ctx, slot)


def _eighth(ctx: Ctx) -> int:
    """An 8th note: half a beat, or a third of a 6/8 (dotted-quarter) beat."""
    return TICKS_PER_BEAT // 3 if ctx.brief.time_signature == (6, 8) else TICKS_PER_BEAT // 2


def boogie_bass(ctx: Ctx, slot: Slot) -> list[Note]:
    """The boogie figure 1-3-5-6-b7-6-5-3 in (shuffled) 8ths over each chord."""
    notes: list[Note] = []
    eighth = _eighth(ctx)
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        tick = ctx.bar_start(section.start_bar)
        end = ctx.bar_start(section.end_bar)
        while tick < end:
            span = ctx.chord_at(tick)
            third = 3 if span.chord.is_minor else 4
            figure = (0, third, 7, 9, 10, 9, 7, third)
            index = ((tick - span.start) // eighth) % len(figure)
            pitch = _root(span.chord, slot.low) + figure[index]
            vel = ctx.velocity(ctx.mood.velocity + (6 if index % 2 == 0 else -4), section.energy, 6)
            notes.append(Note(place(ctx, tick, jitter_ms=5), round(eighth * 0.8), pitch, vel))
            tick += eighth
    return notes + _final_root(ctx, slot)


def bass_808(ctx: Ctx, slot: Slot) -> list[Note]:
    """The 808 sings the root under every kick, held to the next one; phrase ends glide."""
    notes: list[Note] = []
    kicks = [k for k in ctx.kicks if k < ctx.final_tick]
    for i, kick in enumerate(kicks):
        bar = kick // ctx.bar_ticks
        found = ctx.section_at_bar(bar)
        if found is None or not ctx.active(slot, found[1]):
            continue
        nxt = kicks[i + 1] if i + 1 < len(kicks) else ctx.final_tick
        span = ctx.chord_at(kick)
        pitch = _root(span.chord, slot.low)
        length = max(TICKS_PER_BEAT // 4, min(nxt - kick, TICKS_PER_BEAT * 2) - 10)
        glide = None
        if bar % 2 == 1 and ctx.rng.random() < 0.35 and nxt - kick >= TICKS_PER_BEAT // 2:
            glide = pitch + ctx.rng.choice((12, -5, 7, -2))
        notes.append(Note(kick, length, pitch, ctx.velocity(ctx.mood.velocity + 10, found[1].energy, 4), glide_to=glide))
    return notes + _final_root(ctx, slot)


def drone(ctx: Ctx, slot: Slot) -> list[Note]:
    """Sustained roots, tied across chords that share one."""
    notes: list[Note] = []
    for span in ctx.chords[:-1]:
        section = ctx.sections[span.section]
        if not ctx.active(slot, section):
            continue
        pitch = _root(span.chord, slot.low)
        if notes and notes[-1].pitch == pitch and notes[-1].start + notes[-1].duration >= span.start - 5:
            notes[-1].duration = span.end - notes[-1].start
            continue
        notes.append(Note(span.start, span.end - span.start, pitch, ctx.velocity(ctx.mood.velocity - 6, section.energy, 4)))
    return notes + _final_root(ctx, slot)


# --- chords ------------------------------------------------------------------
def _voicing(ctx: Ctx, slot: Slot, chord: Chord, prev: tuple[int, ...] | None) -> tuple[int, ...]:
    n = int(slot.params.get("voices", 4))
    if slot.params.get("power"):
        root = _root(chord, slot.low)
        return (root, root + 7, root + 12)[:n]
    return voice_lead(chord, prev, n, slot.low, slot.high, omit_root=bool(slot.params.get("rootless")))


def comp(ctx: Ctx, slot: Slot) -> list[Note]:
    """Chords on a rhythm: ``x`` strike (held to the next mark), ``-`` hold, ``.`` release,
    ``s`` a short stab; voice-led from chord to chord."""
    patterns: dict[str, str] = slot.params["patterns"]
    short = float(slot.params.get("stab", 0.45))
    strum_ms = float(slot.params.get("strum_ms", 0))
    notes: list[Note] = []
    prev: tuple[int, ...] | None = None
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        choices = pick(patterns, section.energy).split("|")
        steps = len(choices[0])
        step, triplet = _steps_grid(ctx, steps)
        for bar in range(section.start_bar, section.end_bar):
            bar_tick = ctx.bar_start(bar)
            # "a|b|c" lists rhythms a player moves between bar by bar (jazz comping)
            pattern = choices[0] if len(choices) == 1 or bar == section.start_bar else ctx.rng.choice(choices)
            for i, ch in enumerate(pattern):
                if ch not in "xXsDU":
                    continue
                tick = bar_tick + i * step
                length = 1
                rings = ch in "DU" or bool(slot.params.get("ring"))
                while i + length < steps and (pattern[i + length] == "-" or rings and pattern[i + length] == "."):
                    length += 1
                span = ctx.chord_at(tick)
                dur = length * step
                # chords change under a held strike: stop at the change, the next strike comes
                if span.end < tick + dur:
                    dur = span.end - tick
                if ch == "s":
                    dur = round(step * short * 2)
                voicing = _voicing(ctx, slot, span.chord, prev)
                prev = voicing
                if ch == "U":
                    voicing = tuple(sorted(voicing, reverse=True))[:3]
                accent = 8 if i == 0 or ch == "X" else 0
                vel = ctx.velocity(ctx.mood.velocity - 6 + accent, section.energy, 8)
                start = place(ctx, tick, feel="straight" if triplet else None, jitter_ms=8)
                for k, pitch in enumerate(voicing):
                    offset = ctx.ms(strum_ms * k) if strum_ms else 0
                    notes.append(Note(start + offset, max(40, round(dur * 0.95) - offset), pitch, max(1, vel - (2 * k if ch == "U" else 0))))
            # a chord change inside a single held strike still needs a strike of its own
            if pattern.replace("-", "").replace(".", "") not in ("x", "X"):
                continue
            for span in ctx.spans_between(bar_tick + 1, bar_tick + ctx.bar_ticks):
                if not any(n.start - 40 <= span.start <= n.start + 40 for n in notes[-12:]):
                    voicing = _voicing(ctx, slot, span.chord, prev)
                    prev = voicing
                    vel = ctx.velocity(ctx.mood.velocity - 8, section.energy, 6)
                    for pitch in voicing:
                        notes.append(Note(place(ctx, span.start, jitter_ms=6), span.end - span.start - 10, pitch, vel))
    return notes + _final_chord(ctx, slot, prev)


def _final_chord(ctx: Ctx, slot: Slot, prev: tuple[int, ...] | None) -> list[Note]:
    if not joins_final(ctx, slot):
        return []
    voicing = _root_lowest(ctx.chords[-1].chord, _voicing(ctx, slot, ctx.chords[-1].chord, prev), slot.low)
    # a plucked or struck last chord is played out (it must carry the ring-out on its own)
    accent = 8 if rings(slot.instrument) else -4 - (LIFT_VELOCITY if lifts(ctx, slot) else 0)
    vel = ctx.velocity(ctx.mood.velocity + accent, 0.5, 4)
    spread = ctx.ms(float(slot.params.get("strum_ms", 0)) * 2)
    # a slow strum rolls the last chord from the bass string up; every string then rings on
    return [Note(ctx.final_tick + k * spread, ring_length(ctx, slot, k, len(voicing)) - k * spread, p, vel)
            for k, p in enumerate(sorted(voicing))]


def _root_lowest(chord: Chord, voicing: tuple[int, ...], low: int) -> tuple[int, ...]:
    """The final chord in root position: its lowest note is the root, so that no part ends
    the piece on the chord's fifth or third at the bottom (a piano's left hand or a guitar
    with nothing under it would be heard as the key). The root already in the voicing moves
    down under the others (a rootless voicing gains one); without room below the part's
    range, the notes under the root move up an octave instead."""
    notes = sorted(voicing)
    if not notes or notes[0] % 12 == chord.root:
        return tuple(notes)
    below = notes[0] - (notes[0] - chord.root) % 12
    if below >= low - 2:  # a whole step under the written range is still in a player's reach
        roots = [p for p in notes if p % 12 == chord.root]
        if roots and len(notes) > 2:
            notes.remove(roots[0])
        return tuple(sorted([below, *notes]))
    above = below + 12
    return tuple(sorted({p + 12 if p < above else p for p in notes} | {above}))


def pad(ctx: Ctx, slot: Slot) -> list[Note]:
    """Long voice-led chords, one per harmony change, tied when nothing changes."""
    notes: list[Note] = []
    prev: tuple[int, ...] | None = None
    held: list[Note] = []
    for span in ctx.chords[:-1]:
        section = ctx.sections[span.section]
        if not ctx.active(slot, section):
            held = []
            continue
        voicing = _voicing(ctx, slot, span.chord, prev)
        if prev == voicing and held and held[0].start + held[0].duration >= span.start - 5:
            for note in held:
                note.duration = span.end - note.start
            continue
        prev = voicing
        vel = ctx.velocity(ctx.mood.velocity - 10, section.energy, 4)
        held = [Note(span.start, span.end - span.start, p, vel) for p in voicing]
        notes.extend(held)
    return notes + _final_chord(ctx, slot, prev)


def arpeggio(ctx: Ctx, slot: Slot) -> list[Note]:
    """Broken chords: ``order`` indexes the voicing (Alberti is 0 2 1 2), one per ``rate`` step."""
    order: list[int] = list(slot.params.get("order", (0, 1, 2, 3)))
    rate = int(slot.params.get("rate", 4))  # notes per beat
    legato = float(slot.params.get("legato", 0.9))
    notes: list[Note] = []
    prev: tuple[int, ...] | None = None
    step = TICKS_PER_BEAT // rate
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        tick = ctx.bar_start(section.start_bar)
        end = ctx.bar_start(section.end_bar)
        local_rate = rate if section.energy >= float(slot.params.get("half_below", 0.0)) else max(1, rate // 2)
        local_step = TICKS_PER_BEAT // local_rate
        i = 0
        while tick < end:
            span = ctx.chord_at(tick)
            voicing = _voicing(ctx, slot, span.chord, prev)
            prev = voicing
            index = order[i % len(order)] % len(voicing)
            pitch = voicing[index]
            if index == 0 and slot.params.get("root_bass"):
                # a left hand's figure starts from the root, low (the barcarolle's deep bass)
                pitch = min(_root(span.chord, slot.low), voicing[0])
            accent = 8 if tick % TICKS_PER_BEAT == 0 else 0
            vel = ctx.velocity(ctx.mood.velocity - 10 + accent, section.energy, 6)
            notes.append(Note(place(ctx, tick, jitter_ms=6), max(30, round(local_step * legato)), pitch, vel))
            tick += local_step
            i += 1
    del step
    return notes + _final_chord(ctx, slot, prev)


def fingerpick(ctx: Ctx, slot: Slot) -> list[Note]:
    """Travis picking: the thumb alternates root and fifth on the beats, fingers pick
    the upper chord tones on the off-beats."""
    notes: list[Note] = []
    prev: tuple[int, ...] | None = None
    eighth = _eighth(ctx)
    per_beat = TICKS_PER_BEAT // eighth
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        tick = ctx.bar_start(section.start_bar)
        end = ctx.bar_start(section.end_bar)
        i = 0
        while tick < end:
            span = ctx.chord_at(tick)
            voicing = voice_lead(span.chord, prev, 3, max(slot.low + 12, 55), slot.high)
            prev = voicing
            root = _root(span.chord, slot.low)
            fifth = root + (span.chord.fifth - span.chord.root) % 12
            if i % per_beat == 0:
                pitch = root if (i // per_beat) % 2 == 0 else (fifth if fifth - root < 12 else root)
                vel = ctx.velocity(ctx.mood.velocity - 2, section.energy, 6)
            else:
                pitch = voicing[(i // 2) % len(voicing)] if ctx.rng.random() < 0.85 else voicing[-1]
                vel = ctx.velocity(ctx.mood.velocity - 10, section.energy, 6)
            notes.append(Note(place(ctx, tick, jitter_ms=7), round(eighth * 1.8), pitch, vel))
            tick += eighth
            i += 1
    return notes + _final_chord(ctx, slot, prev)


# --- lines and effects -------------------------------------------------------
def counter(ctx: Ctx, slot: Slot) -> list[Note]:
    """Answers the melody: short runs into chord tones wherever the lead breathes."""
    from himig.engine.theory import scale_pitches

    lattice = scale_pitches(ctx.key.tonic, tuple(slot.params.get("scale") or ctx.key.scale()), slot.low, slot.high)
    if not lattice:
        return []
    lead = sorted(n.start for n in ctx.melody_notes)
    notes: list[Note] = []
    rate = int(slot.params.get("rate", 2))
    unit = TICKS_PER_BEAT // rate
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        for bar in range(section.start_bar, section.end_bar):
            start = ctx.bar_start(bar) + ctx.bar_ticks // 2
            end = ctx.bar_start(bar + 1)
            if any(start <= t < end for t in lead) and lead:
                continue
            if ctx.rng.random() > float(slot.params.get("chance", 0.6)):
                continue
            span = ctx.chord_at(end - 1)
            target = min((p for p in lattice if p % 12 in span.chord.pcs[:3]),
                         key=lambda p: abs(p - (slot.low + slot.high) / 2))
            count = max(2, (end - start) // unit)
            direction = ctx.rng.choice((-1, 1))
            index = lattice.index(target) - direction * (count - 1)
            for k in range(count):
                i = max(0, min(len(lattice) - 1, index + direction * k))
                tick = start + k * unit
                vel = ctx.velocity(ctx.mood.velocity - 4 + 3 * k, section.energy, 6)
                long = k == count - 1
                notes.append(Note(place(ctx, tick, jitter_ms=8), unit * (2 if long else 1) - 20, lattice[i], vel))
    return notes


def riser(ctx: Ctx, slot: Slot) -> list[Note]:
    """One long note across each build: the renderer sweeps noise up over its length.
    Without a build (a riser asked for in another style), it lifts into the last section."""
    spans = [(ctx.bar_start(s.start_bar), ctx.bar_start(s.end_bar)) for s in ctx.sections if s.name == "build"]
    if not spans and ctx.sections:
        last = ctx.sections[-1]
        spans = [(ctx.bar_start(max(last.start_bar, last.end_bar - 2)), ctx.bar_start(last.end_bar))]
    return [Note(start, end - start - 20, 60, 100) for start, end in spans if end - start > 40]


def impact(ctx: Ctx, slot: Slot) -> list[Note]:
    """A boom on each drop's downbeat (and on a climax)."""
    hits = [ctx.bar_start(s.start_bar) for s in ctx.sections if s.name in {"drop", "climax"}]
    if not hits:  # otherwise it marks the final chord
        return [Note(ctx.final_tick, min(TICKS_PER_BEAT * 4, ctx.release_tick - ctx.final_tick),
                     _boom(ctx.chords[-1].chord.root if ctx.chords else ctx.key.tonic), 110)]
    return [Note(t, TICKS_PER_BEAT * 4, _boom(ctx.chord_at(t).chord.root), 110) for t in hits]


def _boom(root: int) -> int:
    """The impact's boom (a sine swept down an octave from its pitch) on the chord's root,
    F#1 to F2, near the C2 it used to be in every key (under a D minor final chord it was
    the lowest note, and a C)."""
    return 36 + (root - 36) % 12 if (root - 36) % 12 <= 5 else 24 + (root - 24) % 12


def hits(ctx: Ctx, slot: Slot) -> list[Note]:
    """Pitched percussion (timpani, taiko) on the root: a rolling ostinato by energy."""
    patterns: dict[str, str] = slot.params["patterns"]
    notes: list[Note] = []
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        pattern = pick(patterns, section.energy)
        step, _ = _steps_grid(ctx, len(pattern))
        for bar in range(section.start_bar, section.end_bar):
            for i, ch in enumerate(pattern):
                if ch == ".":
                    continue
                tick = ctx.bar_start(bar) + i * step
                root = _root(ctx.chord_at(tick).chord, slot.low)
                pitch = root if ch in "xX" else root + 7 if root + 7 <= slot.high else root - 5
                vel = ctx.velocity(ctx.mood.velocity + (14 if ch == "X" else 0), section.energy, 8)
                notes.append(Note(place(ctx, tick, feel="straight", jitter_ms=4), TICKS_PER_BEAT, pitch, vel))
    if joins_final(ctx, slot):
        root = _root(ctx.chords[-1].chord, slot.low)
        # struck once and left to ring under the chord: the drum dies away by itself
        notes.append(Note(ctx.final_tick, max(TICKS_PER_BEAT * 2, ring_length(ctx, slot)), root,
                          ctx.velocity(ctx.mood.velocity + 10, 0.8, 4)))
    return notes


# --- jig tunes ----------------------------------------------------------------
# One beat of a jig is three 8ths. Its rhythm cells: running 8ths (the jig's motor), the
# long-short "hop" (quarter + 8th) and, at phrase ends, a held dotted quarter.
_JIG_RUNS: tuple[tuple[int, ...], ...] = ((0, 1, 2), (0, -1, -2), (0, 2, 4), (0, -2, -4), (0, 1, 0), (0, -1, 0), (0, 2, 1), (0, -1, -3),
             (0, -2, -1), (0, 1, -1))
_JIG_HOPS: tuple[tuple[int, ...], ...] = ((0, 1), (0, -1), (0, 2), (0, -2))


def _jig_motif(ctx: Ctx, beats: int, busy: float) -> list[tuple[str, tuple[int, ...], int]]:
    """``beats`` beats of (cell, scale steps inside the beat, step from the previous beat's
    last note to this beat's first): mostly running 8ths, a hop now and then."""
    rng = ctx.rng
    motif: list[tuple[str, tuple[int, ...], int]] = []
    for beat in range(beats):
        figure: tuple[int, ...]
        if rng.random() < busy or beat % 2 == 0:  # a bar opens running
            figure = rng.choice([f for f in _JIG_RUNS if not motif or f != motif[-1][1]])
            cell = "111"
        else:
            figure = rng.choice(_JIG_HOPS)
            cell = "101"
        motif.append((cell, figure, rng.choice((-1, 1, 1, -2, 2, 0))))
    return motif


def jig_tune(ctx: Ctx, slot: Slot) -> list[Note]:
    """A jig's tune: running 8ths three to a beat, in 8-bar parts of two 4-bar phrases built
    from a 2-bar motif (stated, restated over the next chords, then a cadence bar that ends
    the first phrase away from the tonic and the second on it, held a dotted quarter).
    Each beat starts on a chord tone; the contour climbs through a phrase and falls to its
    cadence. Only in 6/8; otherwise the ordinary melody plays."""
    from himig.engine.compose.harmony import FAMILY
    from himig.engine.compose.melody import melody
    from himig.engine.theory import scale_pitches

    if ctx.brief.time_signature != (6, 8):
        return melody(ctx, slot)
    low, high = slot.low + ctx.mood.register, slot.high + ctx.mood.register
    lattice = scale_pitches(ctx.key.tonic, tuple(ctx.key.scale()), low, high)
    if len(lattice) < 8:
        return melody(ctx, slot)
    eighth = TICKS_PER_BEAT // 3
    busy = min(0.95, 0.6 + 0.35 * ctx.mood.density)
    legato = float(slot.params.get("legato", 0.92))
    motifs: dict[str, list[tuple[str, tuple[int, ...], int]]] = {}
    notes: list[Note] = []
    centre = len(lattice) // 2
    index = centre
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        family = FAMILY.get(section.name, "A")
        if family not in motifs:
            motifs[family] = _jig_motif(ctx, 4, busy)
        motif = motifs[family]
        lift = {"B": 3, "C": 1}.get(family, 0)
        for bar in range(section.start_bar, section.end_bar):
            in_phrase = (bar - section.start_bar) % 4
            answer = (bar - section.start_bar) % 8 >= 4 or section.end_bar - bar <= 1
            cadence = in_phrase == 3 or bar == section.end_bar - 1
            # the phrase's arch: up through its first bars, down into the cadence
            target = centre + lift + (0, 2, 4, 1)[in_phrase] - (2 if answer and cadence else 0)
            for beat in range(2):
                tick = ctx.bar_start(bar) + beat * TICKS_PER_BEAT
                cell, figure, step = motif[(in_phrase % 2) * 2 + beat]
                if in_phrase == 2 and beat == 1:  # the restatement turns the other way
                    figure = tuple(-f for f in figure)
                chord = ctx.chord_at(tick).chord
                if cadence and beat == 1:
                    # land: the tonic to answer, another chord tone to ask
                    pcs = {ctx.key.tonic} if answer and ctx.key.tonic in chord.pcs else \
                        {pc for pc in chord.pcs[:3] if pc != ctx.key.tonic} or set(chord.pcs[:3])
                    cell, figure = "100", (0,)
                else:
                    pcs = set(chord.pcs[:4])
                # the beat's first note: a chord tone near the step from the last note, drawn
                # towards the phrase's target register
                want = index + step + (1 if target > index + 2 else -1 if target < index - 2 else 0)
                want = max(0, min(len(lattice) - 1, want))
                candidates = [i for i in range(len(lattice)) if lattice[i] % 12 in pcs]
                if not candidates:
                    candidates = [want]
                start = min(candidates, key=lambda i: (abs(i - want), i))
                # a run heads for the phrase's target, and stays inside the range
                heading = figure[-1] - figure[0]
                if heading * (target - start) < 0 and abs(target - start) > 1:
                    figure = tuple(-f for f in figure)
                if start + min(figure) < 0 or start + max(figure) >= len(lattice):
                    figure = tuple(-f for f in figure)
                onsets = [k for k, ch in enumerate(cell) if ch == "1"]
                for n, (k, offset) in enumerate(zip(onsets, figure, strict=False)):
                    i = max(0, min(len(lattice) - 1, start + offset))
                    span = (onsets[n + 1] if n + 1 < len(onsets) else 3) - k
                    strong = k == 0
                    vel = ctx.velocity(ctx.mood.velocity + (8 if strong and beat == 0 else 4 if strong else -3),
                                       section.energy, 6)
                    notes.append(Note(place(ctx, tick + k * eighth, feel="straight", jitter_ms=6),
                                      max(30, round(span * eighth * legato)), lattice[i], vel))
                    index = i
    if joins_final(ctx, slot) and ctx.chords:
        tonic = [i for i in range(len(lattice)) if lattice[i] % 12 == ctx.key.tonic]
        if tonic:
            i = min(tonic, key=lambda t: abs(t - index))
            notes.append(Note(ctx.final_tick, ctx.release_tick - ctx.final_tick, lattice[i],
                              ctx.velocity(ctx.mood.velocity, 0.5, 4)))
    ctx.melody_notes.extend(notes)
    return notes
