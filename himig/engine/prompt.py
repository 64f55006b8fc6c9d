"""Prompt understanding: free text → :class:`Descriptors`.

Exact words go through a lexicon (:mod:`himig.engine.lexicon`); everything else through
a small sentence-embedding model shipped inside a PyPI package and loaded offline, once
per process (:mod:`himig.engine.embedding`).

How the two combine: the prompt (minus anything negated) is embedded and compared with
prototype sentences written for each genre and mood; that similarity, nudged by the
scene ("workout", "wedding") and the instruments named, gives a score for all twelve
genres and moods. A genre or mood *word* in the prompt always wins over that guess —
"jazz" means Jazz — and is reported in ``genre``/``mood``; when the prompt names none,
those stay ``None`` and the scores carry the inference.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from himig.engine import lexicon
from himig.engine.instruments import INSTRUMENTS, canonical_instrument
from himig.engine.request import GENRES, MAX_TEMPO, MIN_TEMPO, MOODS
from himig.engine.theory import Key, parse_key


@dataclasses.dataclass
class Descriptors:
    """What the prompt says about the music. ``None`` means "the prompt does not say"."""

    genre: str | None = None  # one of request.GENRES
    genre_scores: dict[str, float] = dataclasses.field(default_factory=dict)  # all 12, 0–1
    mood: str | None = None  # one of request.MOODS
    mood_scores: dict[str, float] = dataclasses.field(default_factory=dict)  # all 12, 0–1
    energy: float | None = None  # 0 (still) … 1 (maximal), from words like "high-energy", "relaxing"
    tempo_bpm: int | None = None  # an explicit number: "90 bpm"
    tempo_word: str | None = None  # "slow" | "medium" | "fast"
    key: Key | None = None  # "in A minor"
    time_signature: tuple[int, int] | None = None  # "3/4", "waltz"
    instruments: list[str] = dataclasses.field(default_factory=list)  # canonical names (instruments.py)
    excluded_instruments: list[str] = dataclasses.field(default_factory=list)  # "no piano"
    drums: bool | None = None  # False for "no drums"/"without percussion"; True when asked for
    vocals: bool | None = None  # False for "without vocals" (the engine never sings; recorded for honesty)
    context: str | None = None  # workout | meditation | cooking | trailer | study | sleep | game | podcast | ad | …
    hints: list[str] = dataclasses.field(default_factory=list)  # "slow_build", "drop", "loopable", "fade_out", …
    subgenre: str | None = None  # e.g. "trap", "lofi", "boom bap", "house", "techno", "dnb", "waltz", "ballad"
    # Added by the prompt work:
    mode: str | None = None  # "minor"/"major" from "in a minor key" (no tonic), or the key's mode
    context_energy: float | None = None  # how energetic the scene usually is (workout 0.85, sleep 0.05)
    genre_inferred: str | None = None  # best guess from genre_scores, whether or not a word said it
    mood_inferred: str | None = None


# -- prototypes: what each genre and mood sounds like in words ------------------------------
# Written for this project. Several per label, in the words people use in prompts,
# including the scenes each one is typically wanted for.
GENRE_PROTOTYPES: dict[str, tuple[str, ...]] = {
    "Pop": (
        "catchy pop song with a bright hook and a big chorus",
        "radio-friendly pop track with synths, piano and handclaps",
        "feel-good modern pop music for a commercial or a vlog",
        "light cheerful background music for a lifestyle video",
        "upbeat pop groove with a memorable melody",
    ),
    "Rock": (
        "rock band with electric guitars, bass and loud drums",
        "driving guitar riffs and pounding drums",
        "stadium rock anthem with power chords",
        "gritty garage rock with distorted guitars",
        "heavy guitar music for sports and action",
    ),
    "Jazz": (
        "jazz trio with piano, upright bass and brushed drums",
        "smooth saxophone melody in a late-night jazz club",
        "swinging jazz with walking bass and ride cymbal",
        "elegant dinner music in a cocktail lounge",
        "relaxed coffee shop jazz",
    ),
    "Classical": (
        "classical piano piece in the style of Chopin",
        "string quartet playing an elegant classical composition",
        "orchestral symphony movement with violins and woodwinds",
        "calm solo piano music, gentle and expressive",
        "baroque harpsichord and chamber strings",
    ),
    "Electronic": (
        "electronic dance music with synthesizers and a four-on-the-floor kick",
        "club track with a big drop, synth leads and sidechained bass",
        "energetic EDM for a workout at the gym",
        "retro synthwave with analog synths and arpeggios",
        "pulsing techno beat for a night drive",
    ),
    "Hip Hop": (
        "hip hop beat with hard drums and a deep bass",
        "lo-fi hip hop beats to relax and study to",
        "trap beat with 808 bass and fast hi-hats",
        "boom bap instrumental with dusty vinyl samples",
        "urban rap instrumental with a head-nodding groove",
    ),
    "Country": (
        "country song with acoustic guitar, banjo and fiddle",
        "americana tune for a road trip through the countryside",
        "nashville country ballad with pedal steel guitar",
        "foot-stomping bluegrass with fiddle and banjo",
        "western cowboy music on the open range",
    ),
    "Blues": (
        "twelve-bar blues with an electric guitar solo",
        "slow blues with a crying guitar and harmonica",
        "shuffle blues with piano and walking bass",
        "smoky bar band playing the blues",
        "delta blues on a slide guitar",
    ),
    "Reggae": (
        "reggae with offbeat guitar skank and a deep bass line",
        "laid-back Jamaican roots reggae one-drop rhythm",
        "dub reggae with echo and heavy bass",
        "sunny island music for the beach",
        "ska and dancehall grooves from Kingston",
    ),
    "Folk": (
        "acoustic folk song with fingerpicked guitar",
        "celtic folk tune with fiddle, tin whistle and bodhran",
        "indie folk with acoustic guitar, mandolin and soft vocals",
        "campfire singalong with strummed guitar",
        "warm homemade acoustic music for a cozy morning",
    ),
    "Ambient": (
        "ambient soundscape with slowly evolving pads",
        "atmospheric drone music with no beat",
        "calm ambient textures for meditation and sleep",
        "ethereal spacey pads and soft bells with long reverb",
        "peaceful background ambience for yoga and relaxation",
    ),
    "Cinematic": (
        "epic orchestral film score with strings, brass and timpani",
        "cinematic trailer music that builds to a huge climax",
        "emotional movie soundtrack with piano and strings",
        "tense suspenseful underscore for a thriller scene",
        "heroic adventure music for a fantasy film",
    ),
}

MOOD_PROTOTYPES: dict[str, tuple[str, ...]] = {
    "Happy": (
        "happy cheerful music that makes you smile",
        "joyful sunny upbeat tune",
        "playful fun bouncy music for kids",
        "bright carefree summer vibes",
    ),
    "Sad": (
        "sad sorrowful music about loss",
        "heartbreaking tearful melody",
        "mournful slow music for a funeral",
        "lonely and grieving, full of sorrow",
    ),
    "Energetic": (
        "high-energy music that gets you moving",
        "energetic driving beat to pump you up",
        "fast powerful music for a workout or sports highlights",
        "hype music for a party",
    ),
    "Calm": (
        "calm relaxing music to unwind",
        "chill mellow background music",
        "soothing gentle music for studying",
        "quiet easygoing music for a lazy afternoon",
    ),
    "Mysterious": (
        "mysterious eerie music full of secrets",
        "spooky haunting atmosphere in the dark",
        "enigmatic otherworldly sounds for a sci-fi mystery",
        "strange magical music in an ancient forest",
    ),
    "Romantic": (
        "romantic love song for a couple",
        "tender intimate music for a candlelit dinner",
        "passionate and loving music for a wedding",
        "sweet affectionate melody for a first dance",
    ),
    "Epic": (
        "epic heroic music for a great battle",
        "grand majestic triumphant anthem",
        "huge powerful trailer music",
        "legendary adventure with a massive climax",
    ),
    "Melancholic": (
        "melancholic wistful music about memories",
        "bittersweet nostalgic reflection",
        "pensive rainy-day music, a little sad but beautiful",
        "longing and reflective autumn mood",
    ),
    "Uplifting": (
        "uplifting inspiring music that gives hope",
        "motivational positive music for a success story",
        "hopeful rising music for a product launch",
        "empowering feel-good anthem",
    ),
    "Dark": (
        "dark sinister music with an ominous feeling",
        "gloomy brooding menacing atmosphere",
        "evil villain theme in the shadows",
        "gritty dark underground sound",
    ),
    "Peaceful": (
        "peaceful serene music for meditation",
        "tranquil ambient music to fall asleep",
        "still and restful like a quiet lake at dawn",
        "gentle nature sounds and harmony for a spa",
    ),
    "Intense": (
        "intense suspenseful music with rising tension",
        "aggressive hard-hitting music",
        "frantic urgent chase scene",
        "tense thriller music that keeps you on edge",
    ),
}

# How sharply similarity differences separate labels: cosine gaps of ~0.1 between
# prototypes are typical, and should give roughly a 3:1 preference.
_TEMPERATURE = 0.08
# Share of the final score held by explicit words when the prompt names a genre/mood.
_EXPLICIT_SHARE = 0.7
# Cap on how much the instruments named can push one genre.
_INSTRUMENT_PRIOR_CAP = 0.5

_CACHE_VERSION = "1"  # bump when the way prototypes are embedded changes


class _Model:
    """The encoder plus the prototype matrices, built once per process."""

    def __init__(self) -> None:
        from himig.engine.embedding import get_encoder

        self.encoder = get_encoder()
        sentences, self.genre_rows = _flatten(GENRE_PROTOTYPES, GENRES)
        mood_sentences, mood_rows = _flatten(MOOD_PROTOTYPES, MOODS)
        self.mood_rows = [rows + len(sentences) for rows in mood_rows]
        vectors = _cached_embeddings(self.encoder, sentences + mood_sentences)
        self.prototypes = vectors

    def scores(self, vector: np.ndarray, rows: list[np.ndarray]) -> np.ndarray:
        """Softmax over labels of each label's prototype similarity (max and mean blended)."""
        sims = self.prototypes @ vector
        per_label = np.array([0.7 * sims[r].max() + 0.3 * sims[r].mean() for r in rows])
        return _softmax(per_label / _TEMPERATURE)


