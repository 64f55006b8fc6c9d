"""Request + prompt descriptors → the Brief: everything decided before a note is written.

Precedence is always: an explicit request field, then what the prompt says, then
what the context suggests, then the style's and mood's own defaults.
"""

from __future__ import annotations

import dataclasses
import random
import re
from typing import Any

from himig.engine.compose.form import (
    Form,
    SectionPlan,
    beats_per_bar,
    ending_energy,
    fit_tempo,
    plan_sections,
)
from himig.engine.instruments import INSTRUMENTS, canonical_instrument, satisfies
from himig.engine.prompt import Descriptors
from himig.engine.request import GENRES, MOODS, GenerationRequest
from himig.engine.styles import Style, get_style
from himig.engine.styles.moods import MOODS as MOOD_PROFILES
from himig.engine.styles.moods import MoodProfile
from himig.engine.theory import Key

# What a context calls for when the prompt names no genre or mood.
CONTEXT_DEFAULTS: dict[str, tuple[str, str]] = {
    "workout": ("Electronic", "Energetic"),
    "sport": ("Rock", "Energetic"),
    "sports": ("Rock", "Energetic"),
    "party": ("Electronic", "Energetic"),
    "meditation": ("Ambient", "Peaceful"),
    "yoga": ("Ambient", "Peaceful"),
    "spa": ("Ambient", "Peaceful"),
    "sleep": ("Ambient", "Calm"),
    "relax": ("Ambient", "Calm"),
    "study": ("Hip Hop", "Calm"),
    "focus": ("Ambient", "Calm"),
    "cooking": ("Pop", "Happy"),
    "vlog": ("Pop", "Happy"),
    "travel": ("Pop", "Happy"),
    "ad": ("Pop", "Uplifting"),
    "advert": ("Pop", "Uplifting"),
    "corporate": ("Pop", "Uplifting"),
    "presentation": ("Pop", "Uplifting"),
    "podcast": ("Jazz", "Calm"),
    "trailer": ("Cinematic", "Epic"),
    "film": ("Cinematic", "Romantic"),
    "wedding": ("Cinematic", "Romantic"),
    "horror": ("Cinematic", "Dark"),
    "thriller": ("Cinematic", "Intense"),
    "game": ("Electronic", "Energetic"),
    "gaming": ("Electronic", "Energetic"),
    "documentary": ("Cinematic", "Mysterious"),
    "dinner": ("Jazz", "Romantic"),
}
CONTEXT_ENERGY = {"workout": 0.2, "party": 0.15, "sport": 0.15, "sports": 0.15, "game": 0.1,
                  "meditation": -0.25, "sleep": -0.3, "yoga": -0.2, "spa": -0.2, "study": -0.15}
# Contexts in which a beat would be out of place unless asked for.
QUIET_CONTEXTS = {"meditation", "sleep", "yoga", "spa"}

# Subgenre words the composer knows, found in the prompt when the descriptors do not say.
_SUBGENRE_WORDS = (
    "lo-fi", "lofi", "lo fi", "boom bap", "boom-bap", "trap", "drill", "house", "techno", "trance", "dnb",
    "drum and bass", "drum & bass", "downtempo", "chillout", "synthwave", "bebop", "swing", "ballad", "waltz",
    "shuffle", "boogie", "dub", "dancehall", "roots", "jig", "reel", "nocturne", "adagio", "allegro",
    "baroque", "bluegrass", "two-step", "power ballad", "punk", "metal", "smooth", "trailer", "lullaby",
    "march", "slow blues", "dubstep", "edm", "string quartet", "chamber",
)


# Compound meters the prompt may name, all written as 6/8 bars (two dotted-quarter beats of
# three 8ths): a 12/8 bar is two 6/8 bars (the 12-bar blues in 12/8 becomes 24 bars of 6/8,
# its backbeat on the second beat of each), and 9/8 (a slip jig's three beats) is given
# the nearest meter the composer writes, 6/8, since the score has no three-beat compound bar.
COMPOUND_METERS = {(6, 8), (12, 8), (9, 8)}
# The dotted-quarter beats a compound-meter piece is played at: below about 42 the three
# 8ths of a beat drag apart; above a quick jig's 132-140 they run too fast to play or dance.
COMPOUND_SLOWEST, COMPOUND_FASTEST = 42.0, 138.0
# Feels whose 4/4 is already played in triplet 8ths (three to the quarter).
_TRIPLET_FEELS = {"swing", "shuffle"}


