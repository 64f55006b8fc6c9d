"""Electronic: four-on-the-floor (or DnB breaks, downtempo, synthwave), sidechained bass and
chords, builds with a riser and snare roll, drops with an impact."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import arp, bass, chords, groove, kit, lead, pad

HOUSE = {
    "low": groove(k="x...x...x...x...", h="..x...x...x...x."),
    "mid": groove(k="x...x...x...x...", c="....x.......x...", h="..x...x...x...x.", t="xxxxxxxxxxxxxxxx"),
    "high": groove(k="x...x...x...x...", c="....x.......x...", o="..x...x...x...x.", h="xxxxxxxxxxxxxxxx"),
}
TECHNO = {
    "low": groove(k="x...x...x...x...", h="..x...x...x...x."),
    "mid": groove(k="x...x...x...x...", h="xxxxxxxxxxxxxxxx", o="..x...x...x...x.", c="....x.......x..."),
    "high": groove(k="x...x...x...x...", s="....x.......x..o", h="xxxxxxxxxxxxxxxx", o="..x...x...x...x."),
}
DNB = {
    "low": groove(k="x.........x.....", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.........x.....", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.........xx....", s="....x..o.o..x...", h="xxxxxxxxxxxxxxxx"),
}
DOWNTEMPO = {
    "low": groove(k="x.........x.....", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x.....x...x.....", s="....x.......x...", h="x.x.x.x.x.x.x.x."),
    "high": groove(k="x.....x...x..x..", s="....x.......x...", h="xxxxxxxxxxxxxxxx", o="..............x."),
}
SYNTHWAVE = {
    "low": groove(k="x.......x.......", h="x.x.x.x.x.x.x.x."),
    "mid": groove(k="x...x...x...x...", s="....x.......x...", h="xxxxxxxxxxxxxxxx"),
    "high": groove(k="x...x...x...x...", s="....X.......X...", h="xxxxxxxxxxxxxxxx", o="..x...x...x...x."),
}
KITS = {"house": HOUSE, "techno": TECHNO, "trance": TECHNO, "dnb": DNB, "downtempo": DOWNTEMPO, "synthwave": SYNTHWAVE}
BASS = {
    "house": {"low": "R-------R-------", "mid": "..R-..R-..R-..R-", "high": "..R-..RO..R-..RO"},
    "techno": {"low": "R---------------", "mid": "..RR..RR..RR..RR", "high": ".RRR.RRR.RRR.RRR"},
    "trance": {"low": "R---------------", "mid": "..R-..R-..R-..R-", "high": ".RRR.RRR.RRR.RRR"},
    "dnb": {"low": "R---------------", "mid": "R-------..R-----", "high": "R-----R-..R---F-"},
    "downtempo": {"low": "R---------------", "mid": "R-----R---R-----", "high": "R-----R-R-R---F-"},
    "synthwave": {"low": "R-------R-------", "mid": "R-R-R-R-R-R-R-R-", "high": "RRRRRRRRRRRRRRRR"},
}


def arrange(ctx: Ctx) -> list[Slot]:
    sub = ctx.brief.subgenre
    chill = sub == "downtempo"
    pump = 0.0 if chill else 0.55
    drop_parts: tuple[str, ...] = ("drop", "B", "B'", "climax")
    # A song-form track (synthwave, downtempo) has no drop to wait for: its tune and its
    # chords are the verse's too (a 30 s synthwave track had no melody at all before its
    # final note, and no chords)
    song = not any(s.name in {"drop", "build"} for s in ctx.sections)
    tune_parts = drop_parts + ("A'",) + (("A", "bridge", "outro") if song else ())
    if song:
        drop_parts += ("A", "A'", "bridge", "outro")
    slots = [
        kit(KITS.get(sub, HOUSE), instrument="electronic drums", fill="snare", gain_db=-1, reverb=0.08,
            build_roll=True, sections=("intro", "A", "B", "A'", "build", "drop", "B'", "outro", "bridge", "climax")),
        bass("acid bass" if sub == "techno" and ctx.brief.mood in {"Dark", "Intense"} else
             "synth bass" if sub == "synthwave" else "sub bass", BASS.get(sub, BASS["house"]), low=28, gain_db=-1,
             sidechain=pump, synth=None if sub == "synthwave" else None),
        pad("pad", "synth pad", low=50, high=74, gain_db=-8, sidechain=pump * 0.8, reverb=0.5,
            sections=("intro", "A", "breakdown", "build", "bridge", "outro", "A'")),
    ]
    if chill:
        slots.append(chords("keys", "electric piano", {"low": "x-------x-------", "mid": "x-----x---x-----"}, low=52,
                            high=74, gain_db=-6, reverb=0.35, stab=0.7))
        slots.append(lead("pluck", low=62, high=84, gain_db=-6, delay=0.3, reverb=0.4, grid=2))
    else:
        slots.append(chords("chords", "supersaw", {"low": "x-------x-------", "mid": "..x-..x-..x-..x-", "high": "x-.x-.x-x-.x-.x-"},
                            low=52, high=76, gain_db=-3, sidechain=pump, reverb=0.3, sections=drop_parts, stab=0.7))
        slots.append(arp("arp", "arpeggiator", (0, 1, 2, 3, 2, 1), 4, low=60, high=84, gain_db=-7, delay=0.25,
                         sections=("A", "build", "breakdown", "A'", "bridge", "drop"), sidechain=pump * 0.6))
        slots.append(lead("synth lead", low=64, high=86, gain_db=0, delay=0.2, reverb=0.25, grid=4,
                          density=0.75, sections=tune_parts))
        slots.append(Slot("riser", "fx", "riser", players.riser, gain_db=-6, reverb=0.4, plays_final=False))
        slots.append(Slot("impact", "fx", "impact", players.impact, gain_db=-4, reverb=0.5, plays_final=False))
    return slots


STYLE = Style(
    genre="Electronic",
    tempo={"house": (120, 128), "techno": (126, 134), "trance": (132, 140), "dnb": (168, 176),
           "downtempo": (84, 100), "synthwave": (88, 112)},
    feels={"house": "straight", "techno": "straight", "trance": "straight", "dnb": "straight",
           "downtempo": "swing16", "synthwave": "straight"},
    mood_subgenre={"Calm": "downtempo", "Peaceful": "downtempo", "Sad": "downtempo", "Melancholic": "downtempo",
                   "Romantic": "downtempo", "Dark": "synthwave", "Mysterious": "synthwave", "Intense": "techno"},
    drums=True,
    form="edm",
    major=("vi IV I V", "I V vi IV", "IV V vi I", "I iii vi IV"),
    minor=("i bVI bIII bVII", "i iv bVI bVII", "i bVII bVI bVII", "i bVI iv bVII", "i bIII bVII iv"),
    arrange=arrange,
    modes=("minor", "major", "dorian", "phrygian"),
    colour=0.4,
    minor_lean=0.6,
    mood_weight=0.3,
    sub_forms={"downtempo": "song", "synthwave": "song"},
    aliases={"edm": "house", "dance": "house", "club": "house", "house": "house", "techno": "techno",
             "trance": "trance", "dnb": "dnb", "drum and bass": "dnb", "drum & bass": "dnb", "jungle": "dnb",
             "downtempo": "downtempo", "chillout": "downtempo", "chill": "downtempo", "lofi": "downtempo",
             "lo-fi": "downtempo", "synthwave": "synthwave", "retrowave": "synthwave", "dubstep": "techno"},
)