def _flatten(prototypes: Mapping[str, tuple[str, ...]], labels: tuple[str, ...]) -> tuple[list[str], list[np.ndarray]]:
    sentences: list[str] = []
    rows: list[np.ndarray] = []
    for label in labels:
        start = len(sentences)
        sentences.extend(prototypes[label])
        rows.append(np.arange(start, len(sentences)))
    return sentences, rows


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    out: np.ndarray = e / e.sum()
    return out


def cache_dir() -> Path:
    """Where derived data (prototype embeddings) is cached: never inside the repository."""
    configured = os.environ.get("HIMIG_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "himig"


def _cached_embeddings(encoder: object, sentences: list[str]) -> np.ndarray:
    """Embed the prototypes, reusing a disk cache keyed by the model and the sentences.

    Embedding ~110 prototypes costs about a second on a busy 2-core machine; reading
    them back costs a millisecond, which keeps the cold start under a second.
    """
    from himig.engine.embedding import SentenceEncoder

    assert isinstance(encoder, SentenceEncoder)
    digest = hashlib.sha256(
        json.dumps([_CACHE_VERSION, encoder.fingerprint(), sentences]).encode()
    ).hexdigest()[:24]
    path = cache_dir() / f"prompt-prototypes-{digest}.npy"
    try:
        cached = np.load(path, allow_pickle=False)
        if cached.shape == (len(sentences), encoder.hidden):
            result: np.ndarray = cached.astype(np.float32)
            return result
    except (OSError, ValueError):
        pass
    vectors = encoder.encode(sentences)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home is fine: we just embed again next time
    return vectors


_model: _Model | None = None
_model_lock = threading.Lock()


def load_model() -> None:
    """Load the embedding model and prototypes now (idempotent, thread-safe)."""
    _get_model()


def _get_model() -> _Model:
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = _Model()
    return _model


# -- reading the text ---------------------------------------------------------------------
_MODE_WORDS = r"major|minor|maj|min|dorian|phrygian|lydian|mixolydian|aeolian|ionian|harmonic minor"
_ACCIDENTAL = r"#|♯|b|♭|\s?-?sharp|\s?-?flat"
_KEY_AFTER_IN = re.compile(
    rf"\b(?P<prefix>in the key of|key of|in key|key:|key|in)\s+(?P<letter>[A-Ga-g])(?P<acc>{_ACCIDENTAL})?"
    rf"(?:\s*(?P<mode>{_MODE_WORDS}|m)\b|\b)(?P<keyword>\s+key\b)?",
)
_KEY_BARE = re.compile(rf"\b(?P<letter>[A-Ga-g])(?P<acc>{_ACCIDENTAL})?\s*(?P<mode>{_MODE_WORDS})\b")
_KEY_SHORT = re.compile(r"\b(?P<letter>[A-G])(?P<acc>#|b)?m\b")
_BPM_RANGE = re.compile(r"(?<![\d.])(\d{2,3})\s*(?:-|–|to)\s*(\d{2,3})\s*(?:bpm|beats per minute)\b")
_BPM = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d+)?)\s*-?\s*(?:bpm|b\.p\.m\.?|beats per minute|beats a minute)")
_TEMPO_NUMBER = re.compile(r"\btempo\s*(?:of|at|around|about|=|:)?\s*(\d{2,3})\b")
_METER = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_AFTER_KEY_WORDS = frozenset({"with", "and", "at", "for", "please", "that", "to", "on", "over", "using", "plus",
                              "but", "feat", "featuring", "or", "around", "near", "bpm", "tempo", "time"})
