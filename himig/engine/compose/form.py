"""Form fitted to a duration: the tempo, the bars, the sections and the energy curve.

The finished audio must last exactly the requested seconds and end musically, so the
tempo is chosen inside the style's range such that whole bars of music plus a held
final chord (with its ring-out) fill the duration exactly.
"""

from __future__ import annotations

import dataclasses
import math

# Base energy of each section role before the brief's energy shifts it.
_ENERGY = {
    "intro": 0.35, "A": 0.55, "B": 0.75, "A'": 0.6, "bridge": 0.45, "B'": 0.95, "outro": 0.45,
    "build": 0.7, "drop": 1.0, "breakdown": 0.35, "climax": 1.0, "ending": 0.4,
}


# The final chord's hold (its downbeat to the end of the track): struck, ringing, then let go
# RING_OUT_S before the end so its release and reverb die away inside the track.
WANT_HOLD_S = 3.6  # the shortest hold asked for (a bar and a half when bars are longer)
MIN_HOLD_S = 3.1  # the shortest accepted when fitting the bars to the duration
RING_OUT_S = (1.05, 1.25)  # from the last note-off to the end: shorter after a longer hold


@dataclasses.dataclass(frozen=True)
class SectionPlan:
    name: str  # intro, A, B, A', bridge, B', build, drop, breakdown, climax, outro, ending
    start_bar: int
    bars: int
    energy: float  # 0–1

    @property
    def end_bar(self) -> int:
        return self.start_bar + self.bars


@dataclasses.dataclass(frozen=True)
class Form:
    tempo_bpm: float
    beats_per_bar: int
    body_bars: int  # bars of music before the final chord
    hold_s: float  # from the final chord's downbeat to the end of the track
    sections: tuple[SectionPlan, ...]  # the body sections; the ending follows them

    @property
    def bar_s(self) -> float:
        return self.beats_per_bar * 60.0 / self.tempo_bpm


def beats_per_bar(time_signature: tuple[int, int]) -> int:
    """Beats the composer counts in a bar: 6/8 has two (dotted quarters), 3/4 three, 4/4 four."""
    num, den = time_signature
    return num // 3 if den == 8 and num % 3 == 0 else num


def fit_tempo(
    duration: float,
    target_bpm: float,
    lo: float,
    hi: float,
    beats_per_bar: int,
    *,
    explicit: bool = False,
    hold_s: float | None = None,
    loop: bool = False,
) -> tuple[float, int, float]:
    """Return ``(bpm, body_bars, hold_s)`` with ``body_bars * bar + hold = duration``.

    ``hold`` is the final chord plus its ring-out: about a bar and a half, at least
    ``WANT_HOLD_S`` (``MIN_HOLD_S`` when the bars fit no better). An explicit tempo is
    kept exactly and the hold absorbs the remainder.
    A ``loop`` has no hold: whole bars fill the duration, so the last bar leads
    straight back into the first (with an explicit tempo the last bar may be cut short).
    """
    if loop:
        bar0 = beats_per_bar * 60.0 / target_bpm
        if explicit:
            # the tempo is kept: the last bar is cut where the loop starts again (no silence)
            bars = max(1, math.ceil(duration / bar0 - 1e-6))
            return float(target_bpm), bars, duration - bars * bar0
        n0 = max(1, round(duration / bar0))
        fits = [n for n in (n0, n0 + 1, n0 - 1, n0 + 2, n0 - 2, n0 + 3, n0 - 3)
                if n >= 1 and lo - 1e-9 <= n * beats_per_bar * 60.0 / duration <= hi + 1e-9]
        if fits:
            # whole 4-bar phrases loop best; then the tempo nearest the target
            bars = min(fits, key=lambda n: (n % 4 != 0, abs(n * beats_per_bar * 60.0 / duration - target_bpm)))
            return bars * beats_per_bar * 60.0 / duration, bars, 0.0
        return fit_tempo(duration, min(max(target_bpm, lo), hi), lo, hi, beats_per_bar, explicit=True, loop=True)
    if explicit:
        bar = beats_per_bar * 60.0 / target_bpm
        minimum = max(MIN_HOLD_S, min(bar, 4.0))
        bars = max(1, math.floor((duration - minimum) / bar))
        return float(target_bpm), bars, duration - bars * bar
    best: tuple[float, int, float] | None = None
    best_score: float | None = None
    bar0 = beats_per_bar * 60.0 / target_bpm
    # a bar and a half for the final chord, at least WANT_HOLD_S: the chord is struck, rings
    # and dies away for a couple of seconds, then the last notes let go RING_OUT_S before
    # the end (a fast country or rock tune's last strum, struck 2.2-2.7 s before the end,
    # was still within 6-17 dB of its strike a second before it)
    want_hold = hold_s if hold_s is not None else min(max(WANT_HOLD_S, bar0 + 1.5), 5.5)
    for hold in (want_hold, want_hold - 0.5, want_hold + 0.5, want_hold + 1.0, want_hold - 1.0, want_hold + 1.5):
        if hold < min(MIN_HOLD_S, want_hold) or hold > duration * 0.45:
            continue
        body = duration - hold
        n0 = max(1, round(body / bar0))
        for bars in (n0, n0 + 1, n0 - 1, n0 + 2, n0 - 2):
            if bars < 1:
                continue
            bpm = bars * beats_per_bar * 60.0 / body
            if lo - 1e-9 <= bpm <= hi + 1e-9:
                # Whole 4-bar phrases after a 1, 2 or 4 bar intro read as music; 3 odd bars do not.
                phrase = {0: 0.0, 2: 2.0, 1: 5.0, 3: 9.0}[bars % 4] * target_bpm / 100
                score = abs(bpm - target_bpm) + abs(hold - want_hold) * 4 + phrase
                if best_score is None or score < best_score:
                    best, best_score = (bpm, bars, hold), score
    if best is None:  # the range is too narrow for this duration: keep the target, hold absorbs it
        return fit_tempo(duration, min(max(target_bpm, lo), hi), lo, hi, beats_per_bar, explicit=True)
    bpm, bars, hold = best
    # Round the tempo to 1/100 BPM for readable metadata; recompute the hold exactly.
    bpm = round(bpm, 2)
    return bpm, bars, duration - bars * beats_per_bar * 60.0 / bpm


