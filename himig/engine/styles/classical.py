"""Classical: functional harmony in 4-bar antecedent/consequent phrases with cadences,
voice-led strings or solo piano (Alberti bass when lively), no drum kit."""

from __future__ import annotations

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot
from himig.engine.compose.form import SectionPlan
from himig.engine.styles import Style
from himig.engine.styles.parts import arp, bass, chords, lead, pad

ANTECEDENT = {
    "major": ("I | IV | V | V", "I | vi | ii | V", "I IV | I V | vi ii | V", "I | V | vi | iii IV"),
    "minor": ("i | iv | V | V", "i | bVI | iiø | V", "i iv | i V | bVI iv | V", "i | v | bVI | iv V"),
}
CONSEQUENT = {
    "major": ("I | IV | V7 | I", "vi | ii | V7 | I", "I | ii V | V7 | I", "IV | I | ii V7 | I"),
    "minor": ("i | iv | V7 | i", "bVI | iv | V7 | i", "i | iiø | V7 | i", "iv | i | iiø V7 | i"),
}
SEQUENCE = {  # the contrasting section walks the circle of fifths
    "major": ("vi | ii | V | I", "iii | vi | ii | V", "IV | viio | iii | vi", "I | V7/IV | IV | V"),
    "minor": ("iv | bVII | bIII | bVI", "iiø | V7 | i | V", "bVI | iv | V | V"),
}


def functional(ctx: Ctx, index: int, section: SectionPlan) -> list[tuple[str, float]]:
    family = "minor" if ctx.key.is_minor else "major"
    store: dict[str, list[str]] = ctx.shared.setdefault("classical", {})
    kind = "B" if section.name in {"B", "B'", "bridge", "climax"} else "A"
    if kind not in store:
        if kind == "B":
            pool = [s for s in SEQUENCE[family] if "/" not in s]
            store[kind] = [ctx.rng.choice(pool), ctx.rng.choice(CONSEQUENT[family])]
        else:
            store[kind] = [ctx.rng.choice(ANTECEDENT[family]), ctx.rng.choice(CONSEQUENT[family])]
    out: list[tuple[str, float]] = []
    phrase = 0
    while len([1 for _ in out]) == 0 or sum(length for _, length in out) < section.bars - 1e-6:
        text = store[kind][phrase % 2]
        for bar in text.split("|"):
            chords_in_bar = bar.split()
            for numeral in chords_in_bar:
                out.append((numeral, 1.0 / len(chords_in_bar)))
        phrase += 1
    trimmed: list[tuple[str, float]] = []
    total = 0.0
    for numeral, length in out:
        if total >= section.bars - 1e-6:
            break
        trimmed.append((numeral, min(length, section.bars - total)))
        total += length
    if index == 0 and section.bars <= 2:
        return [("I" if family == "major" else "i", float(section.bars))]
    return trimmed


def arrange(ctx: Ctx) -> list[Slot]:
    mood = ctx.brief.mood
    lively = ctx.brief.subgenre == "allegro"
    prompt = ctx.brief.prompt.lower()
    wants_strings = any(r in {"strings", "violin", "viola", "cello", "contrabass"} for r in ctx.brief.requested_instruments) \
        or "quartet" in prompt or "orchestra" in prompt
    wants_piano = "piano" in ctx.brief.requested_instruments
    solo_piano = wants_piano and not wants_strings or (
        not wants_strings and mood in {"Peaceful", "Calm", "Romantic", "Melancholic"} and not lively)
    six = ctx.brief.time_signature == (6, 8)
    if solo_piano:
        order = (0, 2, 1, 2) if lively else (0, 1, 2, 3, 2, 1)
        rate = 4 if lively else 2
        if six:
            # 6/8 figures, one per dotted-quarter beat: a lively left hand rocks bass–chord–chord
            # (a gigue); a slow one rolls up and back over the bar (a barcarolle)
            order, rate = ((0, 2, 3, 0, 2, 3), 3) if lively else ((0, 2, 3, 1, 3, 2), 3)
        return [
            arp("left_hand", "piano", order, rate, low=40, high=62, voices=3 if lively and not six else 4,
                gain_db=-5, reverb=0.35, legato=1.6 if not lively else 1.0, role="harmony", root_bass=six),
            lead("piano", low=62, high=86, gain_db=-1, reverb=0.35, delay=0.0, name="right_hand",
                 sections=None, legato=0.95),
        ]
    # in 6/8 the strings lilt like a siciliano: long–short (quarter, 8th) on every beat
    cello = {"low": "R-----", "mid": "R--R-F", "high": "R-FR-F"} if six else \
        {"low": "R-------R-------", "mid": "R---R---R---R---", "high": "R-R-R-R-R-R-R-R-"}
    slots = [
        bass("cello", cello, low=36, gain_db=-3, sections=None),
        lead("violin", low=64, high=88, gain_db=-2, reverb=0.35, delay=0.0, sections=None, legato=0.92,
             grid=4 if lively else 2, density=0.5 if lively else None),
    ]
    if lively:
        viola = ((0, 1, 2, 0, 1, 2), 3) if six else ((0, 2, 1, 2), 4)
        slots.append(arp("viola", "viola", viola[0], viola[1], low=50, high=69, voices=3, gain_db=-4, reverb=0.3,
                         pan=0.3, role="harmony", legato=0.8))
        slots.append(chords("violin2", "violin", {"low": "x-----", "mid": "x-xx-x"} if six else
                            {"low": "x-------x-------", "mid": "x---x---x---x---"}, low=60, high=76,
                            voices=2, gain_db=-13, pan=-0.3, reverb=0.3))
    elif six:
        slots.append(chords("section", "strings", {"low": "x-----", "mid": "x-xx-x", "high": "x-xx-x"}, low=50,
                            high=72, voices=3, gain_db=-8, reverb=0.45, role="pad"))
    else:
        slots.append(pad("section", "strings", low=50, high=72, voices=3, gain_db=-7, reverb=0.45))
    if mood in {"Epic", "Intense"} or "orchestra" in prompt:
        slots.append(pad("horns", "french horn", low=48, high=67, voices=3, gain_db=-9, min_energy=0.65, reverb=0.4))
        slots.append(Slot("timpani", "fx", "timpani", players.hits,
                          {"patterns": {"high": "x...........x.x.", "mid": "x..............."}},
                          min_energy=0.8, low=36, high=55, gain_db=-6, reverb=0.4))
    return slots


STYLE = Style(
    genre="Classical",
    tempo={"allegro": (104, 138), "andante": (72, 96), "adagio": (50, 66), "nocturne": (56, 74)},
    feels={"allegro": "straight", "andante": "straight", "adagio": "straight", "nocturne": "straight"},
    mood_subgenre={"Happy": "allegro", "Energetic": "allegro", "Uplifting": "allegro", "Intense": "allegro",
                   "Epic": "allegro", "Sad": "adagio", "Melancholic": "adagio", "Peaceful": "nocturne",
                   "Calm": "andante", "Romantic": "andante", "Mysterious": "andante", "Dark": "andante"},
    drums=False,
    form="song",
    major=(),
    minor=(),
    arrange=arrange,
    harmony=functional,
    modes=("major", "minor", "harmonic minor"),
    colour=0.0,
    cadence={"major": "ii V7", "minor": "iv V7"},
    aliases={"baroque": "allegro", "allegro": "allegro", "adagio": "adagio", "nocturne": "nocturne",
             "lullaby": "nocturne", "andante": "andante", "string quartet": "allegro", "chamber": "andante",
             "march": "allegro", "waltz": "andante"},
)