_FREE = re.compile(r"\b([a-z0-9]+)[- ]free\b")
_FREE_OF = re.compile(r"\bfree of\b")
_TOKEN = re.compile(r"[a-z0-9#]+|[,.;:!?()]")
_PUNCTUATION = frozenset(",.;:!?()")
_MAX_PHRASE = max(len(p.split()) for p in lexicon.LEXICON)


@dataclasses.dataclass
class _Hit:
    sense: lexicon.Sense
    start: int
    end: int
    negated: bool
    intensified: bool


def understand(text: str) -> Descriptors:
    """Read a prompt. Never raises on any text (an empty one says nothing)."""
    raw = unicodedata.normalize("NFKC", text if isinstance(text, str) else "")[:2000]
    d = Descriptors()
    if not raw.strip():
        uniform = 1.0 / len(GENRES)
        d.genre_scores = {g: round(uniform, 4) for g in GENRES}
        d.mood_scores = {m: round(1.0 / len(MOODS), 4) for m in MOODS}
        return d

    raw, d.key = _find_key(raw)
    low = raw.lower()
    low, d.tempo_bpm, tempo_hint = _find_bpm(low)
    low, d.time_signature = _find_meter(low)
    low = _FREE_OF.sub("no", _FREE.sub(r"no \1", low))
    tokens = _TOKEN.findall(low.replace("&", " and ").replace("-", " ").replace("'", "").replace("’", ""))
    negated, negators = _negation(tokens)
    hits = _scan_lexicon(tokens, negated)
    masked = {i for h in hits if h.sense.masks_instruments for i in range(h.start, h.end)}
    positive_instruments, excluded = _scan_instruments(tokens, negated, negators, masked)

    drums_off = _negated_words(tokens, negated, lexicon.DRUM_WORDS)
    vocals_off = _negated_words(tokens, negated, lexicon.VOCAL_WORDS)
    live = [h for h in hits if not h.negated]
    if any(h.sense.drums is False for h in live) or drums_off:
        d.drums = False
    elif any(h.sense.drums for h in live) or any(
        INSTRUMENTS[n].is_drum and INSTRUMENTS[n].family == "drums" for n in positive_instruments
    ):
        d.drums = True
    if vocals_off or any(h.sense.vocals is False for h in live):
        d.vocals = False
    elif any(h.sense.vocals for h in live):
        d.vocals = True

    d.excluded_instruments = excluded
    d.instruments = [n for n in positive_instruments if n not in excluded]
    if d.drums is False:
        d.instruments = [n for n in d.instruments if not INSTRUMENTS[n].is_drum]

    d.tempo_word = next((h.sense.tempo_word for h in live if h.sense.tempo_word), None) or tempo_hint
    if d.time_signature is None:
        d.time_signature = next((h.sense.meter for h in live if h.sense.meter), None)
    d.hints = list(dict.fromkeys(h.sense.hint for h in live if h.sense.hint))
    context_hit = next((h for h in live if h.sense.context), None)
    if context_hit:
        d.context = context_hit.sense.context
        d.context_energy = context_hit.sense.energy
    d.mode = d.key.mode if d.key else next((h.sense.mode for h in live if h.sense.mode), None)

    model = _get_model()
    embed_text = " ".join(t for i, t in enumerate(tokens) if not negated[i] and i not in negators) or "music"
    vector = model.encoder.encode(embed_text)
    genre_probs = model.scores(vector, model.genre_rows)
    mood_probs = model.scores(vector, model.mood_rows)

    genre_prior = _sum_priors((h.sense.genre_prior for h in live), GENRES)
    genre_prior += _instrument_prior(d.instruments)
    mood_prior = _sum_priors((h.sense.mood_prior for h in live), MOODS)
    negated_genres = {g for h in hits if h.negated for g in h.sense.genres}
    negated_moods = {m for h in hits if h.negated for m in h.sense.moods}

    d.genre, d.genre_scores, d.genre_inferred = _decide(
        GENRES, genre_probs, genre_prior, [h.sense.genres for h in live], negated_genres
    )
    d.mood, d.mood_scores, d.mood_inferred = _decide(
        MOODS, mood_probs, mood_prior, [h.sense.moods for h in live], negated_moods
    )
    d.subgenre = _choose_subgenre(live, d.genre or d.genre_inferred)
    d.energy = _energy(live, negated_moods)
    return d