def _template(kind: str, duration: float, body_bars: int) -> list[str]:
    size = "short" if duration < 40 or body_bars < 12 else "medium" if duration < 80 or body_bars < 28 else "long"
    if kind == "edm":
        return {
            "short": ["intro", "build", "drop"],
            "medium": ["intro", "A", "build", "drop"],
            "long": ["intro", "A", "build", "drop", "breakdown", "build", "drop", "outro"],
        }[size]
    if kind == "arc":
        return {
            "short": ["intro", "A", "climax"],
            "medium": ["intro", "A", "B", "climax"],
            "long": ["intro", "A", "B", "A'", "build", "climax", "outro"],
        }[size]
    return {
        "short": ["intro", "A"],
        "medium": ["intro", "A", "B", "A'"],
        "long": ["intro", "A", "B", "A'", "bridge", "B'", "outro"],
    }[size]


_WEIGHT = {"intro": 0.0, "outro": 0.5, "A": 1.0, "B": 1.0, "A'": 1.0, "bridge": 0.75, "B'": 1.0,
           "build": 0.5, "drop": 1.0, "breakdown": 0.75, "climax": 1.0}


def plan_sections(
    kind: str, duration: float, body_bars: int, energy: float, *, unit: int = 4, slow_build: bool = False
) -> tuple[SectionPlan, ...]:
    """Split ``body_bars`` into named sections in whole phrases of ``unit`` bars."""
    names = _template(kind, duration, body_bars)
    intro = 1 if body_bars < 8 else 2 if body_bars < 20 else 4
    if kind == "ambient" and body_bars >= 12:
        intro = 4
    # ...but never more than about a fifth of the track (3 slow bars were 11 s of a 30 s ballad)
    longest = max(1, round(body_bars * 0.2))
    intro = min(intro, longest)
    for candidate in sorted((1, 2, 3, 4), key=lambda c: (abs(c - intro), c)):
        if candidate <= longest and candidate < body_bars and (body_bars - candidate) % unit == 0:
            intro = candidate
            break
    rest = body_bars - intro
    unit = unit if rest >= unit * (len(names) - 1) else 2 if rest >= 2 * (len(names) - 1) else 1
    weights = [_WEIGHT[n] for n in names[1:]]
    total_w = sum(weights)
    raw = [rest * w / total_w for w in weights]
    sizes = [max(unit, int(r // unit) * unit) for r in raw]
    while sum(sizes) > rest and max(sizes) > unit:
        sizes[sizes.index(max(sizes))] -= unit
    leftover = rest - sum(sizes)
    # Leftover bars (fewer than a phrase each) go to the main sections, longest phrases first.
    order = sorted(range(len(sizes)), key=lambda i: -weights[i])
    i = 0
    while leftover >= unit and order:
        sizes[order[i % len(order)]] += unit
        leftover -= unit
        i += 1
    if leftover:
        grow = max(0, min(leftover, 4 - intro, longest - intro))
        intro += grow
        leftover -= grow
        if leftover:
            sizes[order[0]] += leftover
    sizes = [s for s in sizes]
    if sum(sizes) + intro != body_bars or min(sizes, default=1) <= 0:
        sizes = [body_bars - intro] if body_bars > intro else []
        names = names[:1] + ["A"] if sizes else names[:1]
        if not sizes:
            intro = body_bars
    plans: list[SectionPlan] = []
    start = 0
    all_names = [names[0]] + names[1 : 1 + len(sizes)]
    all_sizes = [intro] + sizes
    count = len(all_names)
    for index, (name, bars) in enumerate(zip(all_names, all_sizes, strict=True)):
        if bars <= 0:
            continue
        base = _ENERGY[name]
        if slow_build or kind == "arc":
            # one long crescendo to the climax, then a release
            peak = next((i for i, n in enumerate(all_names) if n in {"climax", "B'", "drop"}), count - 1)
            base = 0.2 + 0.8 * (index / max(1, peak)) if index <= peak else 0.45
        level = min(1.0, max(0.05, base + (energy - 0.5) * 0.5))
        plans.append(SectionPlan(name, start, bars, round(level, 3)))
        start += bars
    return tuple(plans)


def ending_energy(energy: float) -> float:
    return round(min(1.0, max(0.05, _ENERGY["ending"] + (energy - 0.5) * 0.4)), 3)
