"""Brief → Score: the form, the harmony, and every player's notes.

The style module decides the band (``Style.arrange``); this package owns what all
styles share: harmony planning with cadences, motif-based melody, grooves, voice
leading, humanising, instrument requests and the final chord's ring-out.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from himig.engine.compose import players
from himig.engine.compose.context import Ctx, Slot, clip_notes
from himig.engine.compose.form import RING_OUT_S, beats_per_bar
from himig.engine.compose.harmony import plan_harmony
from himig.engine.compose.melody import melody
from himig.engine.compose.players import Groove
from himig.engine.instruments import INSTRUMENTS, satisfies
from himig.engine.score import TICKS_PER_BEAT, Note, Part, Score, Section

if TYPE_CHECKING:
    from himig.engine.brief import Brief


# A plain backbeat for styles that normally play without a kit when a kit is asked for.
DEFAULT_GROOVES = {
    "low": Groove({36: "x.......x.......", 37: "....x.......x...", 42: "x.x.x.x.x.x.x.x."}),
    "mid": Groove({36: "x.....x.x.......", 38: "....x.......x...", 42: "x.x.x.x.x.x.x.x."}),
    "high": Groove({36: "x.....x.x.x.....", 38: "....x.......x...", 42: "xxxxxxxxxxxxxxxx", 46: "..............x."}),
}
# Extra lanes for percussion people ask for by name.
PERCUSSION_LANES = {
    "handclaps": (39, "....x.......x..."),
    "shaker": (70, "xoxoxoxoxoxoxoxo"),
    "tambourine": (54, "..x...x...x...x."),
    "congas": (63, "..x.x..x..x.xx.."),
    "bongos": (60, "x..x..x.x..x..x."),
    "cowbell": (56, "x...x...x...x..."),
}
_LEAD_FAMILIES = {"reeds", "pipes", "brass", "synth"}
_SOLO_STRINGS = {"violin", "fiddle", "viola", "cello"}


def compose(brief: Brief) -> Score:
    """Write every note of the track described by ``brief`` (deterministic from its seed)."""
    style = brief.style
    tempo = brief.form.tempo_bpm
    score = Score(
        tempo_bpm=tempo,
        duration_s=float(brief.duration),
        time_signature=brief.time_signature,
        key=brief.key.name,
        ending=brief.ending,
    )
    end_tick = score.ticks(score.duration_s)
    bpb = beats_per_bar(brief.time_signature)
    final_tick = brief.form.body_bars * bpb * score.ticks_per_beat
    loop = brief.ending == "loop"
    if loop and abs(final_tick - end_tick) <= 2:
        final_tick = end_tick  # whole bars fill the track: its end is the next downbeat
    ctx = Ctx(
        brief=brief,
        style=style,
        mood=brief.mood_profile,
        key=brief.key,
        rng=random.Random(f"compose:{brief.seed}"),
        tempo=tempo,
        beats_per_bar=bpb,
        sections=list(brief.form.sections),
        end_tick=end_tick,
        final_tick=final_tick,
        release_tick=end_tick - 1,
    )
    plan_harmony(ctx)
    slots = fit_instruments(ctx, style.arrange(ctx))
    ctx.release_tick = _release_tick(ctx, brief.form.hold_s)
    if bpb == 3:
        slots = [_in_three(slot) for slot in slots]
    elif brief.time_signature == (6, 8):
        slots = [_in_six(slot) for slot in slots]
    order = {"drums": 0, "bass": 1, "harmony": 2, "pad": 3, "arp": 4, "melody": 5, "counter": 6, "fx": 7}
    parts_by_slot: dict[str, Part] = {}
    for slot in sorted(slots, key=lambda s: order.get(s.role, 9)):
        notes = clip_notes(_broaden_cadence(ctx, slot.player(ctx, slot)), end_tick)
        _modulate(ctx, slot, notes)
        notes.sort(key=lambda n: (n.start, n.pitch))
        spec = INSTRUMENTS[slot.instrument]
        parts_by_slot[slot.name] = Part(
            name=slot.name,
            role=slot.role,
            instrument=slot.instrument,
            program=int(slot.params.get("program", spec.program)),
            is_drum=spec.is_drum,
            synth=slot.params.get("synth", spec.synth),
            notes=notes,
            gain_db=slot.gain_db,
            pan=slot.pan,
            reverb=slot.reverb,
            delay=slot.delay,
            sidechain=slot.sidechain,
            # A style that picks its own program picks its own sound: no variation then.
            variation=list(spec.variation) if spec.variation and "program" not in slot.params else None,
        )
    _make_requested_play(ctx, slots, parts_by_slot, end_tick)
    score.parts = [parts_by_slot[s.name] for s in slots if parts_by_slot[s.name].notes]
    score.sections = [
        Section(s.name, s.start_bar * ctx.bar_ticks, s.end_bar * ctx.bar_ticks, s.energy) for s in ctx.sections
    ]
    if final_tick < end_tick:
        score.sections.append(Section("ending", final_tick, end_tick, _ending_energy(ctx)))
    else:  # a loop: the last section runs to the end
        last = score.sections[-1]
        score.sections[-1] = Section(last.name, last.start, end_tick, last.energy)
    if brief.ending == "fade":
        score.fade_s = round(min(8.0, max(3.0, brief.duration * 0.12)), 2)
    return score


def _release_tick(ctx: Ctx, hold_s: float) -> int:
    """Where the final chord's longest notes let go, so that it dies away inside the track.

    The chord is struck a few seconds before the end (``form.WANT_HOLD_S``), rings and
    dies away, and its last notes let go about a second before the end: a sampled release
    and its reverb fall 25 dB within 0.3 s of the note-off and below -60 dBFS within about
    0.6 s, so a second before the end the chord is well below its strike, the track is not
    cut on a sounding note, and no more than a breath of silence follows. (Let go 0.7-1.0 s
    before the end, a strummed country chord was within 17 dB of its strike a second before
    it; 2-2.5 s before, slow tracks had up to 1.75 s of dead air.) After a long hold the
    chord has died away by itself and is let go a little later (a slow ballad's soft chord
    let go 1.4 s before the end left 1.35 s below -60 dBFS).

    A sustained chord (strings, synths, choir: nothing plucked to ring it) thins out, its
    last voice lifting at 80% of the release (``players.ring_length``), so its release is
    set later: the tune still lets go about a second before the end (let go 1.6 s before
    it, EDM endings fell silent 1.15-1.3 s before the end).
    """
    earliest = ctx.final_tick + TICKS_PER_BEAT  # the final chord sounds at least a beat
    ring_s = min(RING_OUT_S[1], max(RING_OUT_S[0], 1.5 - 0.09 * hold_s))
    if ctx.brief.ending == "ring" and not players.final_rings(ctx):
        last = max(players.THINNING.values())
        ring_s = max(0.6, (RING_OUT_S[0] + 0.45 - (1 - last) * hold_s) / last)
    return min(max(earliest, ctx.end_tick - round(ring_s * ctx.tempo * TICKS_PER_BEAT / 60.0)), ctx.end_tick - 1)


# One bar of 3/4 in 16ths (12 steps): oom-pah-pah.
WALTZ_GROOVES = {
    "low": Groove({36: "x...........", 37: "....x...x...", 42: "x.x.x.x.x.x."}, 12),
    "mid": Groove({36: "x...........", 38: "....x...x...", 42: "x.x.x.x.x.x."}, 12),
}
WALTZ_PATTERNS = {
    "bass": {"low": "R-----------", "mid": "R-------F---", "high": "R---F---O---"},
    "harmony": {"low": "x-----------", "mid": "....x---x---", "high": "x---x---x---"},
    "strum": {"low": "D-----------", "mid": "D...D.U.D.U.", "high": "D.U.D.U.D.U."},
    "fx": {"mid": "x-----------"},
}


def _in_three(slot: Slot) -> Slot:
    """Patterns written for a 4/4 bar, re-written for 3/4."""
    grooves = slot.params.get("grooves")
    if grooves and any(g.steps != 12 for g in grooves.values()):
        slot.params["grooves"] = WALTZ_GROOVES
    patterns = slot.params.get("patterns")
    if patterns and any(len(p) != 12 for p in patterns.values()):
        strum = any(("D" in p) for p in patterns.values())
        kind = "strum" if strum else slot.role if slot.role in WALTZ_PATTERNS else "harmony"
        slot.params["patterns"] = WALTZ_PATTERNS[kind]
    return slot


def _modulate(ctx: Ctx, slot: Slot, notes: list[Note]) -> None:
    """A key change up: every pitched note from the modulation bar on moves up (a bass
    that would leave its range drops an octave instead)."""
    if not ctx.brief.modulation or INSTRUMENTS[slot.instrument].is_drum or slot.role == "fx" and slot.instrument != "timpani":
        return
    bar, semitones = ctx.brief.modulation
    at = ctx.bar_start(bar) - ctx.ms(30)  # early-played downbeats belong to the new key
    for note in notes:
        if note.start >= at:
            note.pitch += semitones
            if slot.role == "bass" and note.pitch > slot.high:
                note.pitch -= 12


# 6/8 in 8ths (6 steps a bar): kick on 1, backbeat on 4, the jig's "diddle-y" in the hats.
_KICKS_68 = {35, 36}
_BACKBEAT_68 = {37, 38, 39, 40}
_HATS_68 = {42, 44, 46, 51, 53, 54, 69, 70, 82}
SIX_EIGHT = {
    "low": {"kick": "x.....", "back": "...x..", "hat": "x..x.."},
    "mid": {"kick": "x.....", "back": "...x..", "hat": "x.xx.x"},
    "high": {"kick": "x..x..", "back": "...x..", "hat": "xxxxxx"},
}
SIX_EIGHT_PATTERNS = {
    "bass": {"low": "R-----", "mid": "R--F--", "high": "R.RF.F"},
    "harmony": {"low": "x-----", "mid": "x--x--", "high": "x.xx.x"},
    "strum": {"low": "D-----", "mid": "D.UD.U", "high": "DUUDUU"},
    "fx": {"mid": "x-----"},
}


def _in_six(slot: Slot) -> Slot:
    """Patterns written for 4/4 re-written for 6/8: a 12-step (triplet) bar of 4/4 is two
    bars of 6/8, so it is halved; straight 16-step patterns get 6/8 ones."""
    grooves = slot.params.get("grooves")
    if grooves:
        fitted: dict[str, Groove] = {}
        for name, g in grooves.items():
            if g.steps == 12:
                lanes = {k: v[:6] for k, v in g.lanes.items() if "x" in v[:6].lower() or "o" in v[:6]}
            else:
                level = SIX_EIGHT.get(name, SIX_EIGHT["mid"])
                lanes = {}
                for k, v in g.lanes.items():
                    lane = "kick" if k in _KICKS_68 else "back" if k in _BACKBEAT_68 else "hat" if k in _HATS_68 else ""
                    if lane and "x" in v.lower():
                        lanes[k] = level[lane]
                    elif not lane and v.count("x") + v.count("X") <= 4 and "x" in v.lower():
                        lanes[k] = "x....."  # shakers, bells, congas: once a bar
            fitted[name] = Groove(lanes or {36: "x....."}, 6)
        slot.params["grooves"] = fitted
    if slot.role in {"melody", "counter"}:
        slot.params["grid"] = 3  # tunes move in the 8ths of 6/8, three to a beat
    if slot.role in {"arp", "counter"} or "rate" in slot.params:
        slot.params["rate"] = 3 if int(slot.params.get("rate", 2)) >= 2 else 1
    patterns = slot.params.get("patterns")
    if patterns and any(len(p) != 6 for p in patterns.values()):
        if all(len(p) == 12 for p in patterns.values()):
            # a half that plays once ("R-----F-----") squeezes the whole figure into the bar
            slot.params["patterns"] = {name: p[:6] if sum(c not in ".-" for c in p[:6]) > 1 else p[::2]
                                       for name, p in patterns.items()}
        else:
            strum = any(("D" in p) for p in patterns.values())
            kind = "strum" if strum else slot.role if slot.role in SIX_EIGHT_PATTERNS else "harmony"
            slot.params["patterns"] = SIX_EIGHT_PATTERNS[kind]
    return slot


def _broaden_cadence(ctx: Ctx, notes: list[Note]) -> list[Note]:
    """Players lean back into the final chord: the cadence bar's notes arrive a little
    later the nearer they are to it (up to ~60 ms), as a band broadens the last bar.
    Machine genres and loops keep strict time."""
    if ctx.style.genre in {"Electronic", "Hip Hop"} or ctx.brief.ending == "loop":
        return notes
    bar_start = ctx.final_tick - ctx.bar_ticks
    most = ctx.ms(60)
    for note in notes:
        if bar_start <= note.start < ctx.final_tick:
            shift = round(most * (note.start - bar_start) / ctx.bar_ticks)
            end = note.start + note.duration
            note.start += shift
            note.duration = max(10, min(end, ctx.final_tick) - note.start if end <= ctx.final_tick else end - note.start)
    return notes


def _make_requested_play(ctx: Ctx, slots: list[Slot], parts: dict[str, Part], end_tick: int) -> None:
    """A requested instrument whose part the energy curve kept silent (a bell answer that
    only comes in choruses, a ballad kit in a form without verses) plays everywhere."""
    wanted = list(ctx.brief.requested_instruments)
    if ctx.brief.drums:
        wanted.append("drums")
    for name in wanted:
        if any(satisfies(name, p.instrument) or (name == "drums" and p.is_drum) for p in parts.values() if p.notes):
            continue
        slot = next((s for s in slots if satisfies(name, s.instrument) or (name == "drums" and s.role == "drums")), None)
        if slot is None:
            continue
        slot.sections, slot.min_energy = None, 0.0
        slot.params["chance"] = 1.0
        notes = clip_notes(slot.player(ctx, slot), end_tick)
        if not notes and slot.role == "counter":
            # nowhere to answer the lead: play broken chords instead
            slot.player, slot.role = players.arpeggio, "arp"
            slot.params.update({"order": (0, 1, 2, 1), "rate": 1, "voices": 3})
            notes = clip_notes(slot.player(ctx, slot), end_tick)
        notes.sort(key=lambda n: (n.start, n.pitch))
        parts[slot.name].notes = notes
        parts[slot.name].role = slot.role


def _ending_energy(ctx: Ctx) -> float:
    last = ctx.sections[-1].energy if ctx.sections else 0.5
    return round(max(0.05, min(1.0, last * 0.6)), 3)


def fit_instruments(ctx: Ctx, slots: list[Slot]) -> list[Slot]:
    """Honour the request: drop excluded instruments and the kit for "no drums", and make
    every requested instrument play — replacing a part of its family or adding one."""
    brief = ctx.brief
    kept = [
        s for s in slots
        if not any(satisfies(e, s.instrument) or e == s.instrument for e in brief.excluded_instruments)
        and (brief.drums or not (INSTRUMENTS[s.instrument].is_drum or s.instrument in {"taiko"}))
    ]
    if brief.drums and not any(INSTRUMENTS[s.instrument].is_drum for s in kept):
        kept.insert(0, Slot("drums", "drums", "drums", players.drums, {"grooves": DEFAULT_GROOVES, "fill": "snare"},
                            gain_db=-2, reverb=0.12, min_energy=0.0))
    taken: set[str] = set()
    for wanted in brief.requested_instruments:
        honouring = next((s for s in kept if satisfies(wanted, s.instrument)), None)
        if honouring is not None:
            taken.add(honouring.name)  # keep it: another request must not replace it
            continue
        spec = INSTRUMENTS[wanted]
        if spec.family == "percussion" and wanted in PERCUSSION_LANES:
            _add_percussion(kept, wanted)
            continue
        if spec.is_drum:
            for s in kept:
                if INSTRUMENTS[s.instrument].is_drum and s.role == "drums":
                    s.instrument = wanted
                    break
            continue
        slot = _replaceable(kept, wanted, taken)
        if slot is not None:
            slot.instrument = wanted
            slot.low, slot.high = _range_for(slot.role, wanted)
            slot.params.pop("program", None)
            slot.params.pop("synth", None)
            taken.add(slot.name)
            continue
        added = _new_slot(ctx, wanted, kept)
        names = {s.name for s in kept}
        base, n = added.name, 2
        while added.name in names:  # "harp" (a harp) next to "harp" (the blues harmonica)
            added.name = f"{base}_{n}"
            n += 1
        kept.append(added)
        taken.add(added.name)
    return kept


def _add_percussion(slots: list[Slot], wanted: str) -> None:
    key, pattern = PERCUSSION_LANES[wanted]
    for slot in slots:
        if slot.role == "drums" and "grooves" in slot.params:
            grooves = slot.params["grooves"]
            slot.params["grooves"] = {
                name: Groove({**g.lanes, key: pattern[: g.steps] if g.steps == 16 else "x" + "." * (g.steps - 1)}, g.steps)
                for name, g in grooves.items()
            }
            slot.params["percussion"] = [*slot.params.get("percussion", []), wanted]
            return
    lanes = {key: pattern}
    slots.append(Slot("percussion", "drums", wanted, players.drums,
                      {"grooves": {"mid": Groove(lanes)}, "fill": "none"}, gain_db=-6, pan=0.2, reverb=0.15))


def _replaceable(slots: list[Slot], wanted: str, taken: set[str]) -> Slot | None:
    spec = INSTRUMENTS[wanted]
    family = spec.family

    def free(role: str, families: set[str]) -> Slot | None:
        for s in slots:
            if s.role == role and s.name not in taken and INSTRUMENTS[s.instrument].family in families:
                return s
        return None

    if family == "bass":
        return free("bass", {"bass", "strings", "keys"})
    if family in _LEAD_FAMILIES or wanted in _SOLO_STRINGS or wanted == "harmonica":
        if spec.family == "brass" and spec.generic:
            return free("pad", {"pad", "strings", "brass", "voice"})
        return free("melody", {"reeds", "pipes", "brass", "synth", "strings", "keys", "mallets", "guitar", "plucked"})
    if family in {"keys", "guitar"}:
        return free("harmony", {"keys", "guitar", "plucked"})
    if family in {"pad", "voice"} or (family == "strings" and spec.generic) or wanted in {"slow strings", "tremolo strings"}:
        return free("pad", {"pad", "strings", "voice", "keys", "brass"})
    return None


def _range_for(role: str, wanted: str) -> tuple[int, int]:
    spec = INSTRUMENTS[wanted]
    if role == "bass":
        return spec.low, min(spec.high, spec.low + 24)
    if role == "melody" or role == "counter":
        low = max(spec.low + 5, 55 if spec.high > 80 else spec.low + 5)
        return low, min(spec.high - 2, low + 21)
    if role in {"harmony", "pad"}:
        return max(spec.low, 48), min(spec.high, 79)
    return spec.low, spec.high


def _new_slot(ctx: Ctx, wanted: str, slots: list[Slot]) -> Slot:
    spec = INSTRUMENTS[wanted]
    name = wanted.replace(" ", "_")
    if spec.family == "fx":
        return Slot(name, "fx", wanted, players.riser if wanted == "riser" else players.impact, gain_db=-8)
    if spec.family == "bass":
        low, high = _range_for("bass", wanted)
        return Slot(name, "bass", wanted, players.bass, {"patterns": {"mid": "R-------R-------"}}, low=low, high=high)
    if spec.name in {"timpani", "taiko"}:
        return Slot(name, "fx", wanted, players.hits, {"patterns": {"low": "x...............", "mid": "x.......x.......",
                                                                    "high": "x.x.x...x.x.x.xX"}},
                    min_energy=0.5, low=36, high=55, gain_db=-4, reverb=0.35)
    has_melody = any(s.role == "melody" for s in slots)
    if spec.family in _LEAD_FAMILIES or wanted in _SOLO_STRINGS or wanted == "harmonica":
        low, high = _range_for("counter", wanted)
        role = "counter" if has_melody else "melody"
        player = players.counter if has_melody else melody
        return Slot(name, role, wanted, player, {"chance": 0.7}, low=low, high=high, gain_db=-4, pan=-0.25, reverb=0.3)
    if spec.family in {"pad", "voice", "strings"}:
        low, high = _range_for("pad", wanted)
        return Slot(name, "pad", wanted, players.pad, {"voices": 4}, low=low, high=high, gain_db=-7, reverb=0.45)
    if spec.family in {"plucked", "mallets"}:
        low, high = (max(spec.low, 55), min(spec.high, 84))
        rate = 4 if wanted == "banjo" else 2
        order = (0, 1, 2, 0, 1, 2, 3, 2) if wanted == "banjo" else (0, 1, 2, 3, 2, 1)
        return Slot(name, "arp", wanted, players.arpeggio, {"order": order, "rate": rate, "voices": 4, "legato": 1.2},
                    low=low, high=high, gain_db=-6, pan=0.3, reverb=0.3, min_energy=0.0)
    if spec.family == "guitar":
        return Slot(name, "harmony", wanted, players.comp, {"patterns": {"low": "x-------x-------", "mid": "x-.xx-x-.xx-x-x-"},
                                                             "strum_ms": 12, "voices": 5},
                    low=max(spec.low, 45), high=76, gain_db=-5, pan=-0.3, reverb=0.2)
    return Slot(name, "harmony", wanted, players.comp, {"patterns": {"low": "x-------x-------", "mid": "x-----x-----x---"}, "voices": 4},
                low=max(spec.low, 48), high=min(spec.high, 79), gain_db=-5, pan=0.2, reverb=0.3)