def _find_key(text: str) -> tuple[str, Key | None]:
    """Find "in A minor", "key of C", "D dorian", "F#m"; return the text without it."""
    for pattern in (_KEY_AFTER_IN, _KEY_BARE, _KEY_SHORT):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            letter, acc, mode = groups["letter"], groups.get("acc") or "", groups.get("mode")
            prefix = (groups.get("prefix") or "").lower()
            if groups.get("keyword") and mode in {"major", "minor"} and letter in "aA" and not acc:
                continue  # "in a minor key": a mode without a tonic, left to the lexicon
            if pattern is _KEY_AFTER_IN and not acc and letter == "a" and "key" not in prefix:
                # "in a cafe", "in a major way": an article. "in a minor" is the key only when
                # nothing noun-like follows it.
                following = re.match(r"\s*([a-z]+)", text[match.end() :].lower())
                if not mode or (following and following.group(1) not in _AFTER_KEY_WORDS):
                    continue
            if pattern is _KEY_AFTER_IN and not mode and not acc and letter.islower() and "key" not in prefix:
                continue  # "in e": too little to go on without "key"
            if pattern is _KEY_BARE and letter.islower() and not acc and mode in {"major", "minor", "maj", "min"}:
                continue  # "a minor change", "a major hit": ambiguous without "in"
            accidental = "#" if ("sharp" in acc or acc in {"#", "♯"}) else ("b" if acc.strip() else "")
            mode_word = "minor" if mode == "m" else (mode or "major")
            try:
                key = parse_key(f"{letter.upper()}{accidental} {mode_word}")
            except ValueError:
                continue
            return text[: match.start()] + " " + text[match.end() :], key
    return text, None