def compound_tempo_range(lo: float, hi: float, feel: str = "straight") -> tuple[int, int]:
    """The dotted-quarter tempo range of a style written in 6/8 (or 12/8), from its 4/4 range.

    The 8ths keep the pace they have in the style: a swung or shuffled 4/4 already runs
    three 8ths to the quarter, so its dotted-quarter beat is its usual beat (a 12/8 slow
    blues at 56-78 sways like a slow 4/4 shuffle); a straight style's 8ths run two to the
    quarter, so three of them make a beat 2/3 as fast (a 6/8 pop song at 67-83, a ballad
    at 44-57). The range is then kept within what a compound beat is played at: a fast one
    (swing, bebop, boogie) is scaled down so its top is a quick jig's, a very slow one
    (adagio, drone) moved up so its bottom does not drag.
    """
    if feel not in _TRIPLET_FEELS:
        lo, hi = lo * 2 / 3, hi * 2 / 3
    if hi > COMPOUND_FASTEST:
        lo, hi = lo * COMPOUND_FASTEST / hi, COMPOUND_FASTEST
    if lo < COMPOUND_SLOWEST:
        lo, hi = COMPOUND_SLOWEST, hi + COMPOUND_SLOWEST - lo
    return round(lo), round(hi)


@dataclasses.dataclass
class Brief:
    genre: str
    mood: str
    genre_inferred: bool
    mood_inferred: bool
    subgenre: str
    feel: str  # straight | swing | shuffle | half-time | waltz | compound (6/8)
    tempo_bpm: float
    tempo_explicit: bool
    key: Key
    time_signature: tuple[int, int]
    requested_instruments: list[str]  # canonical names that must play
    excluded_instruments: list[str]
    drums: bool
    energy: float  # 0–1
    context: str | None
    hints: list[str]
    form: Form
    ending: str  # ring | fade
    duration: int
    seed: int
    prompt: str = ""
    unavailable_instruments: list[str] = dataclasses.field(default_factory=list)  # asked for, not in the vocabulary
    modulation: tuple[int, int] | None = None  # (bar, semitones): the key steps up from this bar to the end

    @property
    def style(self) -> Style:
        return get_style(self.genre)

    @property
    def mood_profile(self) -> MoodProfile:
        return MOOD_PROFILES[self.mood]

    @property
    def sections(self) -> tuple[SectionPlan, ...]:
        return self.form.sections

    def to_metadata(self, score: Any) -> dict[str, Any]:
        """What was decided and what is actually playing, for people and the platform."""
        playing = [p for p in score.parts if p.notes]
        instruments: list[str] = []
        for part in playing:
            if part.instrument not in instruments:
                instruments.append(part.instrument)
        sections = [
            {
                "name": s.name,
                "start_s": round(score.seconds(s.start), 3),
                "end_s": round(min(score.duration_s, score.seconds(s.end)), 3),
                "energy": round(s.energy, 3),
            }
            for s in score.sections
        ]
        num, den = score.time_signature
        return {
            "genre": self.genre,
            "mood": self.mood,
            "genre_inferred": self.genre_inferred,
            "mood_inferred": self.mood_inferred,
            "subgenre": self.subgenre,
            "feel": self.feel,
            "tempo_bpm": round(float(score.tempo_bpm), 2),
            "key": score.key,
            "time_signature": f"{num}/{den}",
            "instruments": instruments,
            "drums": any(p.is_drum and p.notes for p in score.parts),
            "energy": round(self.energy, 3),
            "sections": sections,
            "context": self.context,
            "hints": list(self.hints),
            "ending": score.ending,
            "instruments_unavailable": list(self.unavailable_instruments),
            **({"modulation": {
                "at_s": round(score.seconds(self.modulation[0] * beats_per_bar(score.time_signature) * score.ticks_per_beat), 3),
                "semitones": self.modulation[1],
                "to_key": Key((self.key.tonic + self.modulation[1]) % 12, self.key.mode).name,
            }} if self.modulation else {}),
            "parts": [
                {"name": p.name, "instrument": p.instrument, "role": p.role, "notes": len(p.notes)} for p in score.parts
            ],
        }


