"""Folk: fingerpicked or strummed steel-string guitar, fiddle/whistle/flute tunes, jigs in triplets,
light percussion at most, modal colours (mixolydian, dorian)."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import SLOW_MOODS, bass, chords, counter, groove, kit, lead, pad

STOMP = {
    "low": groove(k="x.......x.......", t="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.......x.......", c="....x.......x...", t="xoxoxoxoxoxoxoxo"),
    "high": groove(k="x.......x.x.....", c="....x.......x...", m="..x...x...x...x.", t="xoxoxoxoxoxoxoxo"),
}
JIG = {  # triplet grid: 12 steps per bar, the jig's lilt
    "low": groove(12, k="x.....x.....", t="x.xx.xx.xx.x"),
    "mid": groove(12, k="x.....x.....", c="...x.....x..", t="x.xx.xx.xx.x"),
}


def arrange(ctx: Ctx) -> list[Slot]:
    mood = ctx.brief.mood
    jig = ctx.brief.subgenre == "jig"
    gentle = mood in SLOW_MOODS or ctx.brief.subgenre == "ballad"
    tune = ("fiddle" if jig or mood in {"Energetic", "Intense", "Epic"} else
            "whistle" if mood in {"Happy", "Uplifting"} else
            "cello" if mood in {"Sad", "Melancholic", "Dark"} else "flute")
    slots: list[Slot] = [kit(JIG if jig else STOMP, instrument="percussion", fill="none", gain_db=-6, reverb=0.2)]
    if gentle:
        # the GM steel-string is quiet (a single picked string measured 12-15 dB under the
        # lead and the bass at the old -3 dB): the guitar carries a folk ballad, so it is up front
        slots.append(Slot("guitar", "harmony", "acoustic guitar", players.fingerpick, {}, gain_db=5, pan=-0.15,
                          reverb=0.25, low=40, high=74))
    else:
        strum = {"low": "D-------D-------", "mid": "D...D.U...U.D.U.", "high": "D.DUD.U.D.DUD.U."}
        if jig:
            strum = {"low": "D-----D-----", "mid": "D.UD.UD.UD.U"}
        slots.append(chords("guitar", "acoustic guitar", strum, low=45, high=72, voices=5, gain_db=3, pan=-0.25,
                            strum_ms=12, reverb=0.2))
    slots.append(bass("acoustic bass", {"low": "R---------------", "mid": "R-------F-------", "high": "R---F---R---F---"}
                      if not jig else {"low": "R-----------", "mid": "R-----F-----"}, low=28, gain_db=-4,
                      min_energy=0.4))
    low, high = (50, 72) if tune == "cello" else (64, 88)
    # whistles and fiddles cut through on their own; the guitar carries the body
    # a jig's tune runs in 8ths, three to a beat (players.jig_tune); other tunes are motif melodies
    slots.append(lead(tune, low=low, high=high, gain_db=-8 if tune in {"whistle", "fiddle"} else -4, reverb=0.3,
                      delay=0.0, grid=3 if jig else 2, density=1.0 if jig else None,
                      tune=players.jig_tune if jig else None))
    if not gentle:
        slots.append(counter("mandolin", "mandolin", low=62, high=84, gain_db=-10, chance=0.4, pan=0.35, rate=4))
    else:
        slots.append(pad("harmonium", "accordion" if mood == "Melancholic" else "strings", low=52, high=72, voices=3,
                         gain_db=-14, reverb=0.4, min_energy=0.35))
    return slots


STYLE = Style(
    genre="Folk",
    tempo={"folk": (86, 112), "ballad": (64, 84), "jig": (112, 132), "waltz": (84, 112)},
    feels={"folk": "straight", "ballad": "straight", "jig": "shuffle", "waltz": "waltz"},
    mood_subgenre={"Sad": "ballad", "Melancholic": "ballad", "Romantic": "ballad", "Energetic": "jig"},
    drums=True,
    drums_off_moods=("Sad", "Calm", "Peaceful", "Melancholic", "Romantic", "Mysterious", "Dark"),
    form="song",
    major=("I IV I V", "I V vi IV", "I IV V I", "I bVII IV I", "vi IV I V"),
    minor=("i bVII i bVII", "i IV i bVII", "i bIII bVII i", "i bVII bVI bVII"),
    arrange=arrange,
    tonics=(7, 2, 9, 0, 4),
    modes=("major", "mixolydian", "dorian", "minor"),
    colour=0.3,
    mood_weight=0.3,
    aliases={"jig": "jig", "reel": "jig", "celtic": "jig", "irish": "jig", "ballad": "ballad", "waltz": "waltz",
             "shanty": "folk"},
)