def _find_bpm(text: str) -> tuple[str, int | None, str | None]:
    """"90 bpm", "80-90 bpm", "tempo 120"; out-of-range numbers become "slow"/"fast"."""
    for pattern in (_BPM_RANGE, _BPM, _TEMPO_NUMBER):
        match = pattern.search(text)
        if not match:
            continue
        numbers = [float(g) for g in match.groups() if g]
        value = round(sum(numbers) / len(numbers))
        rest = text[: match.start()] + " " + text[match.end() :]
        if value < MIN_TEMPO:
            return rest, None, "slow"
        if value > MAX_TEMPO:
            return rest, None, "fast"
        return rest, value, None
    return text, None, None


def _find_meter(text: str) -> tuple[str, tuple[int, int] | None]:
    for match in _METER.finditer(text):
        num, den = int(match.group(1)), int(match.group(2))
        if 2 <= num <= 15 and den in (2, 4, 8, 16):
            return text[: match.start()] + " " + text[match.end() :], (num, den)
    return text, None


def _negation(tokens: list[str]) -> tuple[list[bool], set[int]]:
    """Mark the words a negator covers: "no drums or bass" covers drums, or, bass."""
    negated = [False] * len(tokens)
    negators: set[int] = set()
    for i, token in enumerate(tokens):
        if token not in lexicon.NEGATORS:
            continue
        negators.add(i)
        for j in range(i + 1, min(len(tokens), i + 1 + lexicon.NEGATION_SPAN)):
            if tokens[j] in _PUNCTUATION or tokens[j] in lexicon.NEGATION_STOPS or tokens[j] in lexicon.NEGATORS:
                break
            negated[j] = True
    return negated, negators


def _scan_lexicon(tokens: list[str], negated: list[bool]) -> list[_Hit]:
    """Longest-first, left-to-right, non-overlapping matches of lexicon phrases."""
    hits: list[_Hit] = []
    i = 0
    while i < len(tokens):
        for length in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + length])
            sense = lexicon.LEXICON.get(phrase)
            if sense is not None:
                hits.append(
                    _Hit(sense, i, i + length, any(negated[i : i + length]),
                         i > 0 and tokens[i - 1] in lexicon.INTENSIFIERS)
                )
                i += length
                break
        else:
            i += 1
    return hits


