"""Rock: driving 8ths, power chords on doubled overdriven guitars panned hard left and right."""

from __future__ import annotations

from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import SLOW_MOODS, bass, chords, groove, kit, lead, pad

GROOVES = {
    "low": groove(k="x.......x.......", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.....x.x.......", s="....x.......x...", h="X.x.X.x.X.x.X.x."),
    "high": groove(k="x.x...x.x.x...x.", s="....X.......X...", y="X.x.X.x.X.x.X.x."),
}
SLOW = {
    "low": groove(k="x.......x.......", r="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.......x.x.....", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.....x.x.x.....", s="....X.......X...", y="x.x.x.x.x.x.x.x."),
}


def arrange(ctx: Ctx) -> list[Slot]:
    slow = ctx.brief.subgenre == "slow"
    soft = ctx.brief.mood in SLOW_MOODS
    guitar = "electric guitar" if soft else "overdriven guitar" if ctx.brief.mood in {"Happy", "Uplifting"} else "distortion guitar"
    chug = {"low": "x---------------", "mid": "x-x-x-x-x-x-x-x-", "high": "x-x-x-x-x-x-x-x-"}
    if ctx.brief.mood in {"Intense", "Dark"} and not slow:
        # palm-muted 16th chugs: the ostinato that makes intense rock intense
        chug = {"low": "x---------------", "mid": "x-x-x-x-x-x-x-x-", "high": "xxxxxxxxxxxxxxxx"}
    if slow:
        chug = {"low": "x-------x-------", "mid": "x-----x-x-------", "high": "x-x-x-x-x-x-x-x-"}
    slots = [
        kit(SLOW if slow else GROOVES, instrument="rock drums", fill="toms", gain_db=-3, reverb=0.15),
        bass("pick bass", {"low": "R-------R-------", "mid": "R-R-R-R-R-R-R-R-", "high": "R-R-R-R-R-R-R-RO"}, gain_db=2),
    ]
    if soft:
        slots.append(chords("gtr_clean", guitar, {"low": "x-------x-------", "mid": "x-.xx-x-x-.xx-x-"}, low=52, high=76,
                            voices=4, gain_db=-6, pan=-0.4, strum_ms=14, ring=True))
        slots.append(chords("gtr_L", "overdriven guitar", chug, low=40, high=64, voices=3, power=True, gain_db=-7,
                            pan=-0.8, stab=0.85, min_energy=0.6))
        slots.append(chords("gtr_R", "overdriven guitar", chug, low=40, high=64, voices=3, power=True, gain_db=-7,
                            pan=0.8, stab=0.85, min_energy=0.6))
    else:
        # the wall of guitars is the point of the style: doubled, hard left and right, up front
        slots.append(chords("gtr_L", guitar, chug, low=40, high=64, voices=3, power=True, gain_db=1, pan=-0.85, stab=0.85))
        slots.append(chords("gtr_R", guitar, chug, low=40, high=64, voices=3, power=True, gain_db=1, pan=0.85, stab=0.85))
    # the organ's full triads carry the thirds the power chords leave out
    slots.append(pad("organ", "organ", low=55, high=76, gain_db=-9, min_energy=0.55, reverb=0.2))
    slots.append(lead("electric guitar" if soft else "overdriven guitar", low=62, high=86, gain_db=-3, delay=0.12,
                      reverb=0.25, legato=0.9))
    return slots


STYLE = Style(
    genre="Rock",
    tempo={"rock": (112, 150), "slow": (66, 96), "punk": (160, 190)},
    feels={"rock": "straight", "slow": "straight", "punk": "straight"},
    mood_subgenre={"Sad": "slow", "Melancholic": "slow", "Romantic": "slow", "Calm": "slow", "Peaceful": "slow"},
    drums=True,
    form="song",
    major=("I bVII IV I", "I V vi IV", "I IV V IV", "I bIII IV I", "IV I V V"),
    minor=("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI bVII", "i bIII bVII IV"),
    arrange=arrange,
    tonics=(4, 9, 2, 7, 0, 11),
    modes=("major", "minor", "mixolydian", "dorian", "phrygian"),
    colour=0.15,
    mood_weight=0.35,
    aliases={"ballad": "slow", "power ballad": "slow", "metal": "rock", "punk": "punk"},
)
