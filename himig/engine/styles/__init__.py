"""The twelve genres: what each sounds like, as data plus a small arrangement hook.

Each module here defines one :class:`Style`: tempo ranges per subgenre, feel, form,
harmonic vocabulary and an ``arrange`` function that picks the band (drums, bass,
harmony, melody … with their players and mix). The shared machinery that turns
those choices into notes lives in :mod:`himig.engine.compose`.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from himig.engine.compose.context import Ctx, Slot


@dataclasses.dataclass(frozen=True)
class Style:
    genre: str
    tempo: dict[str, tuple[int, int]]  # subgenre → BPM range; the first is the default
    feels: dict[str, str]  # subgenre → straight | swing | shuffle | half-time | waltz
    mood_subgenre: dict[str, str]  # mood → subgenre when the prompt names none
    drums: bool  # a drum kit by default
    form: str  # song | edm | arc | ambient (see compose.form)
    major: tuple[str, ...]  # loops of Roman numerals for major keys
    minor: tuple[str, ...]  # … for minor and modal keys
    arrange: Callable[[Ctx], list[Slot]]
    ending: str = "ring"  # ring | fade
    chords_per_bar: float = 1.0  # harmonic rhythm (0.5 = a chord every two bars)
    phrase_unit: int = 4  # bars per phrase when the form is split
    tonics: tuple[int, ...] = (0, 2, 4, 5, 7, 9, 10)  # comfortable keys (pitch classes)
    modes: tuple[str, ...] = ("major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "harmonic minor")
    mood_weight: float = 0.5  # how much the mood's progressions compete with the style's own
    harmony: Callable[..., list[tuple[str, float]]] | None = None  # a custom harmony planner (jazz, blues, classical)
    drums_off_moods: tuple[str, ...] = ()  # moods for which this style plays without a kit
    waltz_subgenres: tuple[str, ...] = ("waltz",)
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)  # prompt word → subgenre
    sub_forms: dict[str, str] = dataclasses.field(default_factory=dict)  # subgenre → form kind
    minor_lean: float = 0.0  # chance a calm major-leaning mood still gets the style's minor/dorian sound
    colour: float = 1.0  # how readily chords gain 7ths/9ths/sus (times the mood's tension)
    cadence: dict[str, str] | None = None  # "major"/"minor" → the last bar before the final chord
    final_major: str = "I"  # the final chord in major keys
    final_minor: str = "i"

    def __post_init__(self) -> None:
        # The band as arranged is kept in the composing context: the final chord's players
        # need to know who else rings it out (compose.players.ring_length).
        inner = self.arrange

        def arrange(ctx: Ctx) -> list[Slot]:
            slots = inner(ctx)
            ctx.shared["arranged"] = slots
            return slots

        object.__setattr__(self, "arrange", arrange)

    def subgenre_for(self, word: str | None) -> str | None:
        if not word:
            return None
        word = word.lower().strip()
        if word in self.tempo:
            return word
        return self.aliases.get(word)


_MODULES = {
    "Pop": "pop", "Rock": "rock", "Jazz": "jazz", "Classical": "classical", "Electronic": "electronic",
    "Hip Hop": "hiphop", "Country": "country", "Blues": "blues", "Reggae": "reggae", "Folk": "folk",
    "Ambient": "ambient", "Cinematic": "cinematic",
}


def get_style(genre: str) -> Style:
    module = importlib.import_module(f"himig.engine.styles.{_MODULES[genre]}")
    style: Style = module.STYLE
    return style
