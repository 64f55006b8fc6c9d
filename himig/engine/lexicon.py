"""Exact words people use when they describe music, and what each one means.

The lexicon is the part of prompt understanding that must never be wrong: when a
person writes "jazz", "no drums", "waltz" or "slow build", that is what they get,
whatever the sentence embedding thinks. Each entry is a :class:`Sense`; phrases are
lower-case words separated by single spaces, hyphens already turned into spaces
("lo-fi" → "lo fi"), and matched longest first by :mod:`himig.engine.prompt`.

Weights say how strongly a word points at a genre or mood: 1.0 for the name itself
("reggae"), less for adjectives and neighbours ("jazzy" 0.6, "funk" → Pop 0.6).
``genre_prior``/``mood_prior`` are softer: a context such as "workout" suggests
Electronic and Energetic without being an explicit request for them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, float] = MappingProxyType({})


@dataclasses.dataclass(frozen=True)
class Sense:
    genres: Mapping[str, float] = dataclasses.field(default_factory=lambda: _EMPTY)  # explicit genre words
    moods: Mapping[str, float] = dataclasses.field(default_factory=lambda: _EMPTY)  # explicit mood words
    genre_prior: Mapping[str, float] = dataclasses.field(default_factory=lambda: _EMPTY)  # soft suggestions (contexts)
    mood_prior: Mapping[str, float] = dataclasses.field(default_factory=lambda: _EMPTY)
    energy: float | None = None  # 0–1
    tempo_word: str | None = None  # slow | medium | fast
    subgenre: str | None = None
    context: str | None = None
    hint: str | None = None
    meter: tuple[int, int] | None = None
    drums: bool | None = None
    vocals: bool | None = None
    mode: str | None = None  # "minor key" / "major key" without a tonic
    # Words inside this phrase are not instrument names ("drum and bass", "bass drop").
    masks_instruments: bool = False


LEXICON: dict[str, Sense] = {}


def _add(phrases: str, sense: Sense) -> None:
    for phrase in phrases.split("|"):
        key = " ".join(phrase.replace("-", " ").split())
        if key in LEXICON:
            raise ValueError(f"lexicon phrase {key!r} defined twice")
        LEXICON[key] = sense


def _genre(
    phrases: str,
    genre: str,
    weight: float = 1.0,
    *,
    moods: dict[str, float] | None = None,
    mood_prior: dict[str, float] | None = None,
    **extra: Any,
) -> None:
    _add(
        phrases,
        Sense(
            genres=MappingProxyType({genre: weight}),
            moods=MappingProxyType(moods or {}),
            mood_prior=MappingProxyType(mood_prior or {}),
            **extra,
        ),
    )


def _mood(phrases: str, moods: dict[str, float], energy: float | None = None) -> None:
    _add(phrases, Sense(moods=MappingProxyType(moods), energy=energy))


def _context(
    phrases: str,
    context: str,
    genres: dict[str, float] | None = None,
    moods: dict[str, float] | None = None,
    energy: float | None = None,
) -> None:
    _add(
        phrases,
        Sense(
            context=context,
            genre_prior=MappingProxyType(genres or {}),
            mood_prior=MappingProxyType(moods or {}),
            energy=energy,
        ),
    )


# -- genres and sub-genres ------------------------------------------------------------
_genre("pop|pop music|top 40|chart pop|mainstream pop", "Pop")
_genre("poppy", "Pop", 0.6)
_genre("synthpop|synth pop|electropop", "Pop", 0.9, subgenre="synthpop")
_genre("k pop|kpop|j pop|jpop", "Pop", 1.0, subgenre="k-pop")
_genre("dance pop", "Pop", 1.0, subgenre="dance pop")
_genre("indie pop|bedroom pop|dream pop", "Pop", 1.0, subgenre="indie pop")
_genre("funk|funky", "Pop", 0.6, subgenre="funk")
_genre("disco", "Pop", 0.7, subgenre="disco")
_genre("rnb|r and b|soul|neo soul", "Pop", 0.6, subgenre="rnb")
_genre("gospel", "Pop", 0.5, subgenre="gospel")

_genre("rock|rock music|rock and roll|rock n roll", "Rock")
_genre("rocky|rocking", "Rock", 0.5)
_genre("hard rock|heavy rock", "Rock", 1.0, subgenre="hard rock")
_genre("classic rock", "Rock", 1.0, subgenre="classic rock")
_genre("alternative|alt rock|alternative rock|indie rock|indie", "Rock", 0.8, subgenre="indie rock")
_genre("punk|punk rock|pop punk", "Rock", 1.0, subgenre="punk")
_genre("metal|heavy metal", "Rock", 1.0, subgenre="metal")
_genre("grunge", "Rock", 1.0, subgenre="grunge")
_genre("post rock", "Rock", 1.0, subgenre="post rock")
_genre("prog|prog rock|progressive rock", "Rock", 1.0, subgenre="prog")
_genre("surf rock", "Rock", 1.0, subgenre="surf")
_genre("power ballad|rock ballad", "Rock", 1.0, subgenre="ballad")

_genre("jazz|jazz music", "Jazz")
_genre("jazzy", "Jazz", 0.6)
_genre("bebop|bop|hard bop", "Jazz", 1.0, subgenre="bebop", energy=0.8, mood_prior={"Energetic": 0.4})
_genre("swing|big band", "Jazz", 0.9, subgenre="swing")
_genre("swinging|swingy", "Jazz", 0.4)
_genre("smooth jazz", "Jazz", 1.0, subgenre="smooth jazz")
_genre("cool jazz", "Jazz", 1.0, subgenre="cool jazz")
_genre("bossa nova|bossa", "Jazz", 0.9, subgenre="bossa nova")
_genre("jazz ballad", "Jazz", 1.0, subgenre="ballad")
_genre("jazz fusion|fusion", "Jazz", 0.8, subgenre="fusion")
_genre("lounge", "Jazz", 0.5, subgenre="lounge")
_genre("jazz trio|piano trio", "Jazz", 1.0, subgenre="trio")

_genre("classical|classical music|neoclassical|neo classical", "Classical")
_genre("baroque", "Classical", 1.0, subgenre="baroque")
_genre("romantic era|romantic period", "Classical", 1.0, subgenre="romantic era")
_genre("string quartet|chamber music|chamber", "Classical", 0.9, subgenre="chamber")
_genre("sonata|piano sonata|etude|prelude|concerto|minuet|fugue|rondo|serenade", "Classical", 0.9)
_genre("nocturne", "Classical", 1.0, subgenre="nocturne")
_genre("adagio|largo|andante", "Classical", 0.8, tempo_word="slow")
_genre("allegro|presto|vivace", "Classical", 0.8, tempo_word="fast")
_genre("symphony|symphonic", "Classical", 0.7)
_genre("mozart|bach|beethoven|chopin|debussy|satie|vivaldi|schubert|liszt", "Classical", 0.8)
_genre("waltz|valse", "Classical", 0.5, subgenre="waltz", meter=(3, 4))

_genre("electronic|electronica|electronic music|edm|electro|electronic dance music", "Electronic")
_genre("dance music|club|club music|rave", "Electronic", 0.8)
_genre("house|house music|deep house|tech house|progressive house", "Electronic", 1.0, subgenre="house")
_genre("techno|minimal techno", "Electronic", 1.0, subgenre="techno")
_genre("trance|psytrance", "Electronic", 1.0, subgenre="trance")
_genre("drum and bass|drum n bass|d and b|dnb|jungle|liquid dnb|liquid drum and bass", "Electronic", 1.0,
       subgenre="dnb", masks_instruments=True, drums=True)
_genre("dubstep|future bass|bass music", "Electronic", 1.0, subgenre="dubstep", masks_instruments=True)
_genre("synthwave|retrowave|outrun|vaporwave|chillwave", "Electronic", 1.0, subgenre="synthwave")
_genre("downtempo|chillout|chill out|trip hop", "Electronic", 0.9, subgenre="downtempo", tempo_word="slow",
       mood_prior={"Calm": 0.4})
_genre("idm|glitch|breakbeat", "Electronic", 0.9, subgenre="idm")
_genre("chiptune|8 bit|8bit", "Electronic", 0.9, subgenre="chiptune")

_genre("hip hop|hiphop|hip hop music|rap|rap beat", "Hip Hop")
_genre("trap|trap beat|trap music", "Hip Hop", 1.0, subgenre="trap", mood_prior={"Dark": 0.2, "Intense": 0.2})
_genre("drill", "Hip Hop", 0.9, subgenre="trap")
_genre("boom bap|boombap|boom bap beat", "Hip Hop", 1.0, subgenre="boom bap")
_genre("lo fi|lofi|lo fi hip hop|lofi hip hop|chillhop|lo fi beat|lofi beat|lofi beats|lo fi beats",
       "Hip Hop", 0.9, subgenre="lofi", mood_prior={"Calm": 0.4, "Peaceful": 0.2, "Melancholic": 0.1})
_genre("beat tape|instrumental hip hop", "Hip Hop", 0.9)

_genre("country|country music", "Country")
_genre("bluegrass", "Country", 0.9, subgenre="bluegrass")
_genre("honky tonk|western|cowboy|americana|outlaw country", "Country", 0.8)
_genre("country ballad", "Country", 1.0, subgenre="ballad")
_genre("train beat", "Country", 0.7, subgenre="train beat")

_genre("blues|the blues|blues music", "Blues")
_genre("bluesy", "Blues", 0.6)
_genre("twelve bar|12 bar|twelve bar blues|12 bar blues|delta blues|chicago blues", "Blues", 1.0,
       subgenre="12-bar")
_genre("boogie|boogie woogie", "Blues", 0.8, subgenre="boogie", mood_prior={"Energetic": 0.3, "Happy": 0.2})
_genre("shuffle|shuffling", "Blues", 0.4, subgenre="shuffle")

_genre("reggae|roots reggae|reggae music", "Reggae")
_genre("dub", "Reggae", 0.9, subgenre="dub")
_genre("ska|rocksteady", "Reggae", 0.9, subgenre="ska")
_genre("dancehall|reggaeton", "Reggae", 0.8, subgenre="dancehall")
_genre("one drop", "Reggae", 0.9, subgenre="one drop")

_genre("folk|folk music|folk song|acoustic folk|indie folk", "Folk")
_genre("folky|folksy", "Folk", 0.6)
_genre("celtic|irish|scottish", "Folk", 0.8, subgenre="celtic")
_genre("jig|irish jig", "Folk", 0.9, subgenre="jig", meter=(6, 8), mood_prior={"Happy": 0.4, "Energetic": 0.2})
_genre("sea shanty|shanty", "Folk", 0.9, subgenre="shanty")
_genre("singer songwriter", "Folk", 0.7)

_genre("ambient|ambient music|ambience|ambiance", "Ambient")
_genre("dark ambient", "Ambient", 1.0, subgenre="dark ambient", moods={"Dark": 0.8})
_genre("drone|drones", "Ambient", 0.8, subgenre="drone")
_genre("soundscape|soundscapes", "Ambient", 0.8)
_genre("new age", "Ambient", 0.8)
_genre("atmospheric", "Ambient", 0.4)

_genre("cinematic|cinematic music|film score|movie score|soundtrack|score|underscore", "Cinematic")
_genre("orchestral|orchestral music|hybrid orchestral", "Cinematic", 0.9)
_genre("epic orchestral|epic orchestra", "Cinematic", 1.0, moods={"Epic": 1.0})
_genre("orchestra", "Cinematic", 0.6)
_genre("trailer music", "Cinematic", 1.0, subgenre="trailer")

# -- moods, energy and feel ------------------------------------------------------------
_mood("happy|joyful|cheerful|joyous|merry|glad", {"Happy": 1.0}, 0.65)
_mood("sunny|summery|summer|playful|bouncy|fun|carefree|whimsical|quirky", {"Happy": 0.8}, 0.65)
_mood("catchy", {"Happy": 0.4}, 0.65)
_mood("bright", {"Happy": 0.5, "Uplifting": 0.3})
_mood("upbeat|up beat", {"Energetic": 0.7, "Happy": 0.6}, 0.75)
_mood("feel good|feelgood|positive|optimistic|good vibes", {"Happy": 0.8, "Uplifting": 0.6}, 0.65)
_mood("sad|sorrowful|sorrow|mournful|grief|tearful|crying|tragic|heartbroken|heartbreak|depressing",
      {"Sad": 1.0}, 0.25)
_mood("melancholic|melancholy|wistful|bittersweet|nostalgic|reflective|pensive|longing",
      {"Melancholic": 1.0}, 0.3)
_mood("moody", {"Melancholic": 0.6, "Dark": 0.5}, 0.35)
_mood("lonely|somber|sombre", {"Sad": 0.6, "Melancholic": 0.6}, 0.25)
_mood("energetic|energizing|energising|lively|vibrant|spirited", {"Energetic": 1.0}, 0.85)
_mood("high energy|full of energy|hype|hyped|pumping|pumped|adrenaline|driving|powerful|punchy|banging|pulsing",
      {"Energetic": 0.9}, 0.9)
_mood("danceable|groovy", {"Energetic": 0.6, "Happy": 0.5}, 0.75)
_mood("calm|calming|relaxing|relaxed|relax|chill|chilled|mellow|soothing|laid back|easy going|easygoing",
      {"Calm": 1.0}, 0.2)
_mood("gentle|soft|quiet|smooth|low key|lowkey|cozy|cosy", {"Calm": 0.6, "Peaceful": 0.4}, 0.25)
_mood("peaceful|serene|tranquil|meditative|zen|restful|sleepy|dreamy|airy|floating",
      {"Peaceful": 1.0}, 0.12)
_mood("mysterious|mystery|enigmatic|spooky|eerie|creepy|haunting|haunted|otherworldly|mystical|magical",
      {"Mysterious": 1.0}, 0.35)
_mood("hypnotic|smoky|late night|night time|nocturnal", {"Mysterious": 0.5, "Calm": 0.3}, 0.35)
_mood("romantic|romance|loving|tender|intimate|sensual|passionate", {"Romantic": 1.0}, 0.35)
_mood("love|sweet|lovely", {"Romantic": 0.5, "Happy": 0.3}, 0.4)
_mood("heartwarming|heart warming|touching|sentimental", {"Romantic": 0.7, "Uplifting": 0.5}, 0.4)
_mood("warm", {"Calm": 0.3, "Romantic": 0.2})
_mood("epic|heroic|grand|majestic|triumphant|anthemic|anthem|legendary|monumental|huge", {"Epic": 1.0}, 0.8)
_mood("uplifting|inspiring|inspirational|hopeful|motivational|motivating|empowering|euphoric",
      {"Uplifting": 1.0}, 0.65)
_mood("dark|sinister|ominous|menacing|evil|gloomy|brooding|gritty|grim|doom", {"Dark": 1.0}, 0.45)
_mood("heavy", {"Dark": 0.4, "Intense": 0.4}, 0.7)
_mood("intense|tense|suspense|suspenseful|aggressive|fierce|frantic|urgent|thrilling|hard hitting|hard|angry",
      {"Intense": 1.0}, 0.9)
_mood("explosive|relentless|furious|chaotic|wild", {"Intense": 0.8, "Energetic": 0.6}, 0.95)
_add("low energy|low key energy|minimal|sparse", Sense(energy=0.2))
_add("medium energy|moderate energy|mid energy", Sense(energy=0.5))
_add("minor key|in a minor key|sad key", Sense(mode="minor"))
_add("major key|in a major key", Sense(mode="major"))

# -- tempo words -----------------------------------------------------------------------
_add("slow|slowly|slower|very slow|super slow|slow paced|slow tempo|unhurried|leisurely",
     Sense(tempo_word="slow"))
_add("mid tempo|midtempo|medium tempo|moderate tempo|moderate|medium paced|walking pace",
     Sense(tempo_word="medium"))
_add("fast|faster|very fast|quick|rapid|uptempo|up tempo|fast paced|speedy|high tempo",
     Sense(tempo_word="fast"))

# -- meters ----------------------------------------------------------------------------
_add("triple meter|in three|three four", Sense(meter=(3, 4)))
_add("common time|four four|straight four", Sense(meter=(4, 4)))
_add("six eight|compound time", Sense(meter=(6, 8)))
_add("twelve eight|compound quadruple", Sense(meter=(12, 8)))
_add("nine eight|compound triple", Sense(meter=(9, 8)))
_add("ballad", Sense(subgenre="ballad", tempo_word="slow", moods=MappingProxyType({"Romantic": 0.3})))
_add("pop ballad|piano ballad", Sense(genres=MappingProxyType({"Pop": 1.0}), subgenre="ballad", tempo_word="slow"))

# -- structure hints -------------------------------------------------------------------
_add("slow build|slowly building|slow burn|builds slowly|build slowly|building slowly|gradual build|"
     "gradually building|builds gradually|slow crescendo|long crescendo",
     Sense(hint="slow_build"))
_add("build|builds|build up|buildup|building|crescendo|rising tension", Sense(hint="build"))
_add("drop|the drop|bass drop|big drop|drops", Sense(hint="drop", masks_instruments=True))
_add("loop|loopable|looping|loops|seamless loop|seamlessly looping|loops seamlessly|seamless|endless loop",
     Sense(hint="loopable"))
_add("fade out|fades out|fading out|fadeout|fade away|fades away", Sense(hint="fade_out"))
_add("fade in|fades in|fading in", Sense(hint="fade_in"))
_add("breakdown", Sense(hint="breakdown"))
_add("climax|big finish|big ending", Sense(hint="climax"))

# Phrases that would otherwise trip a mood word: "grand piano" is not Epic.
_add("grand piano|concert grand|warm pad|warm pads|soft pad|soft pads|dark chords", Sense())

# -- drums and vocals said out loud ----------------------------------------------------
_add("drumless|beatless|percussionless", Sense(drums=False))
_add("a cappella|acapella", Sense(vocals=True, drums=False))
_add("instrumental|instrumentals", Sense(vocals=False))
_add("vocals|vocal|vox|singing|singer|sung|lyrics|vocalist|voice|vocal line|vocal hook",
     Sense(vocals=True))
_add("hi hat|hi hats|hihat|hihats|hats|snare|snares|kick|kicks|kick drum|four on the floor|"
     "hi hat rolls|drum fills|drum roll|rimshot|backbeat|groove|beat|beats",
     Sense(drums=True, masks_instruments=True))

# -- contexts (soft priors: a scene suggests, it does not dictate) ----------------------
_context("workout|work out|gym|fitness|exercise|training|running|run|cardio|hiit|sprint|spin class|crossfit",
         "workout", {"Electronic": 0.35, "Hip Hop": 0.15, "Rock": 0.1}, {"Energetic": 0.5, "Intense": 0.2}, 0.85)
_context("meditation|meditate|meditating|mindfulness|breathing|breathwork",
         "meditation", {"Ambient": 0.5, "Classical": 0.1}, {"Calm": 0.4, "Peaceful": 0.5}, 0.1)
_context("yoga|pilates|stretching", "yoga", {"Ambient": 0.4, "Folk": 0.1}, {"Peaceful": 0.5, "Calm": 0.4}, 0.15)
_context("spa|massage|wellness", "spa", {"Ambient": 0.5}, {"Peaceful": 0.6, "Calm": 0.4}, 0.1)
_context("cooking|cooking video|cooking show|recipe|recipe video|kitchen|baking|food video|food vlog",
         "cooking", {"Pop": 0.25, "Folk": 0.2, "Jazz": 0.2}, {"Happy": 0.5, "Uplifting": 0.2, "Calm": 0.2}, 0.55)
_context("trailer|teaser|movie trailer|film trailer|game trailer",
         "trailer", {"Cinematic": 0.6}, {"Epic": 0.5, "Intense": 0.2}, 0.8)
_context("study|studying|focus|concentration|concentrate|homework|reading|work|working|coding|productivity",
         "study", {"Hip Hop": 0.25, "Ambient": 0.25, "Classical": 0.15}, {"Calm": 0.5, "Peaceful": 0.2}, 0.3)
_context("sleep|sleeping|asleep|fall asleep|bedtime|lullaby|insomnia|nap",
         "sleep", {"Ambient": 0.5, "Classical": 0.15}, {"Peaceful": 0.6, "Calm": 0.4}, 0.05)
_context("game|gaming|video game|videogame|boss fight|boss battle|rpg|platformer|arcade",
         "game", {"Electronic": 0.3, "Cinematic": 0.3}, {"Energetic": 0.2, "Epic": 0.2}, 0.65)
_context("podcast|podcast intro|talk show|interview|radio show", "podcast",
         {"Pop": 0.2, "Hip Hop": 0.2, "Electronic": 0.2}, {"Calm": 0.2, "Uplifting": 0.2}, 0.45)
_context("ad|advert|advertisement|commercial|promo|product launch|product video|brand video|marketing",
         "ad", {"Pop": 0.4, "Electronic": 0.15}, {"Uplifting": 0.4, "Happy": 0.3}, 0.65)
_context("corporate|presentation|explainer|business|startup|tech video", "corporate",
         {"Pop": 0.3, "Electronic": 0.2}, {"Uplifting": 0.5, "Happy": 0.2}, 0.55)
_context("vlog|youtube|youtube video|travel vlog|day in the life|tiktok|reel|reels|instagram",
         "vlog", {"Pop": 0.3, "Hip Hop": 0.15, "Folk": 0.1}, {"Happy": 0.4, "Uplifting": 0.2}, 0.6)
_context("wedding|wedding film|wedding video|first dance|engagement|proposal",
         "wedding", {"Cinematic": 0.3, "Classical": 0.2, "Pop": 0.2}, {"Romantic": 0.6, "Uplifting": 0.2}, 0.4)
_context("film|movie|scene|short film|cinema|montage", "film", {"Cinematic": 0.4}, {}, None)
_context("sports|sport|basketball|football|soccer|highlight|highlights|highlight reel|stadium|race|racing",
         "sports", {"Rock": 0.3, "Electronic": 0.2, "Hip Hop": 0.2}, {"Energetic": 0.5, "Epic": 0.3}, 0.85)
_context("thriller|crime|heist|chase|chase scene|action scene|action", "thriller",
         {"Cinematic": 0.5, "Electronic": 0.1}, {"Intense": 0.5, "Dark": 0.3}, 0.75)
_context("documentary|nature documentary", "documentary", {"Cinematic": 0.4, "Ambient": 0.2},
         {"Mysterious": 0.2, "Uplifting": 0.2}, None)
_context("party|partying|house party|club night|dance floor|dancefloor", "party",
         {"Electronic": 0.4, "Pop": 0.3}, {"Energetic": 0.5, "Happy": 0.4}, 0.85)
_context("horror|haunted house|halloween|ghost|ghosts|zombie|scary",
         "horror", {"Cinematic": 0.4, "Ambient": 0.3}, {"Mysterious": 0.5, "Dark": 0.5}, 0.4)
_context("sci fi|science fiction|space|spaceship|outer space|cyberpunk|futuristic", "sci-fi",
         {"Electronic": 0.3, "Ambient": 0.3, "Cinematic": 0.2}, {"Mysterious": 0.5}, None)
_context("road trip|roadtrip", "travel", {"Country": 0.2, "Pop": 0.2, "Rock": 0.1}, {"Happy": 0.5}, 0.6)
_context("night drive|drive|car|cruising", "driving",
         {"Electronic": 0.2, "Rock": 0.2, "Country": 0.1}, {}, 0.6)
_context("travel|beach|vacation|holiday|tropical|island", "travel",
         {"Reggae": 0.2, "Pop": 0.2, "Folk": 0.1}, {"Happy": 0.5}, 0.6)
_context("dinner|candlelit dinner|candlelit|candlelight|restaurant|date night", "dinner",
         {"Jazz": 0.5, "Classical": 0.1}, {"Romantic": 0.4, "Calm": 0.3}, 0.3)
_context("cafe|coffee shop|coffee house|coffeehouse|brunch|bookstore", "cafe",
         {"Jazz": 0.4, "Folk": 0.2, "Hip Hop": 0.1}, {"Calm": 0.4, "Happy": 0.2}, 0.35)
_context("kids|children|childrens|cartoon|toddler|nursery", "kids", {"Pop": 0.3, "Folk": 0.2},
         {"Happy": 0.6}, 0.6)
_context("christmas|holiday season|festive|xmas", "holiday", {"Pop": 0.3, "Jazz": 0.2}, {"Happy": 0.6}, 0.6)
_context("nature|forest|rain|ocean|waves|morning|sunrise|sunset", "nature",
         {"Ambient": 0.25, "Folk": 0.2}, {"Peaceful": 0.4}, 0.3)

# -- negation ---------------------------------------------------------------------------
# Words that open a negated span ("no drums", "without vocals", "minus the piano"), and
# the words that close it early ("no drums but a big bass", "without vocals, with piano").
NEGATORS: frozenset[str] = frozenset({"no", "without", "minus", "not", "never", "nothing", "zero", "lacking", "sans"})
NEGATION_STOPS: frozenset[str] = frozenset({
    "but", "with", "just", "only", "instead", "for", "that", "which", "yet", "though", "although",
    "in", "at", "to", "so", "while", "please", "and then", "then", "plus", "featuring", "feat",
})
NEGATION_SPAN = 5  # at most this many words after the negator

# Drum words: a negated one sets drums False ("no percussion", "without a beat").
DRUM_WORDS: frozenset[str] = frozenset({
    "drum", "drums", "drum kit", "drumkit", "percussion", "percussions", "beat", "beats", "kick", "kicks",
    "snare", "snares", "hi hat", "hi hats", "hihat", "hihats", "hats", "cymbals", "rhythm section", "drum machine",
    "808 drums", "drum loop", "drum loops", "groove",
})
VOCAL_WORDS: frozenset[str] = frozenset({
    "vocal", "vocals", "vox", "singing", "singer", "sung", "lyrics", "vocalist", "voice", "voices", "words",
})

# Single words the instrument scan ignores because in prompts they rarely name an
# instrument ("a hit", "the chorus", "kit" in "starter kit", "sub" in "sub-genre").
AMBIGUOUS_INSTRUMENT_WORDS: frozenset[str] = frozenset({
    "beat", "beats", "hit", "kit", "sub", "ep", "saw", "chorus", "string", "voices", "keys", "drum",
    "plucks", "arp", "horn",
})

# Tempo words scaled by a leading intensifier: "very slow" is slower than "slow".
INTENSIFIERS: frozenset[str] = frozenset({"very", "super", "really", "extremely", "ultra", "incredibly", "so"})

# Energy a mood implies when the prompt names no energy word; 0 still … 1 maximal.
MOOD_ENERGY: dict[str, float] = {
    "Happy": 0.65, "Sad": 0.25, "Energetic": 0.9, "Calm": 0.2, "Mysterious": 0.35, "Romantic": 0.35,
    "Epic": 0.8, "Melancholic": 0.3, "Uplifting": 0.65, "Dark": 0.45, "Peaceful": 0.12, "Intense": 0.9,
}

# Instruments that lean toward a genre when the prompt names none ("banjo" → Country).
INSTRUMENT_GENRE_PRIOR: dict[str, dict[str, float]] = {
    "banjo": {"Country": 0.35, "Folk": 0.25},
    "fiddle": {"Country": 0.25, "Folk": 0.3},
    "steel guitar": {"Country": 0.4},
    "acoustic guitar": {"Folk": 0.3, "Country": 0.15, "Pop": 0.1},
    "nylon guitar": {"Folk": 0.2, "Classical": 0.2},
    "harmonica": {"Blues": 0.3, "Folk": 0.15, "Country": 0.15},
    "808": {"Hip Hop": 0.45},
    "808 drums": {"Hip Hop": 0.35, "Electronic": 0.15},
    "sub bass": {"Electronic": 0.2, "Hip Hop": 0.2},
    "electric piano": {"Jazz": 0.15, "Hip Hop": 0.15, "Pop": 0.1},
    "saxophone": {"Jazz": 0.4}, "alto sax": {"Jazz": 0.4}, "tenor sax": {"Jazz": 0.4},
    "muted trumpet": {"Jazz": 0.4}, "acoustic bass": {"Jazz": 0.3}, "vibraphone": {"Jazz": 0.3},
    "brushes": {"Jazz": 0.3},
    "distortion guitar": {"Rock": 0.45}, "overdriven guitar": {"Rock": 0.35, "Blues": 0.15},
    "electric guitar": {"Rock": 0.25, "Blues": 0.15},
    "organ": {"Blues": 0.1, "Reggae": 0.1, "Rock": 0.1},
    "piano": {"Classical": 0.2, "Pop": 0.1, "Jazz": 0.05},
    "harpsichord": {"Classical": 0.4},
    "violin": {"Classical": 0.3, "Cinematic": 0.1}, "viola": {"Classical": 0.3}, "cello": {"Classical": 0.3},
    "harp": {"Classical": 0.2, "Cinematic": 0.1, "Ambient": 0.1},
    "strings": {"Cinematic": 0.25, "Classical": 0.2},
    "brass": {"Cinematic": 0.35}, "french horn": {"Cinematic": 0.3, "Classical": 0.1},
    "timpani": {"Cinematic": 0.35}, "taiko": {"Cinematic": 0.4}, "choir": {"Cinematic": 0.25},
    "synth": {"Electronic": 0.35}, "synth lead": {"Electronic": 0.35}, "supersaw": {"Electronic": 0.45},
    "arpeggiator": {"Electronic": 0.35}, "pluck": {"Electronic": 0.3}, "acid bass": {"Electronic": 0.45},
    "synth pad": {"Ambient": 0.25, "Electronic": 0.2}, "warm pad": {"Ambient": 0.3},
    "new age pad": {"Ambient": 0.35}, "choir pad": {"Ambient": 0.25}, "halo pad": {"Ambient": 0.3},
    "sweep pad": {"Ambient": 0.25, "Electronic": 0.15}, "synth bass": {"Electronic": 0.3},
    "whistle": {"Folk": 0.35}, "bagpipe": {"Folk": 0.35}, "mandolin": {"Folk": 0.3, "Country": 0.15},
    "accordion": {"Folk": 0.3}, "ukulele": {"Folk": 0.2, "Pop": 0.2},
    "steel drums": {"Reggae": 0.2, "Pop": 0.1},
    "handclaps": {"Pop": 0.2},
}
