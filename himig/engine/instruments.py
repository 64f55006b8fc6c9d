"""The engine's plain instrument vocabulary.

One canonical name per sound people ask for ("piano", "808", "distortion guitar"),
with what plays it: a General MIDI program on the SoundFont, the SoundFont drum kit,
or one of the renderer's DSP voices. Prompt parsing, the Brief and the composer all
speak these names, so "keys", "Rhodes" and "electric piano" end up as one thing.
"""

from __future__ import annotations

import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class InstrumentSpec:
    name: str  # canonical plain name, shown to people
    program: int  # General MIDI program (0-based); the drum kit number for drum kits
    family: str  # keys | guitar | bass | strings | brass | reeds | pipes | synth | pad | voice | mallets | plucked | drums | percussion | fx
    is_drum: bool = False  # played as GM drum keys on a kit (bank 128 or the electronic kit)
    synth: str | None = None  # the DSP voice that plays it; None = the SoundFont
    low: int = 36  # comfortable written range (MIDI), used when the composer places parts
    high: int = 96
    generic: bool = False  # a family word ("guitar", "strings") any member of the family satisfies
    # (bank, program) of a truer sound in a GS SoundFont's variation banks (GeneralUser
    # GS's mandolin, Hawaiian steel guitar…); a SoundFont without it plays ``program``.
    variation: tuple[int, int] | None = None


def _spec(
    name: str,
    program: int,
    family: str,
    low: int = 36,
    high: int = 96,
    *,
    is_drum: bool = False,
    synth: str | None = None,
    generic: bool = False,
    variation: tuple[int, int] | None = None,
) -> InstrumentSpec:
    return InstrumentSpec(name, program, family, is_drum, synth, low, high, generic, variation)