def make_brief(request: GenerationRequest, descriptors: Descriptors) -> Brief:
    """Decide the music: genre, mood, subgenre and feel, tempo, key, band, form."""
    rng = random.Random(f"brief:{request.seed}:{request.prompt}")
    context = (descriptors.context or "").lower() or None
    genre, genre_inferred = _choose(request.genre, descriptors.genre, descriptors.genre_scores, GENRES, context, 0)
    mood, mood_inferred = _choose(request.mood, descriptors.mood, descriptors.mood_scores, MOODS, context, 1)
    style = get_style(genre)
    profile = MOOD_PROFILES[mood]
    prompt = request.prompt.lower()

    subgenre = _subgenre(style, descriptors, prompt, mood)
    if descriptors.tempo_word == "slow" and subgenre == next(iter(style.tempo)):
        slow = style.mood_subgenre.get("Sad")
        if slow and slow in style.tempo:
            subgenre = slow
    feel = style.feels.get(subgenre, "straight")
    time_signature = (4, 4)
    if descriptors.time_signature == (3, 4) or subgenre in style.waltz_subgenres:
        time_signature, feel = (3, 4), "waltz"
    elif descriptors.time_signature in COMPOUND_METERS or (subgenre == "jig" and descriptors.time_signature != (4, 4)):
        # two dotted-quarter beats a bar, each of three 8ths; the tempo counts the dotted quarters
        # (12/8 is written as pairs of 6/8 bars, 9/8 as 6/8: see COMPOUND_METERS)
        time_signature, feel = (6, 8), "compound"
    beats = beats_per_bar(time_signature)

    energy = descriptors.energy if descriptors.energy is not None else profile.energy
    energy += CONTEXT_ENERGY.get(context or "", 0.0)
    if descriptors.tempo_word == "fast":
        energy += 0.1
    elif descriptors.tempo_word == "slow":
        energy -= 0.1
    energy = min(1.0, max(0.0, energy))

    lo, hi = style.tempo[subgenre]
    if time_signature == (6, 8) and subgenre != "jig":  # a jig's range is already its dotted-quarter beat
        lo, hi = compound_tempo_range(lo, hi, feel=style.feels.get(subgenre, "straight"))
    explicit_tempo = request.tempo_bpm or descriptors.tempo_bpm
    if explicit_tempo:
        target = float(explicit_tempo)
    else:
        # The mood moves the tempo inside the style's range rather than out of it.
        position = 0.5 + (profile.tempo_factor - 1.0) * 2.5 + (energy - profile.energy) * 0.4
        position += {"slow": -0.3, "fast": 0.3}.get(descriptors.tempo_word or "", 0.0)
        position += rng.uniform(-0.08, 0.08)
        position = min(0.95, max(0.05, position))
        target = lo + (hi - lo) * position
    hints = list(dict.fromkeys(descriptors.hints))
    # A loop has no ring-out: its last bar leads straight back into the first.
    bpm, body_bars, hold = fit_tempo(
        float(request.duration), target, lo, hi, beats, explicit=bool(explicit_tempo), loop="loopable" in hints,
    )

    form_kind = style.sub_forms.get(subgenre, style.form)
    if "drop" in hints and form_kind == "song":
        form_kind = "edm"
    unit = style.phrase_unit * (2 if time_signature == (6, 8) else 1)  # a 6/8 bar is half a 4/4 bar
    sections = plan_sections(
        form_kind, float(request.duration), body_bars, energy, unit=unit, slow_build="slow_build" in hints
    )
    if "loopable" in hints and len(sections) > 1 and sections[0].name == "intro" and sections[1].name == "A":
        # a loop comes back to its first bar from a full band: no sparse intro to fall into
        first = sections[1]
        sections = (dataclasses.replace(first, start_bar=0, bars=first.bars + sections[0].bars), *sections[2:])
    form = Form(bpm, beats, body_bars, hold, sections)

    key = request.key or descriptors.key or _choose_key(style, profile, rng)

    requested: list[str] = []
    unavailable: list[str] = []
    for word in list(request.instruments) + list(descriptors.instruments):
        name = canonical_instrument(word)
        if name and name not in requested:
            requested.append(name)
        elif name is None and word not in unavailable:
            unavailable.append(word)
    excluded = [n for n in (canonical_instrument(w) for w in descriptors.excluded_instruments) if n]
    requested = [r for r in requested if r not in excluded]

    drums = _decide_drums(style, mood, context, descriptors, requested, excluded)
    if not drums:
        requested = [r for r in requested if not INSTRUMENTS[r].is_drum]
    ending = style.ending
    if "fade_out" in hints:
        ending = "fade"
    if subgenre in {"lofi"}:
        ending = "fade"
    if "loopable" in hints:
        ending = "loop"
    modulation = None if genre == "Blues" else _modulation(mood, request.duration, sections, ending)
    return Brief(
        genre=genre,
        mood=mood,
        genre_inferred=genre_inferred,
        mood_inferred=mood_inferred,
        subgenre=subgenre,
        feel=feel,
        tempo_bpm=bpm,
        tempo_explicit=bool(explicit_tempo),
        key=key,
        time_signature=time_signature,
        requested_instruments=requested,
        excluded_instruments=excluded,
        drums=drums,
        energy=energy,
        context=context,
        hints=hints,
        form=form,
        ending=ending,
        duration=request.duration,
        seed=request.seed,
        prompt=request.prompt,
        unavailable_instruments=unavailable,
        modulation=modulation,
    )


