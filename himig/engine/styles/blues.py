"""Blues: the 12-bar dominant-7th form over a shuffle, boogie or walking bass, licks from the blues scale."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.compose.form import SectionPlan
from himig.engine.styles import Style
from himig.engine.styles.parts import bass, chords, counter, groove, kit, lead, pad

# Triplet grid: 12 steps per 4/4 bar, three per beat, so the shuffle's long–short is exact.
SHUFFLE = {
    "low": groove(12, k="x.....x.....", s="...x.....x..", h="x.xx.xx.xx.x"),
    "mid": groove(12, k="x.....x.....", s="...x.....x..", y="x.xx.xx.xx.x"),
    "high": groove(12, k="x..x..x..x..", s="...X.....X.o", y="x.xx.xx.xx.x"),
}
SLOW = {
    "low": groove(12, k="x.....x.....", r="...x.....x..", h="xxxxxxxxxxxx"),
    "mid": groove(12, k="x.....x..x..", s="...x.....x..", h="xxxxxxxxxxxx"),
    "high": groove(12, k="x.....x..x..", s="...X.....X..", y="xxxxxxxxxxxx"),
}
# 12/8: a 6/8 bar is half a 12/8 bar (two of its four dotted-quarter beats), so the backbeat
# falls on each bar's second beat. Written as two 6/8 bars (12 steps), as compose._in_six reads them.
TWELVE_EIGHT_SLOW = {  # the slow blues: ride or hats on every triplet 8th, kick on the beat
    "low": groove(12, k="x.....x.....", r="...x.....x..", h="xxxxxxxxxxxx"),
    "mid": groove(12, k="x....xx....x", s="...x.....x..", h="xxxxxxxxxxxx"),
    "high": groove(12, k="x....xx....x", s="...X.o...X.o", y="xxxxxxxxxxxx"),
}
TWELVE_EIGHT_SHUFFLE = {  # the shuffle's long-short on the ride, kick on every beat
    "low": groove(12, k="x.....x.....", s="...x.....x..", h="x.xx.xx.xx.x"),
    "mid": groove(12, k="x..x..x..x..", s="...x.....x..", y="x.xx.xx.xx.x"),
    "high": groove(12, k="x..x..x..x..", s="...X.o...X.o", y="x.xx.xx.xx.x"),
}
BLUES_SCALE = (0, 3, 5, 6, 7, 10)
TWELVE = ("I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7")
QUICK = ("I7", "IV7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7")
MINOR = ("i7", "i7", "i7", "i7", "iv7", "iv7", "i7", "i7", "bVI7", "V7", "i7", "V7")


def twelve_bar(ctx: Ctx, index: int, section: SectionPlan) -> list[tuple[str, float]]:
    """The 12-bar form runs through the whole body; a short intro is its turnaround."""
    if "blues_form" not in ctx.shared:
        ctx.shared["blues_form"] = MINOR if ctx.key.is_minor else (QUICK if ctx.rng.random() < 0.4 else TWELVE)
    form: tuple[str, ...] = ctx.shared["blues_form"]
    if index == 0 and section.bars <= 4:
        return [(n, 1.0) for n in form[12 - section.bars:]]
    start = section.start_bar - (ctx.sections[0].bars if ctx.sections[0].bars <= 4 else 0)
    return [(form[(start + b) % 12], 1.0) for b in range(section.bars)]


def arrange(ctx: Ctx) -> list[Slot]:
    slow = ctx.brief.subgenre == "slow"
    mood = ctx.brief.mood
    guitar = "electric guitar" if mood in {"Sad", "Calm", "Peaceful", "Romantic", "Melancholic"} else "overdriven guitar"
    if ctx.brief.time_signature == (6, 8):
        return _twelve_eight(ctx, slow, guitar)
    slots = [
        kit(SLOW if slow else SHUFFLE, fill="snare", gain_db=-3, reverb=0.18),
        bass("acoustic bass" if slow else "electric bass", {"low": "R-----F-----", "mid": "R--R-.F--F-.", "high": "R--3-.F--6-."},
             player=players.walking_bass if slow else players.boogie_bass, low=28, two_feel=False),
        chords("piano", "piano", {"low": "x-----x-----", "mid": "..x..x..x..x", "high": "x.xx.xx.xx.x"}, low=52, high=74,
               voices=4, gain_db=-4, pan=0.25, stab=0.6),
        chords("rhythm", guitar, {"low": "x-----------", "mid": "x-.x-.x-.x-.", "high": "x-.x-.x-.x-."}, low=45, high=67,
               voices=3, gain_db=-8, pan=-0.45, stab=0.7, min_energy=0.4),
        lead(guitar, low=60, high=84, gain_db=-3, reverb=0.28, delay=0.08, scale=BLUES_SCALE, legato=0.85),
        counter("harp", "harmonica", low=64, high=84, gain_db=-8, chance=0.55, pan=0.35),
    ]
    if slow or mood in {"Mysterious", "Dark", "Sad"}:
        slots.append(pad("organ", "organ", low=52, high=72, gain_db=-13, reverb=0.25))
    return slots


def _twelve_eight(ctx: Ctx, slow: bool, guitar: str) -> list[Slot]:
    """The blues in 12/8 (asked for as 6/8): every figure is in triplet 8ths, three to the beat.
    The bass rocks long–short up the chord (root, third, fifth, sixth: the 12/8 boogie), the
    piano hammers triplet chords (slow blues) or comps long–short, the guitar chops the shuffle."""
    mood = ctx.brief.mood
    slots = [
        kit(TWELVE_EIGHT_SLOW if slow else TWELVE_EIGHT_SHUFFLE, fill="snare", gain_db=-3, reverb=0.18),
        bass("acoustic bass" if slow else "electric bass", {"low": "R-RF-F", "mid": "R-3F-6", "high": "R-3F-7"},
             low=28, staccato=0.85),
        chords("piano", "piano", {"low": "x-xx-x", "mid": "xxxxxx" if slow else "x-xx-x", "high": "xxxxxx"},
               low=55, high=76, voices=3, gain_db=-5, pan=0.25),
        chords("rhythm", guitar, {"low": "x-----", "mid": "x-sx-s", "high": "x-sx-s"}, low=45, high=67,
               voices=3, gain_db=-8, pan=-0.45, stab=0.45, min_energy=0.4),
        lead(guitar, low=60, high=84, gain_db=-3, reverb=0.28, delay=0.08, scale=BLUES_SCALE, legato=0.85),
        counter("harp", "harmonica", low=64, high=84, gain_db=-8, chance=0.55, pan=0.35),
    ]
    if slow or mood in {"Mysterious", "Dark", "Sad"}:
        slots.append(pad("organ", "organ", low=52, high=72, gain_db=-13, reverb=0.25))
    return slots


STYLE = Style(
    genre="Blues",
    tempo={"shuffle": (100, 140), "slow": (56, 78), "boogie": (116, 144)},
    feels={"shuffle": "shuffle", "slow": "shuffle", "boogie": "shuffle"},
    mood_subgenre={m: "slow" for m in ("Sad", "Calm", "Peaceful", "Melancholic", "Romantic", "Mysterious", "Dark")},
    drums=True,
    form="song",
    major=(),
    minor=(),
    arrange=arrange,
    harmony=twelve_bar,
    tonics=(4, 9, 7, 0, 10, 2),
    modes=("major", "minor", "mixolydian", "dorian"),
    colour=0.0,
    phrase_unit=4,
    cadence={"major": "V7", "minor": "V7"},
    final_major="I9",
    final_minor="i9",
    aliases={"slow blues": "slow", "boogie": "boogie", "shuffle": "shuffle"},
)
