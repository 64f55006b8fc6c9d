"""Cinematic: string ostinati, low pedals, horns and choir joining as one long crescendo
reaches the climax (taiko and timpani there), then a release."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.styles import Style
from himig.engine.styles.parts import arp, bass, groove, kit, lead, pad

PERCUSSION = {
    "mid": groove(k="x.......x.......", l="..............x."),
    "high": groove(k="x..x..x.x..x..x.", s="....x.......x...", l="..x...x...x.xxxx"),
}


def arrange(ctx: Ctx) -> list[Slot]:
    mood = ctx.brief.mood
    tender = mood in {"Romantic", "Sad", "Calm", "Peaceful", "Melancholic", "Happy"}
    tense = mood in {"Intense", "Dark", "Mysterious"}
    slots: list[Slot] = [
        bass("contrabass", {"low": "R---------------", "mid": "R-------R-------", "high": "R-R-R-R-R-R-R-R-"}, low=28,
             gain_db=-3),
        pad("strings", "strings", low=48, high=76, voices=4, gain_db=-5, reverb=0.55),
    ]
    if not tender:
        slots.append(arp("ostinato", "strings", (0, 0, 1, 0, 2, 0, 1, 0) if tense else (0, 1, 2, 1), 4 if tense else 2,
                         low=48, high=67, voices=3, gain_db=-3, reverb=0.4, legato=0.5, pan=-0.2, role="harmony",
                         program=48))
        slots.append(pad("brass", "brass", low=45, high=67, voices=3, gain_db=-8, min_energy=0.55, reverb=0.45))
        slots.append(lead("french horn", low=53, high=74, gain_db=2, reverb=0.45, delay=0.0, legato=0.95,
                          sections=("A", "B", "A'", "build", "climax", "B'", "outro")))
        slots.append(pad("choir", "choir", low=55, high=76, voices=3, gain_db=-10, min_energy=0.8, reverb=0.6))
        slots.append(kit(PERCUSSION, instrument="orchestral percussion", fill="toms", min_energy=0.55, gain_db=-7,
                         reverb=0.35))
        slots.append(Slot("taiko", "fx", "taiko", players.hits,
                          {"patterns": {"mid": "x.......x.......", "high": "x..x..x.x..x..x."}},
                          min_energy=0.65, low=36, high=52, gain_db=-5, reverb=0.4))
        slots.append(Slot("timpani", "fx", "timpani", players.hits,
                          {"patterns": {"mid": "x...............", "high": "x.......x...x.xX"}},
                          min_energy=0.7, low=38, high=55, gain_db=-5, reverb=0.45))
    else:
        slots.append(arp("piano", "piano", (0, 1, 2, 3, 2, 1), 2, low=50, high=76, voices=4, gain_db=-5, reverb=0.45,
                         role="harmony", legato=1.5))
        slots.append(lead("violin" if mood != "Peaceful" else "flute", low=64, high=86, gain_db=-3, reverb=0.5,
                          delay=0.0, legato=1.0))
        slots.append(pad("horns", "french horn", low=48, high=65, voices=3, gain_db=-11, min_energy=0.7, reverb=0.5))
    return slots


STYLE = Style(
    genre="Cinematic",
    tempo={"score": (64, 92), "trailer": (96, 128), "suspense": (84, 112)},
    feels={"score": "straight", "trailer": "straight", "suspense": "straight"},
    mood_subgenre={"Epic": "trailer", "Energetic": "trailer", "Uplifting": "trailer", "Intense": "suspense",
                   "Dark": "suspense", "Mysterious": "suspense", "Romantic": "score", "Sad": "score",
                   "Calm": "score", "Peaceful": "score", "Melancholic": "score", "Happy": "score"},
    drums=True,
    drums_off_moods=("Romantic", "Sad", "Calm", "Peaceful", "Melancholic", "Happy", "Mysterious"),
    form="arc",
    major=("I V vi IV", "IV I V vi", "I iii IV iv", "vi IV I V"),
    minor=("i bVI bIII bVII", "i bVI bVII i", "i iv bVI bVII", "bVI bVII i i"),
    arrange=arrange,
    modes=("minor", "major", "dorian", "harmonic minor", "lydian"),
    colour=0.4,
    mood_weight=0.4,
    aliases={"trailer": "trailer", "suspense": "suspense", "thriller": "suspense", "score": "score",
             "underscore": "suspense", "film": "score"},
)
