"""Score → one stereo array per part: exact lengths, determinism, what each voice sounds like."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from himig.engine.errors import RenderFailed
from himig.engine.render import Renderer, velocity_gain
from himig.engine.render.synth import VOICES
from himig.engine.score import Note, Part, Score

SR = 44100
TPB = 480  # ticks per beat; at 120 BPM one beat is 0.5 s


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(sample_rate=SR)


def seconds(s: float) -> int:
    """Ticks at 120 BPM."""
    return round(s * 2 * TPB)


def score_of(*parts: Part, duration: float = 3.0) -> Score:
    score = Score(tempo_bpm=120, duration_s=duration, parts=list(parts))
    score.validate()
    return score


def synth_part(voice: str, pitch: int = 48, start: float = 0.25, length: float = 1.0, velocity: int = 100, **kw) -> Part:
    notes = [Note(seconds(start), seconds(length), pitch, velocity, **kw)]
    return Part(name=voice, role="melody", instrument=voice, synth=voice, is_drum=voice.startswith("drums"), notes=notes)


def spectrum(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mono = audio.mean(axis=0)
    power = np.abs(np.fft.rfft(mono * np.hanning(mono.size))) ** 2
    return np.fft.rfftfreq(mono.size, 1 / SR), power


def centroid(audio: np.ndarray) -> float:
    freqs, power = spectrum(audio)
    return float((freqs * power).sum() / power.sum())


def band_share(audio: np.ndarray, low: float, high: float) -> float:
    freqs, power = spectrum(audio)
    return float(power[(freqs >= low) & (freqs < high)].sum() / power.sum())


@pytest.mark.parametrize("duration", [1.0, 3.3337, 7.25])
def test_every_part_is_exactly_the_score_length(renderer, duration):
    end = seconds(duration) - 1
    piano = Part(name="piano", role="harmony", instrument="piano", notes=[Note(0, end, 60, 90), Note(end - 100, 100, 64, 90)])
    drums = Part(name="drums", role="drums", instrument="drums", is_drum=True, notes=[Note(0, 120, 36, 100)])
    lead = Part(name="lead", role="melody", instrument="synth lead", synth="saw_lead", notes=[Note(end - 300, 300, 72, 100)])
    score = Score(tempo_bpm=120, duration_s=duration, parts=[piano, drums, lead])
    out = renderer.render(score)
    n = round(duration * SR)
    assert list(out) == ["piano", "drums", "lead"]
    for audio in out.values():
        assert audio.shape == (2, n) and audio.dtype == np.float32
        assert np.abs(audio).max() > 1e-3


def test_rendering_is_deterministic_across_renders_and_renderers(renderer):
    parts = [
        Part(name="keys", role="harmony", instrument="piano", notes=[Note(i * 240, 900, 60 + i % 5, 80) for i in range(12)]),
        Part(name="kit", role="drums", instrument="drums", is_drum=True, notes=[Note(i * 240, 60, (36, 42, 38)[i % 3], 100) for i in range(12)]),
        Part(name="pad", role="pad", instrument="pad", synth="synth_pad", notes=[Note(0, 2000, 57, 70)]),
        Part(name="noise", role="fx", instrument="riser", synth="riser", notes=[Note(0, 2000, 60, 100)]),
    ]
    score = score_of(*parts, duration=4.0)
    first = renderer.render(score)
    again = renderer.render(score)
    fresh = Renderer(sample_rate=SR).render(score)
    for name in first:
        assert np.array_equal(first[name], again[name]), name
        assert np.array_equal(first[name], fresh[name]), name


def test_a_ringing_part_does_not_leak_into_the_next(renderer):
    ringing = Part(name="a", role="harmony", instrument="strings", program=48, notes=[Note(0, seconds(2.99), 60, 120)])
    quiet = Part(name="b", role="harmony", instrument="piano", notes=[Note(seconds(2.0), 100, 72, 60)])
    out = renderer.render(score_of(ringing, quiet))
    assert np.abs(out["b"][:, : 2 * SR - 10]).max() == 0.0


def test_overlapping_notes_of_one_pitch_are_not_cut_short(renderer):
    long = Note(0, seconds(2.5), 60, 100)
    short = Note(seconds(0.5), seconds(0.5), 60, 100)  # ends while the long one is still held
    organ = Part(name="organ", role="harmony", instrument="organ", program=16, notes=[long, short])
    out = renderer.render(score_of(organ))["organ"]
    held = out[:, int(1.6 * SR) : int(2.2 * SR)]
    assert np.sqrt(np.mean(held**2)) > 0.01  # organ sustains while a key is down


def test_missing_drum_kits_fall_back_to_the_standard_kit(renderer):
    assert renderer.sampled.kit_for(0) == 0
    assert renderer.sampled.kit_for(99) == 0  # no kit 99 in General MIDI fonts
    kit = Part(name="kit", role="drums", instrument="drums", is_drum=True, program=99, notes=[Note(0, 100, 38, 100)])
    assert np.abs(renderer.render(score_of(kit))["kit"]).max() > 0.01


def test_an_unknown_synth_voice_is_refused(renderer):
    part = Part(name="x", role="melody", instrument="x", synth="theremin", notes=[Note(0, 100, 60, 100)])
    with pytest.raises(RenderFailed, match="theremin"):
        renderer.render(score_of(part))


def test_velocity_maps_to_loudness(renderer):
    assert velocity_gain(127) == pytest.approx(1.0)
    assert velocity_gain(64) < velocity_gain(100) < velocity_gain(127)
    for voice in ("saw_lead", "sub_bass"):
        loud = renderer.render(score_of(synth_part(voice, velocity=120)))[voice]
        soft = renderer.render(score_of(synth_part(voice, velocity=40)))[voice]
        assert np.abs(loud).max() > 2.5 * np.abs(soft).max()
    piano_loud = Part(name="p", role="harmony", instrument="piano", notes=[Note(0, 400, 60, 120)])
    piano_soft = Part(name="p", role="harmony", instrument="piano", notes=[Note(0, 400, 60, 30)])
    # The SoundFont answers velocity itself (louder and a brighter sample layer).
    assert np.abs(renderer.render(score_of(piano_loud))["p"]).max() > 1.3 * np.abs(renderer.render(score_of(piano_soft))["p"]).max()


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_every_voice_sounds_and_releases_without_a_click(renderer, voice):
    pitch = 60 if voice != "drums_electronic" else 38
    audio = renderer.render(score_of(synth_part(voice, pitch=pitch, start=0.25, length=0.8)))[voice]
    assert np.isfinite(audio).all()
    assert np.abs(audio).max() > 0.01
    assert np.abs(audio[:, : int(0.25 * SR)]).max() == 0.0  # nothing before the note
    tail = audio[:, int(2.8 * SR) :]
    assert np.abs(tail).max() < 1e-3  # released and rung out well before the end


@pytest.mark.parametrize(
    ("voice", "pitch", "low", "high", "share"),
    [
        ("sub_bass", 36, 0, 200, 0.9),  # C2 = 65 Hz: a sine with a little saturation
        ("808", 36, 0, 250, 0.85),
        ("acid_bass", 36, 0, 2000, 0.9),
        ("saw_lead", 72, 400, 8000, 0.8),
        ("supersaw", 64, 250, 8000, 0.8),
        ("pluck", 72, 400, 6000, 0.8),
        ("arp", 72, 400, 8000, 0.8),
        ("synth_pad", 60, 150, 3000, 0.8),
        ("impact", 36, 0, 400, 0.7),
    ],
)
def test_each_voice_lives_in_its_band(renderer, voice, pitch, low, high, share):
    audio = renderer.render(score_of(synth_part(voice, pitch=pitch)))[voice]
    assert band_share(audio, low, high) > share


def test_pitched_voices_play_the_right_note(renderer):
    for voice in ("sub_bass", "saw_lead", "synth_pad"):
        audio = renderer.render(score_of(synth_part(voice, pitch=57, start=0.0, length=2.0)))[voice]
        freqs, power = spectrum(audio[:, int(0.5 * SR) : int(1.5 * SR)])
        assert abs(freqs[np.argmax(power)] - 220.0) < 3.0, voice


@pytest.mark.parametrize(
    ("key", "low", "high", "share"),
    [
        (36, 0, 250, 0.8),  # kick
        (42, 5000, 22050, 0.8),  # closed hat
        (46, 5000, 22050, 0.8),  # open hat
        (49, 3000, 22050, 0.8),  # crash
        (51, 2000, 22050, 0.8),  # ride
        (70, 4000, 12000, 0.8),  # shaker
        (38, 150, 10000, 0.9),  # snare: tone plus noise
        (39, 700, 6000, 0.8),  # clap
        (41, 0, 300, 0.7),  # low tom
    ],
)
def test_electronic_kit_pieces_live_in_their_bands(renderer, key, low, high, share):
    part = Part(name="kit", role="drums", instrument="electronic drums", is_drum=True, synth="drums_electronic", notes=[Note(0, 60, key, 110)])
    audio = renderer.render(score_of(part))["kit"]
    assert band_share(audio, low, high) > share


def test_the_808_glides_to_its_target(renderer):
    part = synth_part("808", pitch=36, start=0.0, length=2.0, glide_to=43)
    audio = renderer.render(score_of(part))["808"].mean(axis=0)
    start_hz = dominant(audio[int(0.1 * SR) : int(0.4 * SR)])
    end_hz = dominant(audio[int(1.75 * SR) : int(2.0 * SR)])
    assert abs(start_hz - 65.4) < 5 and abs(end_hz - 98.0) < 6


def dominant(mono: np.ndarray) -> float:
    padded = np.zeros(1 << 16)
    padded[: mono.size] = mono * np.hanning(mono.size)
    power = np.abs(np.fft.rfft(padded))
    return float(np.fft.rfftfreq(padded.size, 1 / SR)[np.argmax(power)])


def test_the_riser_rises(renderer):
    audio = renderer.render(score_of(synth_part("riser", start=0.0, length=2.5)))["riser"]
    early, late = audio[:, int(0.2 * SR) : int(0.8 * SR)], audio[:, int(1.8 * SR) : int(2.4 * SR)]
    assert centroid(late) > 2 * centroid(early)
    assert np.sqrt(np.mean(late**2)) > 2 * np.sqrt(np.mean(early**2))


def test_synth_notes_are_cached(renderer):
    part = Part(name="arp", role="arp", instrument="arp", synth="arp", notes=[Note(i * 120, 100, 60 + 7 * (i % 2), 100) for i in range(16)])
    before = renderer.cache.misses
    renderer.render(score_of(part))
    assert renderer.cache.misses - before <= 2  # two distinct notes, synthesised once each


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = open(f"/proc/{pid}/status").read() if os.path.exists(f"/proc/{pid}/status") else ""
    return "State:\tZ" not in status


def test_the_mix_is_the_same_sample_for_sample_with_or_without_the_helper(renderer, tmp_path):
    parts = [
        Part(name=f"p{i}", role="harmony", instrument="piano", program=i * 8, reverb=0.2 * i, delay=0.1 if i == 1 else 0.0,
             notes=[Note(j * 240, 400, 55 + i + j % 7, 90) for j in range(10)])
        for i in range(4)
    ] + [synth_part("pluck"), synth_part("sub_bass"), Part(name="kit", role="drums", instrument="drums", is_drum=True,
                                                           notes=[Note(j * 480, 100, 36, 100) for j in range(6)])]
    score = score_of(*parts)
    (tmp_path / "serial").mkdir()
    (tmp_path / "parallel").mkdir()
    serial, serial_peaks = renderer.render_mix(score, tmp_path / "serial")
    parallel = Renderer(sample_rate=SR, workers=2)
    try:
        parallel.wait_ready()
        together, peaks = parallel.render_mix(score, tmp_path / "parallel")
        assert parallel.helper is not None  # the helper really did half the work
        assert np.array_equal(together, serial)
        assert peaks == serial_peaks and set(peaks) == {p.name for p in parts}
        for strip in (tmp_path / "serial").iterdir():
            assert strip.read_bytes() == (tmp_path / "parallel" / strip.name).read_bytes(), strip.name
        parallel.helper._process.kill()
        parallel.helper._process.wait()
        alone, _ = parallel.render_mix(score)
        assert parallel.helper is None
        assert np.array_equal(alone, serial)
    finally:
        parallel.close()


def _streamed(sampled, part: Part, score: Score, n: int) -> np.ndarray:
    """The part played through the synthesizer as one continuous performance (the
    way a MIDI player would), to check the note-at-a-time renderer against. Notes
    take turns over the 16 channels, so a note-off never releases another note of
    the same key (one channel releases all its voices of a key)."""
    font = sampled._font
    sampled._silence()
    for channel in range(16):
        font.channel_set_bank(channel, 128 if part.is_drum else 0)
        font.channel_set_preset_number(channel, part.program, part.is_drum)
    events = []
    for index, note in enumerate(part.notes):
        start = round(score.seconds(note.start) * SR)
        end = round(score.seconds(note.start + note.duration) * SR)
        events += [(start, 1, index % 16, note.pitch, note.velocity), (end, 0, index % 16, note.pitch, 0)]
    buffer = np.zeros(2 * n, dtype=np.float32)
    view = buffer.data.cast("B")
    position = 0
    for at, on, channel, pitch, velocity in sorted(events, key=lambda e: (e[0], e[1])):
        at = min(at, n)
        if at > position:
            font.render(view[8 * position : 8 * at], False)
            position = at
        if on:
            font.channel_note_on(channel, pitch, velocity / 127.0)
        else:
            font.channel_note_off(channel, pitch)
    font.render(view[8 * position :], False)
    sampled._silence()
    return buffer.reshape(-1, 2).T


@pytest.mark.parametrize("program, drum", [(0, False), (33, False), (48, False), (0, True), (32, True)])
def test_notes_rendered_one_at_a_time_sound_like_a_continuous_performance(renderer, program, drum):
    # Velocities at the middle of their bands and lengths on the 10 ms grid: the
    # cached renderer must then give the same sound (within float rounding).
    rng = np.random.default_rng(program)
    pitches = [36, 38, 42, 46, 42, 49, 51] if drum else [48, 52, 55, 60, 64, 67]
    notes = [
        Note(seconds(0.1 * j), seconds(0.02 * int(rng.integers(3, 40))), pitches[j % len(pitches)], 8 * int(rng.integers(5, 15)) + 4)
        for j in range(40)
    ]
    part = Part(name="p", role="drums" if drum else "harmony", instrument="x", program=program, is_drum=drum, notes=notes)
    score = score_of(part, duration=6.0)
    n = round(6.0 * SR)
    cached = renderer.sampled.render_part(part, score, n)
    streamed = _streamed(renderer.sampled, part, score, n)
    error = np.sqrt(np.mean((cached - streamed) ** 2)) / np.sqrt(np.mean(streamed**2))
    assert 20 * np.log10(error) < -40


def test_a_closed_hi_hat_chokes_the_open_one(renderer):
    open_hat = Part(name="d", role="drums", instrument="drums", is_drum=True, notes=[Note(0, seconds(1.0), 46, 100)])
    choked = Part(name="d", role="drums", instrument="drums", is_drum=True,
                  notes=[Note(0, seconds(1.0), 46, 100), Note(seconds(0.5), seconds(0.05), 42, 100)])
    closed = Part(name="d", role="drums", instrument="drums", is_drum=True, notes=[Note(seconds(0.5), seconds(0.05), 42, 100)])
    n = 2 * SR
    ringing = renderer.sampled.render_part(open_hat, score_of(open_hat, duration=2.0), n)
    both = renderer.sampled.render_part(choked, score_of(choked, duration=2.0), n)
    alone = renderer.sampled.render_part(closed, score_of(closed, duration=2.0), n)
    window = slice(int(0.52 * SR), int(0.9 * SR))
    assert np.abs(ringing[:, window]).max() > 0.01  # the open hat rings on by itself …
    assert np.abs((both - alone)[:, window]).max() < 1e-4  # … and is silent once the closed one plays


def test_a_helper_still_loading_is_not_waited_for(renderer, monkeypatch):
    score = score_of(synth_part("pluck"), synth_part("sub_bass"))
    parallel = Renderer(sample_rate=SR, workers=2)
    try:
        assert parallel.helper is not None
        monkeypatch.setattr(parallel.helper, "is_ready", lambda: False)  # still loading its SoundFont
        sent = []
        monkeypatch.setattr(parallel.helper, "mix", lambda *a: sent.append(a))
        first, _ = parallel.render_mix(score)
        assert sent == []  # everything was rendered here, nothing queued behind the loading
        assert np.array_equal(first, renderer.render_mix(score)[0])
    finally:
        parallel.close()


def test_the_helper_leaves_when_its_parent_is_killed(tmp_path):
    script = "import os, sys; from himig.engine.render import Renderer; r = Renderer(workers=2); r.wait_ready(); print(r.helper._process.pid, flush=True); os.kill(os.getpid(), 9)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    helper = int(done.stdout.split()[0])
    for _ in range(100):  # it notices end-of-file on its pipe at once; allow a slow machine
        if not _alive(helper):
            break
        time.sleep(0.1)
    assert not _alive(helper)


@pytest.mark.parametrize("name", ["steel guitar", "mandolin", "ukulele", "whistle", "12-string guitar"])
def test_gs_variations_play_when_the_font_has_them_at_the_general_midi_level(renderer, name):
    from himig.engine.instruments import spec

    instrument = spec(name)
    assert instrument is not None and instrument.variation is not None
    mid = (instrument.low + instrument.high) // 2
    notes = [Note(i * 240, 220, mid - 7 + (i * 5) % 12, 90) for i in range(16)]

    def level(variation):
        part = Part(name="p", role="melody", instrument=name, program=instrument.program, variation=variation, notes=notes)
        audio = renderer.render_part(part, score_of(part, duration=5.0), 5 * SR)
        return audio, 20 * np.log10(np.sqrt(np.mean(audio**2)))

    general, general_db = level(None)
    varied, varied_db = level(list(instrument.variation))
    assert renderer.sampled.preset_for(Part(name="p", role="melody", instrument=name, variation=list(instrument.variation))) == instrument.variation
    assert not np.allclose(general, varied)  # another sound …
    assert abs(varied_db - general_db) < 1.5  # … at the level the styles' gains were set for
    missing, _ = level([99, instrument.program])  # a bank the font lacks: the General MIDI program
    assert np.array_equal(missing, general)


def test_clearing_the_caches_makes_notes_synthesise_again(renderer):
    part = Part(name="p", role="harmony", instrument="piano", notes=[Note(0, 480, 60, 90), Note(480, 480, 60, 90)])
    score = score_of(part, synth_part("pluck"))
    first = renderer.render_mix(score)[0]
    renderer.clear_caches()
    assert renderer.cache.size == 0 and renderer.sampled.cache.size == 0
    misses = renderer.sampled.cache.misses
    again = renderer.render_mix(score)[0]
    assert renderer.sampled.cache.misses == misses + 1  # the one distinct piano note, synthesised again
    assert np.array_equal(first, again)  # and the same sound as from the cache


def _low_peak_hz(audio: np.ndarray) -> float:
    tail = audio.mean(axis=0)[int(0.08 * SR) : int(0.45 * SR)]  # after the pitch drop
    padded = np.zeros(1 << 16)
    padded[: tail.size] = tail * np.hanning(tail.size)
    power = np.abs(np.fft.rfft(padded))
    freqs = np.fft.rfftfreq(padded.size, 1 / SR)
    band = (freqs > 30) & (freqs < 100)
    return float(freqs[band][np.argmax(power[band])])


@pytest.mark.parametrize("key, hz", [("A minor", 55.0), ("C major", 65.4), ("E minor", 41.2), ("F# major", 46.2), ("Bb major", 58.3)])
def test_the_electronic_kick_is_tuned_to_the_tonic(renderer, key, hz):
    kit = Part(name="kit", role="drums", instrument="drums", synth="drums_electronic", is_drum=True,
               notes=[Note(seconds(0.25), seconds(0.1), 36, 110)])
    score = Score(tempo_bpm=120, duration_s=1.0, key=key, parts=[kit])
    audio = renderer.render_part(kit, score, SR)
    assert abs(_low_peak_hz(audio[:, int(0.25 * SR) :]) / hz - 1.0) < 0.03


def test_malloc_is_tuned_once_and_an_operator_setting_wins():
    code = "from himig.engine.memory import tune_malloc; print(tune_malloc(), tune_malloc())"
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert plain.stdout.split() == ["True", "False"]  # glibc on Linux: applied, then only once
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    chosen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert chosen.stdout.split() == ["False", "False"]


def test_a_helper_lost_halfway_through_a_mix_still_gives_the_same_track(renderer, monkeypatch):
    from himig.engine.render.helper import HelperGone

    parts = [
        Part(name=f"p{i}", role="harmony", instrument="piano", program=i * 8, reverb=0.3,
             notes=[Note(j * 240, 400, 55 + i + j % 7, 90) for j in range(10)])
        for i in range(3)
    ] + [synth_part("pluck"), synth_part("sub_bass")]
    score = score_of(*parts, duration=4.0)
    serial, _ = renderer.render_mix(score)
    for stage in ("mix_finish", "finish_result"):
        parallel = Renderer(sample_rate=SR, workers=2)
        try:
            parallel.wait_ready()
            helper = parallel.helper
            original = helper.mix_finish

            def lost(*args, stage=stage, helper=helper, original=original):
                if stage == "finish_result":
                    job = original(*args)  # sent; the helper dies before answering
                    helper._process.kill()
                    helper._process.wait()
                    return job
                helper._process.kill()
                helper._process.wait()
                raise HelperGone("the render helper is gone")

            monkeypatch.setattr(helper, "mix_finish", lost)
            alone, _ = parallel.render_mix(score)
            assert parallel.helper is None
            assert np.array_equal(alone, serial), stage
        finally:
            parallel.close()
