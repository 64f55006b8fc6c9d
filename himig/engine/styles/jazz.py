"""Jazz: swing 8ths, ii–V–I with 7ths and 9ths in rootless voicings, walking bass, ride or brushes."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import bass, chords, counter, groove, kit, lead

RIDE = {
    "low": groove(y="x...x.x.x...x.x.", p="....x.......x...", k="o.......o......."),
    "mid": groove(y="x...x.x.x...x.x.", p="....x.......x...", k="o...o...o...o...", s="......o.......o."),
    "high": groove(y="x...x.xxx...x.xx", p="....x.......x...", k="o...o...o...o.o.", s="..o...o.o.o...o."),
}
BRUSHES = {
    "low": groove(s="o.o.x.o.o.o.x.o.", p="....x.......x...", k="o.......o......."),
    "mid": groove(s="o.o.x.o.o.o.x.o.", y="x...x.x.x...x.x.", p="....x.......x..."),
}


def arrange(ctx: Ctx) -> list[Slot]:
    soft = ctx.brief.subgenre in {"ballad", "smooth"} or ctx.brief.mood in {"Calm", "Peaceful", "Sad", "Romantic"}
    mood = ctx.brief.mood
    horn = ("tenor sax" if mood in {"Romantic", "Sad", "Melancholic", "Energetic", "Intense"} else
            "muted trumpet" if mood in {"Mysterious", "Dark"} else
            "vibraphone" if mood in {"Calm", "Peaceful"} else "alto sax")
    comp_patterns = {  # Charleston and its cousins, chosen bar by bar like a pianist would
        "low": "x-------x-------|x-----------x---|x-------------x-",
        "mid": "s.....s.........|..s.....s.......|s.....s.....s...|......s...s.....|s.........s.....",
        "high": "s..s..s...s..s..|s.....s...s.....|..s..s....s..s..|s.....s.....s...",
    }
    return [
        kit(BRUSHES if soft else RIDE, instrument="brushes" if soft else "jazz drums", fill="sparse",
            gain_db=3 if soft else -1,
            reverb=0.18),
        bass("acoustic bass", player=players.walking_bass, low=31, gain_db=-2.0, two_feel=True),
        chords("piano", "piano", comp_patterns, low=50, high=74, voices=4, rootless=True, gain_db=-3, pan=0.2,
               stab=0.9, reverb=0.25),
        lead(horn, low=58 if horn != "vibraphone" else 62, high=79 if horn != "vibraphone" else 84, gain_db=-2,
             reverb=0.3, delay=0.05, legato=0.85 if not soft else 0.95),
        counter("comp_fill", "vibraphone" if horn != "vibraphone" else "jazz guitar", low=60, high=79, gain_db=-10,
                chance=0.3, pan=-0.3, sections=("B", "B'", "bridge")),
    ]


STYLE = Style(
    genre="Jazz",
    tempo={"swing": (120, 180), "ballad": (56, 84), "bebop": (172, 216), "smooth": (86, 112)},
    feels={"swing": "swing", "ballad": "swing", "bebop": "swing", "smooth": "swing"},
    mood_subgenre={"Romantic": "ballad", "Sad": "ballad", "Melancholic": "ballad", "Calm": "smooth",
                   "Peaceful": "smooth", "Mysterious": "smooth"},
    drums=True,
    form="song",
    major=("Imaj7 | vi7 | ii7 | V7", "ii7 | V7 | Imaj7 | Imaj7", "Imaj7 | IV7 | iii7 VI7 | ii7 V7",
           "iii7 | VI7 | ii7 | V7", "Imaj7 vi7 | ii7 V7 | iii7 VI7 | ii7 V7", "IVmaj7 | iv7 bVII7 | iii7 VI7 | ii7 V7"),
    minor=("i7 | iv7 | iiø | V7", "iiø | V7 | i7 | i7", "i7 | bVImaj7 | iiø | V7", "i7 iv7 | bVII7 bIIImaj7 | iiø | V7"),
    arrange=arrange,
    tonics=(5, 10, 3, 0, 7, 8),
    modes=("major", "minor", "dorian"),
    colour=0.0,
    mood_weight=0.0,
    cadence={"major": "ii7 V7", "minor": "iiø V7"},
    final_major="Imaj9",
    final_minor="i9",
    aliases={"bebop": "bebop", "bop": "bebop", "swing": "swing", "smooth": "smooth", "lounge": "smooth",
             "cool": "smooth", "ballad": "ballad"},
)
