"""Hip hop: boom-bap swung 16ths, lo-fi dusty EP loops, trap half-time with hat rolls and gliding 808s."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import bass, chords, counter, groove, kit, lead, pad

BOOM_BAP = {
    "low": groove(k="x.........x.....", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.....x..x......", s="....x..o....x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.....x..x...x..", s="....X..o.o..X..o", h="x.xxx.x.x.xxx.x.", o="..............x."),
}
LOFI = {
    "low": groove(k="x.........x.....", r="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x......x..x.....", s="....x.......x..o", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x......x..x..x..", s="....x..o....x..o", h="xxx.x.xxx.x.x.xx"),
}
TRAP = {
    # felt half-time: the snare (and clap) land on beat 3 of each bar
    "low": groove(k="x.........x.....", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.....x...x.....", s="........x.......", c="........x.......", h="x.x.x.x.x.xrx.x.", o="..............x."),
    "high": groove(k="x.....x.x.x...x.", s="........x.......", c="........x.......", h="xxxxxxrxxxxtxxrx", o="......x........."),
}


def arrange(ctx: Ctx) -> list[Slot]:
    sub = ctx.brief.subgenre
    mood = ctx.brief.mood
    if sub == "trap":
        return [
            kit(TRAP, instrument="808 drums", fill="hats", gain_db=-2, reverb=0.06, roll_chance=0.6),
            bass("808", player=players.bass_808, low=26, gain_db=0.0),
            pad("pad", "synth pad", low=52, high=72, gain_db=-12, reverb=0.5),
            lead("bells" if mood in {"Dark", "Mysterious", "Intense"} else "pluck" if mood in {"Happy", "Energetic"} else "flute",
                 low=67, high=88, gain_db=-7, reverb=0.35, delay=0.2, grid=4, density=0.55),
            chords("keys", "piano", {"low": "x---------------", "mid": "x-------x-------"}, low=55, high=74, voices=3,
                   gain_db=-11, reverb=0.4, min_energy=0.6),
        ]
    lofi = sub == "lofi"
    keys = "electric piano"
    lead_instrument = ("vibraphone" if mood in {"Calm", "Peaceful", "Romantic"} else
                       "muted trumpet" if mood in {"Mysterious", "Dark", "Sad"} else "flute" if lofi else "alto sax")
    slots = [
        kit(LOFI if lofi else BOOM_BAP, instrument="room drums" if not lofi else "drums", fill="sparse", gain_db=-2,
            reverb=0.1),
        bass("acoustic bass" if lofi else "electric bass",
             {"low": "R-------R-------", "mid": "R-----R..R------", "high": "R-----R..R---F-."}, low=28, gain_db=-4,
             staccato=0.85),
        chords("keys", keys, {"low": "x-------x-------", "mid": "x-----x---x-----", "high": "x-----x-.-x---x-"},
               low=52, high=74, voices=4, gain_db=-5, stab=0.8, reverb=0.3, pan=0.1),
        lead(lead_instrument, low=62, high=81, gain_db=-9, reverb=0.3, delay=0.15, density=0.35,
             sections=("A", "B", "A'", "B'", "outro")),
    ]
    if lofi:
        slots.append(pad("vinyl_pad", "warm pad", low=55, high=76, gain_db=-19, reverb=0.5))
    else:
        slots.append(counter("sample", "vibraphone", low=64, high=84, gain_db=-10, chance=0.35))
    return slots


STYLE = Style(
    genre="Hip Hop",
    tempo={"boom bap": (84, 96), "lofi": (70, 88), "trap": (132, 156)},
    feels={"boom bap": "swing16", "lofi": "swing16", "trap": "half-time"},
    mood_subgenre={"Calm": "lofi", "Peaceful": "lofi", "Sad": "lofi", "Melancholic": "lofi", "Romantic": "lofi",
                   "Intense": "trap", "Dark": "trap", "Energetic": "trap", "Epic": "trap"},
    drums=True,
    form="song",
    major=("ii7 V7 Imaj7 vi7", "Imaj7 vi7 ii7 V7", "IVmaj7 iii7 ii7 Imaj7", "Imaj7 IVmaj7"),
    minor=("i7 iv7", "i7 bVImaj7 bIIImaj7 bVII7", "iv7 bVII7 bIIImaj7 bVImaj7", "i7 i7 iv7 v7", "i9 iv9 bVImaj7 V7"),
    arrange=arrange,
    modes=("minor", "dorian", "phrygian", "major"),
    colour=1.4,
    minor_lean=0.6,
    mood_weight=0.25,
    aliases={"boom bap": "boom bap", "boom-bap": "boom bap", "boombap": "boom bap", "lo-fi": "lofi", "lofi": "lofi",
             "lo fi": "lofi", "chillhop": "lofi", "trap": "trap", "drill": "trap"},
)