_SPECS: tuple[InstrumentSpec, ...] = (
    # keys
    _spec("piano", 0, "keys", 21, 108),
    _spec("bright piano", 1, "keys", 21, 108),
    _spec("electric piano", 4, "keys", 28, 103),
    _spec("harpsichord", 6, "keys", 29, 89),
    _spec("clavinet", 7, "keys", 29, 96),
    _spec("organ", 16, "keys", 36, 96),
    _spec("rock organ", 18, "keys", 36, 96),
    _spec("church organ", 19, "keys", 24, 96),
    _spec("accordion", 21, "keys", 41, 89),
    # mallets and bells
    _spec("celesta", 8, "mallets", 60, 108),
    _spec("glockenspiel", 9, "mallets", 72, 108),
    _spec("music box", 10, "mallets", 60, 100),
    _spec("vibraphone", 11, "mallets", 53, 89),
    _spec("marimba", 12, "mallets", 45, 96),
    _spec("xylophone", 13, "mallets", 65, 108),
    _spec("bells", 14, "mallets", 60, 84),
    _spec("dulcimer", 15, "plucked", 50, 86),
    _spec("kalimba", 108, "mallets", 60, 88),
    _spec("steel drums", 114, "mallets", 55, 84),
    # guitars
    _spec("guitar", 25, "guitar", 40, 84, generic=True),
    _spec("acoustic guitar", 25, "guitar", 40, 84),
    _spec("nylon guitar", 24, "guitar", 40, 84),
    _spec("jazz guitar", 26, "guitar", 40, 84),
    _spec("electric guitar", 27, "guitar", 40, 88),
    _spec("muted guitar", 28, "guitar", 40, 84),
    _spec("overdriven guitar", 29, "guitar", 40, 88),
    _spec("distortion guitar", 30, "guitar", 40, 88),
    # GM has no pedal steel: GS's variation bank has a Hawaiian (lap steel) guitar. The
    # General MIDI fallback is the clean electric (27) for its glassy top; the jazz guitar
    # (26) measured a 0.6–1 kHz spectral centroid against 2.5–3 kHz and dulled ballads.
    _spec("steel guitar", 27, "guitar", 45, 88, variation=(8, 26)),
    _spec("12-string guitar", 25, "guitar", 40, 84, variation=(8, 25)),
    _spec("banjo", 105, "plucked", 48, 84),
    # GM has neither: a steel-string and a nylon guitar stand in without GS's variations.
    _spec("mandolin", 25, "plucked", 55, 88, variation=(16, 25)),
    _spec("ukulele", 24, "plucked", 60, 81, variation=(8, 24)),
    _spec("sitar", 104, "plucked", 48, 84),
    _spec("koto", 107, "plucked", 48, 84),
    _spec("harp", 46, "plucked", 24, 103),
    # bass
    _spec("bass", 33, "bass", 28, 60, generic=True),
    _spec("acoustic bass", 32, "bass", 28, 60),
    _spec("electric bass", 33, "bass", 28, 62),
    _spec("pick bass", 34, "bass", 28, 62),
    _spec("fretless bass", 35, "bass", 28, 62),
    _spec("slap bass", 36, "bass", 28, 62),
    _spec("synth bass", 38, "bass", 24, 60),
    _spec("sub bass", 38, "bass", 24, 52, synth="sub_bass"),
    _spec("808", 38, "bass", 24, 52, synth="808"),
    _spec("acid bass", 38, "bass", 28, 60, synth="acid_bass"),
    # strings
    _spec("strings", 48, "strings", 36, 96, generic=True),
    _spec("violin", 40, "strings", 55, 100),
    _spec("fiddle", 110, "strings", 55, 96),
    _spec("viola", 41, "strings", 48, 88),
    _spec("cello", 42, "strings", 36, 76),
    _spec("contrabass", 43, "strings", 28, 60),
    _spec("tremolo strings", 44, "strings", 36, 96),
    _spec("pizzicato strings", 45, "strings", 36, 91),
    _spec("slow strings", 49, "strings", 36, 96),
    _spec("synth strings", 50, "strings", 36, 96),
    # voices
    _spec("choir", 52, "voice", 48, 81),
    _spec("voice oohs", 53, "voice", 48, 81),
    # brass
    _spec("brass", 61, "brass", 40, 84, generic=True),
    _spec("trumpet", 56, "brass", 55, 84),
    _spec("muted trumpet", 59, "brass", 55, 82),
    _spec("trombone", 57, "brass", 40, 72),
    _spec("tuba", 58, "brass", 28, 58),
    _spec("french horn", 60, "brass", 41, 77),
    _spec("synth brass", 62, "brass", 40, 84),
    # reeds and pipes
    _spec("saxophone", 65, "reeds", 49, 81, generic=True),
    _spec("soprano sax", 64, "reeds", 56, 88),
    _spec("alto sax", 65, "reeds", 49, 81),
    _spec("tenor sax", 66, "reeds", 44, 76),
    _spec("baritone sax", 67, "reeds", 36, 69),
    _spec("oboe", 68, "reeds", 58, 91),
    _spec("bassoon", 70, "reeds", 34, 72),
    _spec("clarinet", 71, "reeds", 50, 91),
    _spec("harmonica", 22, "reeds", 60, 84),
    _spec("bagpipe", 109, "reeds", 55, 81),
    _spec("flute", 73, "pipes", 60, 96),
    _spec("piccolo", 72, "pipes", 74, 108),
    _spec("recorder", 74, "pipes", 60, 91),
    _spec("pan flute", 75, "pipes", 60, 91),
    # A folk whistle (tin/penny whistle): GS's variation of the pan flute; GM's 78 is
    # a person whistling, so the fallback is the pan flute itself.
    _spec("whistle", 75, "pipes", 62, 96, variation=(24, 75)),
    _spec("ocarina", 79, "pipes", 60, 88),
    # synths (DSP voices; the program is the nearest GM sound, used by MIDI export)
    _spec("synth", 81, "synth", 48, 96, synth="saw_lead", generic=True),
    _spec("synth lead", 81, "synth", 48, 96, synth="saw_lead"),
    _spec("square lead", 80, "synth", 48, 96),
    _spec("supersaw", 81, "synth", 45, 88, synth="supersaw"),
    _spec("pluck", 84, "synth", 48, 96, synth="pluck"),
    _spec("arpeggiator", 81, "synth", 55, 96, synth="arp"),
    _spec("synth pad", 89, "pad", 40, 88, synth="synth_pad"),
    _spec("warm pad", 89, "pad", 36, 88),
    _spec("new age pad", 88, "pad", 36, 88),
    _spec("choir pad", 91, "pad", 40, 84),
    _spec("halo pad", 94, "pad", 40, 88),
    _spec("sweep pad", 95, "pad", 36, 88),
    # drums and percussion (GM drum keys)
    _spec("drums", 0, "drums", 35, 81, is_drum=True),
    _spec("brushes", 40, "drums", 35, 81, is_drum=True),
    _spec("jazz drums", 32, "drums", 35, 81, is_drum=True),
    _spec("rock drums", 16, "drums", 35, 81, is_drum=True),
    _spec("room drums", 8, "drums", 35, 81, is_drum=True),
    _spec("808 drums", 25, "drums", 35, 81, is_drum=True),
    _spec("electronic drums", 24, "drums", 35, 81, is_drum=True, synth="drums_electronic"),
    _spec("orchestral percussion", 48, "drums", 35, 81, is_drum=True),
    _spec("percussion", 0, "percussion", 35, 81, is_drum=True, generic=True),
    _spec("handclaps", 0, "percussion", 39, 39, is_drum=True),
    _spec("shaker", 0, "percussion", 70, 70, is_drum=True),
    _spec("tambourine", 0, "percussion", 54, 54, is_drum=True),
    _spec("congas", 0, "percussion", 62, 64, is_drum=True),
    _spec("bongos", 0, "percussion", 60, 61, is_drum=True),
    _spec("cowbell", 0, "percussion", 56, 56, is_drum=True),
    _spec("timpani", 47, "percussion", 36, 57),
    _spec("taiko", 116, "percussion", 36, 60),
    # effects
    _spec("riser", 122, "fx", 48, 72, synth="riser"),
    _spec("impact", 127, "fx", 24, 48, synth="impact"),
)

