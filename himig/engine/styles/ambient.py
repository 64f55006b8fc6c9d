"""Ambient: no beat, evolving pads with slow stepwise changes, drones, sparse bells or piano, a composed fade."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import arp, lead, pad


def arrange(ctx: Ctx) -> list[Slot]:
    mood = ctx.brief.mood
    dark = mood in {"Dark", "Mysterious", "Intense", "Sad"}
    main_pad = "sweep pad" if dark else "halo pad" if mood in {"Uplifting", "Epic", "Happy"} else "warm pad"
    sparkle = "bells" if dark else "celesta" if mood in {"Happy", "Uplifting"} else "piano"
    if "piano" in ctx.brief.requested_instruments:
        sparkle = "piano"
    slots = [
        pad("pad", main_pad, low=48, high=74, voices=4, gain_db=-6, reverb=0.7),
        pad("air", "synth pad", low=60, high=84, voices=3, gain_db=-12, reverb=0.8, min_energy=0.45, pan=0.2),
        Slot("drone", "bass", "synth bass" if dark else "contrabass", players.drone, {}, gain_db=-6, reverb=0.5,
             low=31, high=50),
        lead(sparkle, low=64, high=88, gain_db=-2, reverb=0.75, delay=0.35, density=0.12, legato=1.0,
             sections=("A", "B", "A'", "bridge", "B'", "climax", "outro")),
    ]
    if mood in {"Epic", "Uplifting", "Mysterious", "Dark"}:
        slots.append(pad("choir", "choir", low=55, high=76, voices=3, gain_db=-12, reverb=0.8, min_energy=0.5))
    if mood in {"Happy", "Peaceful", "Uplifting", "Calm"}:
        slots.append(arp("shimmer", "harp" if mood != "Happy" else "music box", (0, 2, 1, 3), 1, low=60, high=86,
                         gain_db=-15, reverb=0.8, delay=0.3, min_energy=0.45, legato=2.0))
    return slots


STYLE = Style(
    genre="Ambient",
    tempo={"ambient": (56, 76), "drone": (48, 64)},
    feels={"ambient": "straight", "drone": "straight"},
    mood_subgenre={"Dark": "drone", "Mysterious": "drone"},
    drums=False,
    form="ambient",
    major=("Iadd9 IVadd9", "Imaj7 vi7", "Isus2 IVmaj7 vi7 IVadd9", "Iadd9 iii7 IVmaj7 Iadd9", "IVmaj7 Iadd9"),
    minor=("i7 bVImaj7", "i9 iv9", "isus2 bVIIadd9", "i bVI bIII bVII", "i7 bIIImaj7 bVImaj7 bVII"),
    arrange=arrange,
    ending="fade",
    chords_per_bar=0.5,
    modes=("major", "lydian", "minor", "dorian", "phrygian", "mixolydian"),
    colour=1.2,
    mood_weight=0.2,
    cadence={"major": "IVadd9", "minor": "bVIadd9"},
    final_major="Iadd9",
    final_minor="isus2",
    aliases={"drone": "drone", "soundscape": "ambient", "new age": "ambient"},
)
