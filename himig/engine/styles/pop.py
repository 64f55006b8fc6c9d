"""Pop: straight 8ths, backbeat, I–V–vi–IV family loops, piano/guitar/pad with a bright lead."""

from __future__ import annotations

from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import SLOW_MOODS, bass, chords, counter, groove, kit, lead, pad

GROOVES = {
    "low": groove(k="x.......x.......", r="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.....x.x.......", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.....x.x.x.....", s="....x..o....x..o", c="....x.......x...", h="xxxxxxxxxxxxxxxx", o="..............x."),
}
BALLAD = {
    "low": groove(k="x...............", r="........x.......", h="x...x...x...x..."),
    "mid": groove(k="x.......x.x.....", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.....x.x.......", s="....x.......x...", h="x.x.x.x.x.x.x.x.", o="..............x."),
}


def arrange(ctx: Ctx) -> list[Slot]:
    ballad = ctx.brief.subgenre == "ballad"
    slots = [
        kit(BALLAD if ballad else GROOVES, min_energy=0.3 if ballad else 0.0,
            sections=None if not ballad else ("A", "B", "A'", "bridge", "B'", "outro")),
        bass("electric bass", {
            "low": "R-------R-------",
            "mid": "R-------R---F-R-" if ballad else "R-R-R-R-R-R-R-O-",
            "high": "R-R-R-R-R-R-F-O-" if ballad else "R-RRR-R-R-RRR-O-",
        }, min_energy=0.3 if ballad else 0.0),
    ]
    keys = "electric piano" if ctx.brief.mood in {"Calm", "Peaceful", "Mysterious"} else "piano"
    if ballad:
        slots.append(chords("piano", keys, {"low": "x-------x-------", "mid": "x-----x-x-------", "high": "x--x--x-x--x--x-"},
                            low=48, high=72, gain_db=-4, reverb=0.3))
        slots.append(pad("strings", "strings", low=52, high=76, gain_db=-9, min_energy=0.4))
        slots.append(lead("piano" if ctx.brief.mood in {"Sad", "Melancholic"} else "flute" if ctx.brief.mood == "Peaceful" else "electric piano",
                          low=64, high=84, gain_db=-3, delay=0.05, name="lead"))
    else:
        slots.append(chords("keys", keys, {"low": "x-------x-------", "mid": "x-.x-.x.x-.x-.x.", "high": "x-x-.xx-x-x-.xx-"},
                            low=52, high=74, gain_db=-6, pan=0.15, stab=0.4))
        slots.append(chords("guitar", "acoustic guitar", {"mid": "D...D.U...U.D.U.", "high": "D.DUD.U.D.DUD.U."},
                            low=45, high=72, voices=5, gain_db=-5, pan=-0.35, min_energy=0.45, strum_ms=11, reverb=0.15))
        slots.append(pad("pad", "warm pad", low=55, high=76, gain_db=-16, min_energy=0.6))
        bright = "synth lead" if ctx.brief.mood in {"Energetic", "Intense", "Epic", "Dark"} else "pluck"
        if ctx.brief.mood in SLOW_MOODS:
            bright = "electric piano"
        slots.append(lead(bright, low=62, high=84, gain_db=0, delay=0.15))
        slots.append(counter("answer", "bells", low=72, high=91, gain_db=-12, chance=0.35, sections=("B", "B'")))
    return slots


STYLE = Style(
    genre="Pop",
    tempo={"pop": (100, 124), "ballad": (66, 86), "dance": (116, 128)},
    feels={"pop": "straight", "ballad": "straight", "dance": "straight"},
    mood_subgenre={"Sad": "ballad", "Romantic": "ballad", "Melancholic": "ballad", "Calm": "ballad", "Peaceful": "ballad"},
    drums=True,
    form="song",
    major=("I V vi IV", "vi IV I V", "I vi IV V", "IV V iii vi", "I IV vi V", "I V vi iii IV I IV V"),
    minor=("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI bVII", "bVI bVII i i"),
    arrange=arrange,
    aliases={"power ballad": "ballad", "edm": "dance", "house": "dance", "lullaby": "ballad"},
    colour=0.8,
)
