"""Melodies grown from motifs.

A two-bar motif (a rhythm and a contour in scale steps) is stated, then answered:
repeated, sequenced or inverted, with the phrase's last note landing on a chord tone —
away from the tonic for a question, on the tonic for an answer. Sections of one
family share a motif, so the A section comes back recognisably; contrasting
sections get their own motif, higher, with a climax near their end.

Realised over the chords, a motif keeps moving: a strong beat's chord tone is sought
the way the line is heading, never back on the note just played; passing notes
between beats may use any note of the key; a phrase starts on a fresh note, placed so
its whole contour fits the range; a cadence note is approached by step. Only the
motif's own (rare) zero steps repeat a pitch.
"""

from __future__ import annotations

import dataclasses
import itertools

from himig.engine.compose.context import Ctx, Slot, place
from himig.engine.compose.harmony import FAMILY
from himig.engine.score import TICKS_PER_BEAT, Note
from himig.engine.theory import Chord, Key, chord_scale, scale_pitches


@dataclasses.dataclass
class Motif:
    onsets: list[int]  # grid units from the motif's start
    steps: list[int]  # scale steps from the previous note (the first is from the phrase's start pitch)
    grid: int  # units per beat
    length: int  # grid units in the motif (two bars)


_CELLS = {
    2: [("10", 1.0), ("11", 1.2), ("01", 0.35), ("00", 0.45)],
    3: [("100", 1.0), ("101", 1.2), ("111", 0.7), ("001", 0.3), ("000", 0.35)],
    4: [("1000", 0.8), ("1010", 1.0), ("1011", 0.6), ("1110", 0.5), ("0010", 0.3), ("1111", 0.3), ("0000", 0.35)],
}


def grid_for(ctx: Ctx, slot: Slot) -> int:
    grid = slot.params.get("grid")
    if isinstance(grid, int):
        return grid
    return 3 if ctx.brief.feel == "shuffle" else 2


def make_motif(ctx: Ctx, grid: int, density: float, shape: str) -> Motif:
    rng = ctx.rng
    bpb = ctx.beats_per_bar
    onsets: list[int] = []
    for beat in range(2 * bpb):
        cells = _CELLS[grid]
        weights = []
        for cell, weight in cells:
            busy = cell.count("1") / len(cell)
            # busier cells grow likelier with density, rests with sparseness
            weights.append(weight * (0.3 + density * 1.6) ** (busy * 2 - 0.6) if busy else weight * (1.4 - density))
        cell = rng.choices([c for c, _ in cells], weights=weights)[0]
        if beat == 0 and cell[0] != "1":
            cell = "1" + cell[1:]
        if beat == 2 * bpb - 1:
            cell = "0" * len(cell)  # breathe before the answer
        onsets.extend(beat * grid + i for i, ch in enumerate(cell) if ch == "1")
    if len(onsets) < 3:
        onsets = sorted(set(onsets) | {0, grid * 2, grid * bpb})
    steps: list[int] = []
    n = len(onsets)
    last_leap = 0
    height = 0  # scale steps above the motif's first note
    for i in range(n):
        if i == 0:
            steps.append(0)
            continue
        bias = {"rising": 0.35, "falling": -0.35, "static": 0.0}.get(shape, 0.45 if i < n * 0.55 else -0.45)
        if abs(height) >= 4:
            bias = -0.45 if height > 0 else 0.45  # a line that has run a 5th turns back
        if last_leap:
            step = -1 if last_leap > 0 else 1  # a leap is answered by a step back
            last_leap = 0
        elif rng.random() < 0.12:
            step = rng.choice((3, 4, -3)) if bias >= 0 else rng.choice((-3, -4, 3))
            last_leap = step
        else:
            options = (-2, -1, 0, 1, 2)
            # a repeated note is a rhythmic figure, used sparingly: never twice running nor
            # into the motif's last note, rarer in a motif of few notes (where each repeat
            # stalls the line) than in a busy one
            stalls = (steps[-1] == 0 and i > 1) or i == n - 1
            repeat = 0.0 if stalls else (0.9 if shape == "static" else 0.6) * min(1.6, n / 8)
            base = (0.5, 3.0, repeat, 3.0, 0.5)
            weights = [w * (1 + bias * o) for w, o in zip(base, options, strict=True)]
            step = rng.choices(options, weights=[max(0.05, w) if b else 0.0 for w, b in zip(weights, base, strict=True)])[0]
        steps.append(step)
        height += step
    return Motif(onsets, steps, grid, 2 * bpb * grid)


