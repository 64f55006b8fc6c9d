"""The harmony plan: which chord sounds when, from the first bar to the final tonic.

Progressions are written as Roman numerals. A loop either lists one chord per
harmonic-rhythm slot (``"I V vi IV"``) or bars explicitly (``"I | ii7 V7 | I"``).
Sections that return reuse their loop; contrasting sections get another; the last
bar before the final chord is the style's (or mood's) cadence.
"""

from __future__ import annotations

import dataclasses
import re

from himig.engine.compose.context import ChordSpan, Ctx
from himig.engine.compose.form import SectionPlan
from himig.engine.score import TICKS_PER_BEAT
from himig.engine.theory import Chord, roman

# Which loop a section uses: sections of one family share it, so A′ returns to A.
FAMILY = {
    "intro": "A", "A": "A", "A'": "A", "outro": "A", "B": "B", "B'": "B", "climax": "B", "drop": "B",
    "bridge": "C", "breakdown": "C", "build": "D",
}

_CADENCES = {
    # mood cadence → (major, minor) chords of the bar before the final tonic
    "authentic": ("IV V7", "iv V7"),
    "plagal": ("ii7 IV", "bVI iv"),
    "modal": ("bVI bVII", "bVI bVII"),
    "picardy": ("IV V7", "iv V7"),
}


def parse_loop(loop: str, chords_per_bar: float) -> list[tuple[str, float]]:
    """``"I V vi IV"`` or ``"I | ii7 V7"`` → [(numeral, length in bars)]."""
    if "|" in loop:
        result: list[tuple[str, float]] = []
        for bar in loop.split("|"):
            chords = bar.split()
            result.extend((c, 1.0 / len(chords)) for c in chords)
        return result
    length = 1.0 / chords_per_bar
    return [(c, length) for c in loop.split()]


def colour(ctx: Ctx, numeral: str) -> str:
    """Add a 7th, 9th or suspension to a plain triad, as often as mood and style want."""
    if not re.fullmatch(r"[b#]?(?:vii|iii|iv|vi|ii|v|i|VII|III|IV|VI|II|V|I)", numeral):
        return numeral
    chance = ctx.mood.tension * ctx.style.colour * 0.7
    if ctx.rng.random() >= chance:
        return numeral
    core = numeral.lstrip("b#")
    if core == "V":
        return numeral + ctx.rng.choice(("7", "7", "sus4", "9"))
    if core.isupper():
        if ctx.mood.name in {"Romantic", "Calm", "Peaceful"}:
            return numeral + ctx.rng.choice(("maj7", "add9", "maj9"))
        return numeral + ctx.rng.choice(("maj7", "add9", "sus2", "6"))
    if core in {"vii"}:
        return numeral
    return numeral + ctx.rng.choice(("7", "7", "9", "add9"))


def loop_pool(ctx: Ctx) -> list[str]:
    style_pool = list(ctx.style.minor if ctx.key.is_minor else ctx.style.major)
    mood_pool = list(ctx.mood.minor if ctx.key.is_minor else ctx.mood.major)
    if mood_pool and ctx.rng.random() < ctx.style.mood_weight:
        return mood_pool
    return style_pool or mood_pool


def default_section(ctx: Ctx, index: int, section: SectionPlan) -> list[tuple[str, float]]:
    """Chords for one section from the family's loop, repeated to fill it."""
    family = FAMILY.get(section.name, "A")
    loops: dict[str, list[tuple[str, float]]] = ctx.shared.setdefault("loops", {})
    used: set[str] = ctx.shared.setdefault("loop_texts", set())
    if family not in loops:
        text = ""
        for _ in range(8):  # a contrasting section deserves a different loop
            text = ctx.rng.choice(loop_pool(ctx))
            if _cycle(text) not in used:  # (a rotation of a loop is the same loop)
                break
        used.add(_cycle(text))
        parsed = _anchor_on_tonic(ctx, parse_loop(text, ctx.style.chords_per_bar), home=family == "A")
        choice = [(colour(ctx, n), length) for n, length in parsed]
        if family == "D":  # a build climbs on the loop's last chords, or on IV–V
            choice = choice[-2:] if len(choice) >= 2 else choice
        loops[family] = choice
    if section.name == "intro" and section.bars <= 2 and loops[family][0][0].lstrip("b#")[:1] not in {"i", "I"}:
        # a short intro sets up the key on its tonic before the loop comes in
        return [("i" if ctx.key.is_minor else "I", float(section.bars))]
    return fill(loops[family], section.bars)