# Sections that carry a track's chorus or peak.
_PEAKS = ("B", "B'", "climax", "drop")


def _modulation(mood: str, duration: int, sections: tuple[SectionPlan, ...], ending: str) -> tuple[int, int] | None:
    """Uplifting long tracks lift the last return of the chorus (or climax, or drop) a
    whole step — the pop "key change up" — or, in a shorter form, the final return of A.
    A loop must come back to its own key; a 12-bar blues keeps its form (not asked here)."""
    if mood != "Uplifting" or duration < 60 or ending == "loop":
        return None
    candidates = [s for s in sections if s.name in _PEAKS or s.name == "A'"]
    if len(candidates) < 2 or candidates[-1].start_bar < 4 or not any(s.name in _PEAKS for s in candidates[:-1]):
        return None
    return candidates[-1].start_bar, 2


def _choose(
    explicit: str | None,
    said: str | None,
    scores: dict[str, float],
    names: tuple[str, ...],
    context: str | None,
    which: int,
) -> tuple[str, bool]:
    if explicit:
        return explicit, False
    if said in names:
        return said, True
    suggested = CONTEXT_DEFAULTS.get(context or "", (None, None))[which]
    if scores:
        # The context nudges a weak embedding guess towards what such scenes usually use.
        ranked = {name: scores.get(name, 0.0) + (0.12 if name == suggested else 0.0) for name in names}
        return max(names, key=lambda n: (ranked[n], -names.index(n))), True
    if suggested:
        return suggested, True
    return ("Pop", "Happy")[which], True


def _subgenre(style: Style, descriptors: Descriptors, prompt: str, mood: str) -> str:
    candidates = [descriptors.subgenre] if descriptors.subgenre else []
    candidates += [w for w in _SUBGENRE_WORDS if re.search(rf"\b{re.escape(w)}\b", prompt)]
    for word in candidates:
        found = style.subgenre_for(word)
        if found:
            return found
    return style.mood_subgenre.get(mood, next(iter(style.tempo)))


def _choose_key(style: Style, profile: MoodProfile, rng: random.Random) -> Key:
    modes = [(m, w) for m, w in profile.modes if m in style.modes] or [(style.modes[0], 1.0)]
    if profile.name in {"Calm", "Peaceful", "Romantic"} and rng.random() < style.minor_lean:
        # lo-fi, downtempo and dub are minor-key worlds even when the mood is gentle
        modes = [(m, 1.0) for m in ("dorian", "minor") if m in style.modes] or modes
    mode = rng.choices([m for m, _ in modes], weights=[w for _, w in modes])[0]
    tonic = rng.choice(style.tonics)
    return Key(tonic, mode)


def _decide_drums(
    style: Style, mood: str, context: str | None, d: Descriptors, requested: list[str], excluded: list[str]
) -> bool:
    if d.drums is False or any(e in {"drums", "percussion"} for e in excluded):
        return False
    if d.drums is True or any(INSTRUMENTS[r].is_drum or INSTRUMENTS[r].family == "drums" for r in requested):
        return True
    if context in QUIET_CONTEXTS:
        return False
    return style.drums and mood not in style.drums_off_moods


def requested_missing(brief: Brief, playing: list[str]) -> list[str]:
    """Requested instruments that no playing part honours."""
    return [r for r in brief.requested_instruments if not any(satisfies(r, p) for p in playing)]


def ending_section_energy(brief: Brief) -> float:
    return ending_energy(brief.energy)