INSTRUMENTS: dict[str, InstrumentSpec] = {spec.name: spec for spec in _SPECS}

# Words people use → canonical name. Plurals are handled by canonical_instrument.
ALIASES: dict[str, str] = {
    "keys": "piano", "keyboard": "piano", "keyboards": "piano", "grand piano": "piano",
    "acoustic piano": "piano", "acoustic grand piano": "piano", "upright piano": "piano",
    "soft piano": "piano", "felt piano": "piano",
    "rhodes": "electric piano", "ep": "electric piano", "wurlitzer": "electric piano",
    "e piano": "electric piano", "epiano": "electric piano", "fender rhodes": "electric piano",
    "hammond": "organ", "hammond organ": "organ", "b3": "organ", "drawbar organ": "organ",
    "pipe organ": "church organ",
    "bell": "bells", "tubular bells": "bells", "chimes": "bells", "church bells": "bells",
    "glock": "glockenspiel", "vibes": "vibraphone", "vibraphones": "vibraphone",
    "steel drum": "steel drums", "steelpan": "steel drums",
    "mbira": "kalimba", "thumb piano": "kalimba", "musicbox": "music box",
    "steel string guitar": "acoustic guitar", "steel acoustic guitar": "acoustic guitar",
    "folk guitar": "acoustic guitar", "fingerpicked guitar": "acoustic guitar",
    "strummed guitar": "acoustic guitar",
    "classical guitar": "nylon guitar", "spanish guitar": "nylon guitar",
    "nylon string guitar": "nylon guitar", "flamenco guitar": "nylon guitar",
    "clean guitar": "electric guitar", "clean electric guitar": "electric guitar",
    "electric guitars": "electric guitar", "lead guitar": "electric guitar", "e guitar": "electric guitar",
    "overdrive guitar": "overdriven guitar", "crunchy guitar": "overdriven guitar",
    "distorted guitar": "distortion guitar", "distorted guitars": "distortion guitar",
    "distorted electric guitar": "distortion guitar", "heavy guitar": "distortion guitar",
    "power chords": "distortion guitar", "fuzz guitar": "distortion guitar",
    "pedal steel": "steel guitar", "pedal steel guitar": "steel guitar", "lap steel": "steel guitar",
    "slide guitar": "steel guitar", "dobro": "steel guitar",
    "uke": "ukulele",
    "12 string guitar": "12-string guitar", "twelve string guitar": "12-string guitar", "12 string": "12-string guitar",
    "upright bass": "acoustic bass", "double bass": "acoustic bass", "standup bass": "acoustic bass",
    "stand up bass": "acoustic bass", "jazz bass": "acoustic bass",
    "bass guitar": "electric bass", "finger bass": "electric bass",
    "fretless": "fretless bass",
    "synthbass": "synth bass", "reese": "synth bass", "reese bass": "synth bass",
    "sub": "sub bass", "subbass": "sub bass", "sub-bass": "sub bass",
    "808s": "808", "808 bass": "808", "tr 808": "808", "eight oh eight": "808",
    "303": "acid bass", "tb 303": "acid bass",
    "string": "strings", "string section": "strings", "string ensemble": "strings",
    "orchestra": "strings", "orchestral strings": "strings", "string quartet": "strings",
    "violins": "violin", "fiddles": "fiddle", "violas": "viola", "cellos": "cello", "violoncello": "cello",
    "double basses": "contrabass",
    "pizzicato": "pizzicato strings", "tremolo": "tremolo strings",
    "choirs": "choir", "chorus": "choir", "voices": "choir", "choir aahs": "choir", "vocal choir": "choir",
    "ooh": "voice oohs", "oohs": "voice oohs", "aahs": "choir",
    "horns": "brass", "horn section": "brass", "brass section": "brass",
    "horn": "french horn", "french horns": "french horn",
    "trumpets": "trumpet", "trombones": "trombone", "tubas": "tuba",
    "sax": "saxophone", "saxes": "saxophone", "saxophones": "saxophone",
    "alto saxophone": "alto sax", "tenor saxophone": "tenor sax", "soprano saxophone": "soprano sax",
    "baritone saxophone": "baritone sax", "bari sax": "baritone sax",
    "mouth harp": "harmonica", "blues harp": "harmonica", "harp harmonica": "harmonica",
    "tin whistle": "whistle", "penny whistle": "whistle", "irish whistle": "whistle", "flutes": "flute",
    "panpipes": "pan flute", "pan pipes": "pan flute", "bagpipes": "bagpipe",
    "synths": "synth", "synthesizer": "synth", "synthesizers": "synth", "synthesiser": "synth",
    "lead synth": "synth lead", "saw lead": "synth lead", "synth leads": "synth lead",
    "saw": "synth lead", "sawtooth": "synth lead",
    "super saw": "supersaw", "supersaws": "supersaw", "synth chords": "supersaw",
    "plucks": "pluck", "synth pluck": "pluck",
    "arp": "arpeggiator", "arps": "arpeggiator", "arpeggio": "arpeggiator", "arpeggios": "arpeggiator",
    "synth arp": "arpeggiator",
    "pad": "synth pad", "pads": "synth pad", "synth pads": "synth pad", "ambient pad": "warm pad",
    "warm pads": "warm pad",
    "drum": "drums", "drum kit": "drums", "drumkit": "drums", "kit": "drums", "beat": "drums",
    "beats": "drums", "acoustic drums": "drums", "live drums": "drums",
    "brushed drums": "brushes", "brush": "brushes", "brush drums": "brushes",
    "808 kit": "808 drums", "tr808": "808 drums", "drum machine": "808 drums",
    "electronic kit": "electronic drums", "synth drums": "electronic drums",
    "percussions": "percussion", "hand percussion": "percussion",
    "clap": "handclaps", "claps": "handclaps", "hand claps": "handclaps", "handclap": "handclaps",
    "shakers": "shaker", "maracas": "shaker", "tambourines": "tambourine",
    "conga": "congas", "bongo": "bongos",
    "timpanis": "timpani", "kettle drums": "timpani", "kettledrums": "timpani",
    "taiko drums": "taiko", "war drums": "taiko", "big drums": "taiko",
    "risers": "riser", "uplifter": "riser", "impacts": "impact", "hit": "impact",
}