def _anchor_on_tonic(ctx: Ctx, loop: list[tuple[str, float]], *, home: bool) -> list[tuple[str, float]]:
    """Make the home (A) loop state its key: it starts on the tonic chord.

    A loop that never visits its tonic (iv–bVII–bIII–bVI) or keeps landing on the
    relative chord (vi–IV–I–V) is heard in another key — its tonic is whichever chord
    the bass sits on at the downbeats. So the home loop is rotated to begin on its
    tonic (the same chords in the same order; only the downbeat moves), and a loop
    without one opens on the tonic instead of its first chord (i–bVII–bIII–bVI,
    Imaj7 | iv7 bVII7 | …). Contrasting sections may still start and stay elsewhere.
    """
    if not home or not loop:
        return loop
    starts = [0.0]
    for _, length in loop[:-1]:
        starts.append(starts[-1] + length)
    tonics = [i for i, (numeral, _) in enumerate(loop) if _is_tonic(numeral)]
    even = all(abs(length - loop[0][1]) < 1e-9 for _, length in loop)
    usable = [i for i in tonics if even or abs(starts[i] - round(starts[i])) < 1e-9]
    if usable:
        return loop[usable[0]:] + loop[: usable[0]]
    if tonics:
        return loop
    numeral, length = loop[0]
    suffix = re.sub(r"^[b#]?(?:vii|iii|iv|vi|ii|v|i|VII|III|IV|VI|II|V|I)", "", numeral)
    if ctx.key.is_minor:
        tonic = "i" + {"7": "7", "maj7": "7", "9": "9", "add9": "add9"}.get(suffix, "")
    else:
        tonic = "I" + {"7": "maj7", "maj7": "maj7", "9": "maj9", "maj9": "maj9", "add9": "add9", "6": "6"}.get(suffix, "")
    return [(tonic, length), *loop[1:]]


def _cycle(text: str) -> str:
    """A loop's chords read from its first rotation in sort order: equal for all rotations."""
    chords = text.replace("|", " ").split()
    return min(" ".join(chords[i:] + chords[:i]) for i in range(len(chords))) if chords else ""


def fill(loop: list[tuple[str, float]], bars: int) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    total = 0.0
    i = 0
    while total < bars - 1e-6:
        numeral, length = loop[i % len(loop)]
        length = min(length, bars - total)
        out.append((numeral, length))
        total += length
        i += 1
    return out


def cadence_bar(ctx: Ctx) -> list[str]:
    if ctx.style.cadence:
        return ctx.style.cadence["minor" if ctx.key.is_minor else "major"].split()
    major, minor = _CADENCES.get(ctx.mood.cadence, _CADENCES["authentic"])
    return (minor if ctx.key.is_minor else major).split()


def final_numeral(ctx: Ctx) -> str:
    if ctx.key.is_minor:
        if ctx.mood.cadence == "picardy" and ctx.style.genre in {"Cinematic", "Classical", "Rock", "Pop"}:
            return "I"  # the Picardy third: a minor piece ends in major
        return plain_tonic(ctx.style.final_minor)
    return plain_tonic(ctx.style.final_major)


# The last chord is the plain tonic triad (a blues keeps its dominant 7th): that is the
# chord a listener takes as "home", and it still says so when the bass has lifted off and
# only the upper voices ring. Colours that hold another triad say something else there:
# Abmaj7 voiced C-Eb-G-C is a C minor chord, Cm7's upper notes are Eb major, Dm9's C and
# E under its D read as C major, and a sus2 tonic has no third at all.
_FINAL_SUFFIX_UPPER = {"7": "7", "9": "7", "13": "7"}


def plain_tonic(numeral: str) -> str:
    found = re.fullmatch(r"([b#]?(?:vii|iii|iv|vi|ii|v|i|VII|III|IV|VI|II|V|I))(.*)", numeral)
    if not found:
        return numeral
    body, suffix = found.groups()
    return body + (_FINAL_SUFFIX_UPPER.get(suffix, "") if body.isupper() else "")