def _scan_instruments(
    tokens: list[str], negated: list[bool], negators: set[int], masked: set[int]
) -> tuple[list[str], list[str]]:
    """Instrument names in order of mention, split into wanted and excluded ("no piano")."""
    wanted: list[str] = []
    excluded: list[str] = []
    i = 0
    while i < len(tokens):
        found = None
        for length in range(min(4, len(tokens) - i), 0, -1):
            span = range(i, i + length)
            words = tokens[i : i + length]
            if any(j in masked or j in negators or tokens[j] in _PUNCTUATION for j in span):
                continue
            if length == 1 and words[0] in lexicon.AMBIGUOUS_INSTRUMENT_WORDS:
                continue
            name = canonical_instrument(" ".join(words))
            if name:
                found = (name, length, any(negated[j] for j in span))
                break
        if found is None:
            i += 1
            continue
        name, length, is_negated = found
        target = excluded if is_negated else wanted
        if name not in target:
            target.append(name)
        i += length
    return wanted, excluded


def _negated_words(tokens: list[str], negated: list[bool], words: frozenset[str]) -> bool:
    for i, token in enumerate(tokens):
        if not negated[i]:
            continue
        if token in words or (i + 1 < len(tokens) and negated[i + 1] and f"{token} {tokens[i + 1]}" in words):
            return True
    return False


def _sum_priors(priors: Iterable[Mapping[str, float]], labels: tuple[str, ...]) -> np.ndarray:
    total = np.zeros(len(labels))
    for prior in priors:
        for label, weight in prior.items():
            total[labels.index(label)] += weight
    return total


def _instrument_prior(instruments: list[str]) -> np.ndarray:
    total = np.zeros(len(GENRES))
    for name in instruments:
        for genre, weight in lexicon.INSTRUMENT_GENRE_PRIOR.get(name, {}).items():
            total[GENRES.index(genre)] += weight
    return np.minimum(total, _INSTRUMENT_PRIOR_CAP)


def _decide(
    labels: tuple[str, ...],
    embedded: np.ndarray,
    prior: np.ndarray,
    explicit_hits: list[Mapping[str, float]],
    negated: set[str],
) -> tuple[str | None, dict[str, float], str]:
    """Combine embedding, priors and explicit words into (word choice, scores, best guess)."""
    inferred = embedded + prior
    explicit = _sum_priors(explicit_hits, labels)
    for label in negated:
        inferred[labels.index(label)] = 0.0
        explicit[labels.index(label)] = 0.0
    inferred = inferred / inferred.sum() if inferred.sum() > 0 else np.full(len(labels), 1.0 / len(labels))
    chosen: str | None = None
    if explicit.max() > 0:
        combined = (1 - _EXPLICIT_SHARE) * inferred + _EXPLICIT_SHARE * explicit / explicit.sum()
        # The strongest word wins; the embedding only breaks ties ("jazz hip hop").
        best = max(range(len(labels)), key=lambda k: (round(float(explicit[k]), 6), float(inferred[k])))
        chosen = labels[best]
    else:
        combined = inferred
    scores = {label: round(float(combined[k]), 4) for k, label in enumerate(labels)}
    guess = chosen or labels[int(np.argmax(combined))]
    return chosen, scores, guess


def _choose_subgenre(live: list[_Hit], genre: str | None) -> str | None:
    candidates = [h for h in live if h.sense.subgenre]
    if not candidates:
        return None
    # The last one said is usually the head of the phrase: "celtic folk jig" is a jig.
    for hit in reversed(candidates):
        if genre in hit.sense.genres:
            return hit.sense.subgenre
    return candidates[-1].sense.subgenre


def _energy(live: list[_Hit], negated_moods: set[str]) -> float | None:
    """Energy from what the words say: energy words, else the moods named.

    Scenes ("workout") are reported separately in ``context_energy`` so a caller
    combining the two does not count the scene twice.
    """
    values: list[float] = []
    for hit in live:
        if hit.sense.context or hit.sense.energy is None:
            continue
        value = hit.sense.energy
        if hit.intensified:  # "very relaxing" is calmer than "relaxing"
            value = 0.5 + (value - 0.5) * 1.4
        values.append(value)
    if not values:
        named = [m for h in live for m in h.sense.moods if m not in negated_moods]
        values = [lexicon.MOOD_ENERGY[m] for m in named]
    if not values:
        return None
    # Lean toward the most extreme word: "calm but intense" is about its intensity.
    mean = sum(values) / len(values)
    extreme = max(values, key=lambda v: abs(v - 0.5))
    return round(min(1.0, max(0.0, 0.5 * mean + 0.5 * extreme)), 3)