_ARTICLES = re.compile(r"^(?:a|an|the|some|soft|warm|gentle|bright|deep|heavy|big|light|lush|dusty|crying)\s+")


def _normal(name: str) -> str:
    text = name.strip().lower().replace("-", " ").replace("_", " ")
    return " ".join(text.split())


def canonical_instrument(name: str) -> str | None:
    """The canonical name for an instrument word, or ``None`` when it is not one.

    ``"Keys"`` → ``"piano"``, ``"distorted guitars"`` → ``"distortion guitar"``,
    ``"808s"`` → ``"808"``; ``"spaceship"`` → ``None``.
    """
    text = _normal(name)
    for _ in range(3):  # peel leading adjectives one at a time: "soft warm pads"
        found = _lookup(text)
        if found:
            return found
        stripped = _ARTICLES.sub("", text)
        if stripped == text:
            break
        text = stripped
    return None


def _lookup(text: str) -> str | None:
    if not text:
        return None
    for candidate in (text, _singular(text)):
        if candidate in INSTRUMENTS:
            return candidate
        if candidate in ALIASES:
            return ALIASES[candidate]
    return None


def _singular(text: str) -> str:
    if text.endswith("ies"):
        return text[:-3] + "y"
    if text.endswith(("ches", "shes", "xes")):
        return text[:-2]
    if text.endswith("s") and not text.endswith("ss"):
        return text[:-1]
    return text


def spec(name: str) -> InstrumentSpec:
    """The spec of a canonical name or alias; raises KeyError for unknown words."""
    found = canonical_instrument(name)
    if found is None:
        raise KeyError(name)
    return INSTRUMENTS[found]


def satisfies(requested: str, playing: str) -> bool:
    """Whether a part playing ``playing`` honours a request for ``requested``.

    A generic family word ("guitar", "strings", "synth") is honoured by any member of
    the family; a specific name only by itself (with the fiddle/violin identity).
    """
    if requested == playing:
        return True
    want, have = INSTRUMENTS.get(requested), INSTRUMENTS.get(playing)
    if want is None or have is None:
        return False
    if {requested, playing} == {"violin", "fiddle"}:
        return True
    if want.generic:
        if want.family == "synth":
            return have.family in {"synth", "pad"} or have.synth is not None
        if want.family == "percussion":
            return have.family in {"percussion", "drums"}
        return have.family == want.family
    return False