def plan_harmony(ctx: Ctx) -> list[ChordSpan]:
    """Fill ``ctx.chords`` for the whole track, ending on the tonic."""
    planner = ctx.style.harmony or default_section
    per_section: list[list[tuple[str, float]]] = []
    compound = ctx.brief.time_signature == (6, 8)
    for index, section in enumerate(ctx.sections):
        if compound:
            # A 6/8 bar is half a 4/4 bar: plan in 4/4-sized bars, then give each chord twice the bars.
            half = dataclasses.replace(section, start_bar=section.start_bar // 2, bars=max(1, (section.bars + 1) // 2))
            per_section.append(_trim([(n, length * 2) for n, length in planner(ctx, index, half)], section.bars))
        else:
            per_section.append(list(planner(ctx, index, section)))
    final = final_numeral(ctx)
    if per_section:
        # The last bar before the final chord is the cadence (two bars of 6/8).
        bars = ctx.sections[-1].bars
        cad_bars = 2 if compound and bars >= 2 else 1
        settle = cad_bars if _settle_early(ctx, bars, cad_bars) else 0
        kept = _trim(per_section[-1], bars - cad_bars - settle)
        cad = cadence_bar(ctx)
        if bars >= 1:
            kept.extend((c, cad_bars / len(cad)) for c in cad)
        if settle:
            kept.append((final, float(settle)))
        per_section[-1] = kept
    if ctx.brief.ending == "loop" and per_section and per_section[0]:
        # A loop's first bar is where its cadence resolves: make it the tonic.
        first, length = per_section[0][0]
        if not _is_tonic(first):
            per_section[0][0] = (final, length)
        final = cadence_bar(ctx)[-1]  # a cut-short last bar keeps the turnaround's chord
    spans: list[ChordSpan] = []
    for index, (section, chords) in enumerate(zip(ctx.sections, per_section, strict=True)):
        tick = float(ctx.bar_start(section.start_bar))
        for numeral, length in chords:
            start = round(tick)
            tick += length * ctx.bar_ticks
            spans.append(ChordSpan(start, round(tick), to_chord(ctx, numeral), numeral, index))
    spans.append(ChordSpan(ctx.final_tick, max(ctx.final_tick, ctx.end_tick), to_chord(ctx, final), final, -1))
    if ctx.brief.modulation:
        spans = _pivot(ctx, spans, *ctx.brief.modulation)
    ctx.chords = spans
    return spans


# The ending should sound on the tonic for about this long: the last seconds are what a
# listener (and a key finder) takes as home.
_HOME_SECONDS = 3.0


def _settle_early(ctx: Ctx, bars: int, cad_bars: int) -> bool:
    """Whether the cadence resolves a bar early, the tonic then held into the final chord.

    When the final chord rings for less than ``_HOME_SECONDS`` (quick tempos, short
    holds) the cadence's dominant is still among the last sounds, and the ending is heard
    half on V: landing on I a bar (two of 6/8) before the final chord — V–I | I, the
    confirming close of a classical coda or a band's last hit — keeps the ending home.
    A loop keeps its turnaround into the first bar instead.
    """
    if ctx.brief.ending == "loop" or bars < 2 * cad_bars + 1:
        return False
    ring_s = (ctx.end_tick - ctx.final_tick) / TICKS_PER_BEAT * 60.0 / ctx.tempo
    return ring_s < _HOME_SECONDS


def _trim(chords: list[tuple[str, float]], bars: float) -> list[tuple[str, float]]:
    """The chords that fit in the first ``bars`` bars, the last one shortened."""
    kept: list[tuple[str, float]] = []
    total = 0.0
    for numeral, length in chords:
        if total + length <= bars + 1e-6:
            kept.append((numeral, length))
            total += length
        elif total < bars - 1e-6:
            kept.append((numeral, bars - total))
            total = bars
    return kept


def _pivot(ctx: Ctx, spans: list[ChordSpan], bar: int, semitones: int) -> list[ChordSpan]:
    """The half bar before a key change up plays the new key's dominant 7th (the notes
    after it are transposed once composed, so their chords are written in the old key)."""
    at = ctx.bar_start(bar)
    start = at - ctx.bar_ticks // 2
    numeral = {1: "bVI7", 2: "VI7", 3: "VII7"}.get(semitones, "V7")
    out: list[ChordSpan] = []
    for span in spans:
        if span.end <= start or span.start >= at:
            out.append(span)
            continue
        if span.start < start:
            out.append(ChordSpan(span.start, start, span.chord, span.numeral, span.section))
    index = next((i for i, s in enumerate(out) if s.start >= at), len(out))
    section = ctx.section_at_bar(bar - 1)
    out.insert(index, ChordSpan(start, at, to_chord(ctx, numeral), numeral, section[0] if section else 0))
    return out


def _is_tonic(numeral: str) -> bool:
    found = re.match(r"(vii|iii|iv|vi|ii|v|i|VII|III|IV|VI|II|V|I)", numeral)
    return found is not None and found.group(1) in {"i", "I"}


def to_chord(ctx: Ctx, numeral: str) -> Chord:
    return roman(ctx.key, numeral)
