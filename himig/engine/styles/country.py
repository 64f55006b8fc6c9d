"""Country: boom-chick bass, strummed steel-string guitar, banjo rolls, fiddle and steel-guitar answers."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import SLOW_MOODS, arp, bass, chords, counter, groove, kit, lead

TWO_BEAT = {
    "low": groove(k="x.......x.......", r="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.......x.......", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.......x.x.....", s="o.o.x.o.o.o.x.o.", h="x.x.x.x.x.x.x.x.", m="....x.......x..."),
}
BALLAD = {
    "low": groove(k="x.......x.......", r="....x.......x...", h="x...x...x...x..."),
    "mid": groove(k="x.......x.......", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
}


def arrange(ctx: Ctx) -> list[Slot]:
    ballad = ctx.brief.subgenre == "ballad" or ctx.brief.mood in SLOW_MOODS
    mood = ctx.brief.mood
    fiddle_lead = mood in {"Happy", "Energetic", "Uplifting", "Epic", "Intense"}
    slots = [
        kit(BALLAD if ballad else TWO_BEAT, instrument="brushes" if ballad else "drums", fill="snare", gain_db=-4,
            reverb=0.15, min_energy=0.3),
        bass("electric bass" if not ballad else "acoustic bass",
             {"low": "R-------F-------", "mid": "R---F---R---F-A-", "high": "R---F---R-F-R-A-"}, low=28, gain_db=-2,
             staccato=0.8),
    ]
    if ballad:
        # A ballad is fingerpicked, not strummed: a steady thumb on root and fifth with the
        # upper strings ringing above it (block strums of the GM steel-string sit low and dull).
        # Sad ballads sing on the fiddle with the pedal steel answering; gentler ones the reverse.
        crying = mood in {"Sad", "Melancholic", "Dark", "Mysterious"}
        slots.append(Slot("guitar", "harmony", "acoustic guitar", players.fingerpick, {"voices": 4}, gain_db=4,
                          pan=-0.25, reverb=0.25, low=40, high=76))
        # piano high and sparse: a chord a bar above the guitar, for air rather than weight
        slots.append(chords("piano", "piano", {"low": "x-------x-------", "mid": "x-------x---x---"}, low=60, high=81,
                            voices=3, gain_db=-11, pan=0.25, reverb=0.35))
        if crying:
            slots.append(lead("fiddle", low=66, high=88, gain_db=-5, reverb=0.35, delay=0.08, legato=1.0))
            # the pedal steel plays the intro's pickup phrase, then answers the fiddle
            slots.append(lead("steel guitar", low=64, high=84, gain_db=-6, reverb=0.4, delay=0.1, legato=1.0,
                              name="steel_intro", sections=("intro", "bridge")))
            slots.append(counter("steel", "steel guitar", low=64, high=84, gain_db=-8, chance=0.9, pan=-0.35,
                                 reverb=0.4))
        else:
            slots.append(lead("steel guitar", low=64, high=86, gain_db=-3, reverb=0.35, delay=0.1, legato=1.0))
            slots.append(counter("fiddle", "fiddle", low=66, high=88, gain_db=-9, chance=0.45, pan=0.35))
    else:
        slots.append(chords("guitar", "acoustic guitar",
                            {"low": "D-------D-------", "mid": "D...D.U...U.D.U.", "high": "D.DUD.U.D.DUD.U."},
                            low=45, high=72, voices=5, gain_db=3, pan=-0.3, strum_ms=12, reverb=0.18))
        slots.append(arp("banjo", "banjo", (0, 1, 2, 0, 1, 2, 3, 2), 4, low=55, high=79, voices=4, gain_db=-9,
                         pan=0.35, min_energy=0.45 if mood not in {"Happy", "Energetic"} else 0.0, legato=1.3))
        slots.append(lead("fiddle" if fiddle_lead else "harmonica", low=62, high=86, gain_db=-3, reverb=0.22,
                          delay=0.05))
        slots.append(counter("steel", "steel guitar", low=60, high=81, gain_db=-10, chance=0.35, pan=-0.35))
    return slots


STYLE = Style(
    genre="Country",
    tempo={"country": (100, 132), "ballad": (62, 84), "bluegrass": (130, 160), "waltz": (90, 126)},
    feels={"country": "straight", "ballad": "straight", "bluegrass": "straight", "waltz": "waltz"},
    mood_subgenre={m: "ballad" for m in ("Sad", "Melancholic", "Romantic", "Calm", "Peaceful")},
    drums=True,
    form="song",
    major=("I IV V I", "I vi IV V", "I IV I V", "I V vi IV", "IV I V I", "I | I | IV | IV | V | V | I | I"),
    minor=("i bVII bVI bVII", "i iv bVII bIII", "i bVI bIII bVII"),
    arrange=arrange,
    tonics=(7, 2, 9, 0, 4),
    modes=("major", "mixolydian", "minor"),
    colour=0.25,
    mood_weight=0.3,
    aliases={"bluegrass": "bluegrass", "ballad": "ballad", "waltz": "waltz", "two-step": "country",
             "honky tonk": "country", "americana": "country"},
)
