"""Reggae: one-drop (kick and rim together on 3), offbeat skank, organ bubble, deep melodic bass, dub echoes."""

from __future__ import annotations

from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import bass, chords, groove, kit, lead, pad

ONE_DROP = {
    "low": groove(k="........x.......", r="........x.......", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="........x.......", r="........x.......", h="x.x.x.x.x.x.x.x.", o="..............x."),
    "high": groove(k="........x.......", s="........x.......", h="x.xxx.x.x.xxx.x.", o="......x.......x."),
}
DANCEHALL = {
    "low": groove(k="x...x...x...x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x...x...x...x...", s="...x..x....x..x.", h="x.x.x.x.x.x.x.x."),
}


def arrange(ctx: Ctx) -> list[Slot]:
    dub = ctx.brief.subgenre == "dub" or ctx.brief.mood in {"Dark", "Mysterious"}
    mood = ctx.brief.mood
    slots = [
        kit(DANCEHALL if ctx.brief.subgenre == "dancehall" else ONE_DROP, fill="sparse", gain_db=2,
            reverb=0.2 if dub else 0.12, delay=0.35 if dub else 0.08),
        bass("electric bass", {"low": "R-----..F-..R-..", "mid": "R-..R-F-..F-R-..", "high": "R-.RR-F-.O-FR-3-"},
             low=28, gain_db=-1.0, staccato=0.85),
        chords("skank", "electric guitar", {"mid": "..s...s...s...s."},
               low=58, high=74, voices=3, gain_db=-3, pan=-0.35, stab=0.22, reverb=0.2),
        chords("bubble", "organ", {"low": "..s...s...s...s.", "mid": ".ss..ss..ss..ss.", "high": ".ss..ss..ss..ss."},
               low=52, high=70, voices=3, gain_db=-4, pan=0.3, stab=0.35, reverb=0.15, min_energy=0.3),
    ]
    if dub:
        slots.append(pad("dub_pad", "warm pad", low=50, high=70, gain_db=-14, reverb=0.6))
        slots.append(lead("muted trumpet", low=60, high=79, gain_db=-7, reverb=0.45, delay=0.55, density=0.25))
    else:
        slots.append(lead("harmonica" if mood in {"Happy", "Uplifting", "Energetic"} else "electric guitar",
                          low=62, high=81, gain_db=-5, reverb=0.3, delay=0.25, density=0.4))
    return slots


STYLE = Style(
    genre="Reggae",
    tempo={"roots": (68, 84), "dub": (64, 78), "dancehall": (90, 104)},
    feels={"roots": "swing16", "dub": "swing16", "dancehall": "straight"},
    mood_subgenre={"Dark": "dub", "Mysterious": "dub"},
    drums=True,
    form="song",
    major=("I IV", "I V", "I IV I V", "IV V I I", "I ii IV V"),
    minor=("i iv", "i bVII", "i iv i bVII", "i bVI bVII i", "i v"),
    arrange=arrange,
    tonics=(9, 7, 0, 2, 4, 5),
    modes=("major", "minor", "dorian", "mixolydian"),
    chords_per_bar=1.0,
    colour=0.5,
    mood_weight=0.2,
    aliases={"dub": "dub", "dancehall": "dancehall", "roots": "roots", "ska": "dancehall", "rocksteady": "roots"},
)