def _answer(ctx: Ctx, motif: Motif) -> Motif:
    """The second half of a phrase: same rhythm (trimmed to leave a breath), a varied contour."""
    rng = ctx.rng
    kind = rng.choice(("repeat", "sequence", "invert", "vary"))
    cut = motif.length - motif.grid * (2 if ctx.beats_per_bar == 4 else 1)
    onsets = [o for o in motif.onsets if o < cut] or motif.onsets[:1]
    steps = list(motif.steps[: len(onsets)])
    if kind == "invert":
        steps = [steps[0]] + [-s for s in steps[1:]]
    elif kind == "vary" and len(steps) > 2:
        i = rng.randrange(1, len(steps))
        change = rng.choice((-1, 1))
        steps[i] += change if steps[i] + change else -change  # widened or narrowed, never flattened to a repeat
    elif kind == "sequence":
        steps[0] = rng.choice((-2, -1, 1, 2))
    return Motif(onsets, steps, motif.grid, motif.length)


def melody(ctx: Ctx, slot: Slot) -> list[Note]:
    """The lead line for every section the slot plays in, then the final tonic."""
    given = slot.params.get("density")
    density = float(given) if given is not None else 0.3 + ctx.mood.density * 0.5
    grid = grid_for(ctx, slot)
    legato = float(slot.params.get("legato", ctx.mood.legato))
    low = slot.low + ctx.mood.register
    high = slot.high + ctx.mood.register
    # A style may give its own scale (the blues scale over dominant chords); then blue
    # notes are allowed against the chords rather than corrected away.
    own_scale = slot.params.get("scale")
    lattice = scale_pitches(ctx.key.tonic, tuple(own_scale or ctx.key.scale()), low, high)
    centre = (low + high) / 2
    motifs: dict[str, tuple[Motif, Motif]] = ctx.shared.setdefault(f"motifs:{slot.name}", {})
    notes: list[Note] = []
    unit = TICKS_PER_BEAT // grid
    last_pitch: int | None = None
    for section in ctx.sections:
        if not ctx.active(slot, section):
            continue
        family = FAMILY.get(section.name, "A")
        if family not in motifs:
            fam_density = density * (1.15 if family == "B" else 0.75 if family == "C" else 1.0)
            motif = make_motif(ctx, grid, min(1.0, fam_density), ctx.mood.melody_shape)
            motifs[family] = (motif, _answer(ctx, motif))
        motif, answer = motifs[family]
        lift = {"B": 3, "C": 1, "D": 2}.get(family, 0)
        if section.name in {"outro"}:
            lift = -1
        phrase_bars = 4 if section.bars >= 4 else section.bars
        bar = section.start_bar
        phrase_index = 0
        while bar < section.end_bar:
            remaining = section.end_bar - bar
            is_answer = phrase_index % 2 == 1 or remaining <= phrase_bars
            climax = family == "B" and remaining <= phrase_bars and section.bars > phrase_bars
            start_target = centre + lift + (3 if climax else 0) + (-2 if is_answer and not climax else 0)
            parts = [(motif, bar), (answer, bar + 2)] if remaining >= 4 else [(motif, bar)]
            if remaining < 2:
                parts = [(_answer(ctx, motif), bar)]
            for index, (shape, at) in enumerate(parts):
                phrase_end = index == len(parts) - 1
                pitches = _realise(ctx, shape, ctx.bar_start(at), unit, lattice, start_target, last_pitch, phrase_end,
                                   is_answer, free=own_scale is not None)
                for (onset, pitch), nxt in zip(pitches, [*pitches[1:], None], strict=True):
                    tick = ctx.bar_start(at) + onset * unit
                    gap = (nxt[0] - onset) * unit if nxt else min(shape.length - onset, 2 * shape.grid) * unit
                    if tick >= ctx.bar_start(section.end_bar):
                        continue
                    gap = min(gap, ctx.bar_start(section.end_bar) - tick)
                    length = max(unit // 2, round(gap * (legato if nxt else max(legato, 0.9))))
                    accent = 10 if onset % (shape.grid * ctx.beats_per_bar) == 0 else 4 if onset % shape.grid == 0 else 0
                    # a phrase swells towards its middle and relaxes at its end
                    accent += 4 if index == 0 and onset >= shape.length // 2 else -3 if index == len(parts) - 1 and phrase_end and onset >= shape.length // 2 else 0
                    vel = ctx.velocity(ctx.mood.velocity + 6 + accent, section.energy, 10)
                    start = place(ctx, tick, jitter_ms=9)
                    notes.append(Note(start, length, pitch, vel))
                    last_pitch = pitch
            bar += len(parts) * 2 if remaining >= 2 else remaining
            phrase_index += 1
    if slot.plays_final and ctx.chords:
        final = ctx.chords[-1].chord
        target = last_pitch if last_pitch is not None else centre
        choices = [p for p in lattice if p % 12 == ctx.key.tonic] or [p for p in lattice if p % 12 in final.pcs]
        if choices:
            pitch = min(choices, key=lambda p: abs(p - target))
            notes.append(Note(ctx.final_tick, ctx.release_tick - ctx.final_tick, pitch, ctx.velocity(ctx.mood.velocity, 0.5, 4)))
    ctx.melody_notes.extend(notes)
    return notes


def _realise(
    ctx: Ctx,
    motif: Motif,
    start: int,
    unit: int,
    lattice: list[int],
    target: float,
    previous: int | None,
    phrase_end: bool,
    answer: bool,
    *,
    free: bool = False,
) -> list[tuple[int, int]]:
    """Turn a motif into pitches over the chords under it."""
    if not lattice:
        return []
    anchor = previous if previous is not None and abs(previous - target) < 7 else target
    index = min(range(len(lattice)), key=lambda i: abs(lattice[i] - anchor))
    index = index + motif.steps[0]
    # place the phrase where its whole contour fits the range, so it is not folded back
    heights = list(itertools.accumulate(motif.steps[1:], initial=0))
    if max(heights) - min(heights) < len(lattice):
        index = max(-min(heights), min(len(lattice) - 1 - max(heights), index))
    index = max(0, min(len(lattice) - 1, index))
    direction = 1  # -1 once the line has turned at an edge of the range
    out: list[tuple[int, int]] = []
    for n, (onset, step) in enumerate(zip(motif.onsets, motif.steps, strict=True)):
        # Where the motif moves, snapping to a chord or scale tone keeps it moving (the
        # way it was heading) instead of folding a step back onto the note just played;
        # only the motif's own zero steps repeat a pitch.
        avoid: int | None = None
        heading = 0
        if n:
            index += direction * step
            if index < 0 or index >= len(lattice):
                # turn at the edge of the range and go on mirrored, rather than
                # bouncing back and forth against it
                direction = -direction
                index += 2 * direction * step
                index = max(0, min(len(lattice) - 1, index))
            if step:
                avoid, heading = out[-1][1], (1 if direction * step > 0 else -1)
        elif previous is not None:
            # a new phrase starts on a fresh note, on the side of the register it aims for
            avoid, heading = previous, (1 if target >= previous else -1)
            if lattice[index] == previous:
                index = max(0, min(len(lattice) - 1, index + heading))
        tick = start + onset * unit
        span = ctx.chord_at(tick)
        chord = span.chord
        pitch = lattice[index]
        strong = onset % motif.grid == 0 and (onset // motif.grid) % 2 == 0
        last = n == len(motif.onsets) - 1
        allowed = set(chord_scale(ctx.key, chord))
        if abs(step) == 1 and n:
            # a passing or neighbour note between beats may sit a semitone from a chord
            # tone of the key (F over C) — only a borrowed chord's own notes are clashes
            allowed |= _passing_tones(ctx.key, chord)
        if strong or last:
            tones = set(chord.pcs[:4])
            if last and phrase_end:
                tones = {ctx.key.tonic} if answer and ctx.key.tonic in chord.pcs else {
                    pc for pc in chord.pcs[:3] if pc != ctx.key.tonic
                } or tones
            index = _nearest_index(lattice, index, tones, avoid=avoid, heading=heading)
        elif not free and lattice[index] % 12 not in allowed:
            index = _nearest_index(lattice, index, allowed, avoid=avoid, heading=heading)
        pitch = lattice[index]
        out.append((onset, pitch))
    if phrase_end and len(out) >= 2 and out[-1][1] == out[-2][1]:
        _approach_cadence(ctx, motif, start, unit, lattice, out, free)
    return out


def _approach_cadence(ctx: Ctx, motif: Motif, start: int, unit: int, lattice: list[int], out: list[tuple[int, int]],
                      free: bool) -> None:
    """A line already sitting on its cadence note steps into it instead (from above, as
    2 falls to 1, else from below), unless the note before is on a strong beat."""
    onset, pitch = out[-2]
    if (onset % motif.grid == 0 and (onset // motif.grid) % 2 == 0) or pitch not in lattice:
        return
    chord = ctx.chord_at(start + onset * unit).chord
    allowed = set(chord_scale(ctx.key, chord)) | _passing_tones(ctx.key, chord)
    index = lattice.index(pitch)
    for candidate in (index + 1, index - 1):
        if not 0 <= candidate < len(lattice) or (len(out) >= 3 and lattice[candidate] == out[-3][1]):
            continue
        if free or lattice[candidate] % 12 in allowed:
            out[-2] = (onset, lattice[candidate])
            return


def _passing_tones(key: Key, chord: Chord) -> set[int]:
    """The key's notes (and the chord's) that do not rub against a chord tone from outside the key."""
    scale = {(key.tonic + step) % 12 for step in key.scale()}
    tones = set(chord.pcs[:4])
    foreign = tones - scale
    return tones | {pc for pc in scale if not any((pc - c) % 12 in (1, 11) for c in foreign)}


def _nearest_index(lattice: list[int], index: int, pcs: set[int], *, avoid: int | None = None,
                   heading: int = 0) -> int:
    """The nearest index (within four scale steps, else an octave) whose pitch class is in ``pcs``.

    Ties go the way the line is ``heading`` (down when it is not moving). When the line
    means to move on from ``avoid`` (the note just played), that note is taken only if
    nothing else is in reach, and the choice keeps the line's direction and avoids a leap
    of a 4th or more where a nearby note will do.
    """
    if avoid is None:
        for distance in range(0, 8):
            for candidate in (index + distance, index - distance) if heading > 0 else (index - distance, index + distance):
                if 0 <= candidate < len(lattice) and lattice[candidate] % 12 in pcs:
                    return candidate
        return index
    for reach in (4, 7):
        near = [c for c in range(max(0, index - reach), min(len(lattice), index + reach + 1)) if lattice[c] % 12 in pcs]
        if near:
            break
    moving = [c for c in near if lattice[c] != avoid]
    if not moving:
        return near[0] if near else index
    anchor = avoid

    def cost(candidate: int) -> tuple[float, int]:
        interval = lattice[candidate] - anchor
        turns = interval * heading < 0
        return abs(candidate - index) + (1.5 if turns else 0.0) + (1.0 if abs(interval) >= 5 else 0.0), abs(interval)

    return min(moving, key=cost)
