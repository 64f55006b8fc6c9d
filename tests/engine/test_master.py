"""Mixing and mastering: loudness, true peak, exact length, fades, sends, ducking."""

from __future__ import annotations

import numpy as np
import pyloudnorm as pyln
import pytest
import scipy.signal as signal

from himig.engine import master as mastering
from himig.engine.errors import RenderFailed
from himig.engine.score import Note, Part, Score

SR = 44100


def tone(hz: float, seconds: float, level: float = 0.3, seed: int = 0) -> np.ndarray:
    n = round(seconds * SR)
    t = np.arange(n) / SR
    rng = np.random.default_rng(seed)
    wobble = 1.0 + 0.5 * np.sin(2 * np.pi * 0.7 * t)  # not a steady sine: real music moves
    left = level * wobble * np.sin(2 * np.pi * hz * t) + 0.02 * rng.standard_normal(n)
    right = level * wobble * np.sin(2 * np.pi * hz * 1.01 * t) + 0.02 * rng.standard_normal(n)
    return np.stack([left, right]).astype(np.float32)


def drum_hits(seconds: float, every: float = 0.5) -> np.ndarray:
    n = round(seconds * SR)
    out = np.zeros((2, n), dtype=np.float32)
    hit = (np.sin(2 * np.pi * 60 * np.arange(8000) / SR) * np.exp(-np.arange(8000) / 1500)).astype(np.float32)
    for start in range(0, n - 8000, int(every * SR)):
        out[:, start : start + 8000] += hit
    return out


def make_score(seconds: float, **kw) -> tuple[Score, dict[str, np.ndarray]]:
    beats = int(seconds * 2)
    drums = Part(name="drums", role="drums", instrument="drums", is_drum=True, notes=[Note(i * 480, 100, 36, 100) for i in range(beats)])
    bass = Part(name="bass", role="bass", instrument="bass", gain_db=-2)
    keys = Part(name="keys", role="harmony", instrument="piano", pan=-0.4, reverb=0.4, delay=0.2)
    pad = Part(name="pad", role="pad", instrument="pad", pan=0.3, reverb=0.6, sidechain=0.8)
    score = Score(tempo_bpm=120, duration_s=seconds, parts=[drums, bass, keys, pad], **kw)
    audio = {
        "drums": drum_hits(seconds),
        "bass": tone(55, seconds, 0.4, 1),
        "keys": tone(440, seconds, 0.2, 2),
        "pad": tone(330, seconds, 0.15, 3),
    }
    return score, audio


def oversampled_peak(audio: np.ndarray) -> float:
    """An independent 4× true-peak reading (scipy's polyphase resampler)."""
    return float(np.abs(signal.resample_poly(audio.astype(np.float64), 4, 1, axis=1)).max())


@pytest.fixture(scope="module")
def mastered():
    score, audio = make_score(12.0)
    return score, audio, mastering.master(audio, score, SR)


def test_it_hits_minus_14_lufs_and_minus_1_dbtp_with_nothing_clipped(mastered):
    score, _, result = mastered
    assert result.audio.shape == (2, round(12.0 * SR)) and result.audio.dtype == np.float32
    measured = pyln.Meter(SR).integrated_loudness(result.audio.T.astype(np.float64))
    assert abs(measured - (-14.0)) <= 1.0
    assert abs(result.loudness_lufs - measured) < 0.15
    assert 20 * np.log10(oversampled_peak(result.audio)) <= -1.0 + 0.05
    assert result.true_peak_dbtp <= -1.0
    assert np.abs(result.audio).max() < 1.0


def test_stems_are_each_part_at_master_gain(mastered):
    score, audio, result = mastered
    assert list(result.stems) == [p.name for p in score.parts]
    for stem in result.stems.values():
        assert stem.shape == audio["drums"].shape and stem.dtype == np.float32
        assert np.abs(stem).max() <= 0.98 + 1e-6
    left, right = np.abs(result.stems["keys"]).mean(axis=1)
    assert left > 1.5 * right  # panned left


def test_non_bass_parts_lose_their_low_end_and_the_bass_keeps_it(mastered):
    _, audio, result = mastered
    rumble = {"keys": tone(50, 12.0, 0.3), "bass": tone(50, 12.0, 0.3)}
    score = Score(tempo_bpm=120, duration_s=12.0, parts=[Part(name="keys", role="harmony", instrument="piano"), Part(name="bass", role="bass", instrument="bass")])
    stems = mastering.master(rumble, score, SR).stems
    assert np.sqrt(np.mean(stems["keys"] ** 2)) < 0.35 * np.sqrt(np.mean(stems["bass"] ** 2))


def test_sidechained_parts_duck_on_the_kick(mastered):
    _, _, result = mastered
    pad = result.stems["pad"].mean(axis=0)
    just_after = [np.abs(pad[k + 200 : k + 1500]).mean() for k in range(SR, 11 * SR, SR // 2)]
    just_before = [np.abs(pad[k - 3000 : k - 1700]).mean() for k in range(SR, 11 * SR, SR // 2)]
    assert np.mean(just_after) < 0.6 * np.mean(just_before)


def test_quiet_spiky_input_is_still_brought_to_target():
    score = Score(tempo_bpm=90, duration_s=10.0, parts=[Part(name="piano", role="harmony", instrument="piano")])
    sparse = tone(880, 10.0, 0.001)
    sparse[:, ::22050] = 0.5  # a few isolated clicks far above the music
    result = mastering.master({"piano": sparse}, score, SR)
    assert abs(pyln.Meter(SR).integrated_loudness(result.audio.T.astype(np.float64)) + 14.0) <= 1.0
    assert 20 * np.log10(oversampled_peak(result.audio)) <= -0.95


def test_a_fade_ending_fades_and_every_track_ends_silent():
    score, audio = make_score(12.0, ending="fade", fade_s=4.0)
    faded = mastering.master(audio, score, SR).audio
    middle = np.sqrt(np.mean(faded[:, 4 * SR : 6 * SR] ** 2))
    last_second = np.sqrt(np.mean(faded[:, 11 * SR :] ** 2))
    assert last_second < 0.1 * middle
    ringing, audio = make_score(12.0)
    rung = mastering.master(audio, ringing, SR).audio
    assert np.abs(rung[:, -1]).max() < 1e-4 and np.abs(faded[:, -1]).max() < 1e-4
    assert np.abs(rung[:, 0]).max() < 1e-4  # and starts without a click


def test_silence_is_refused():
    score = Score(tempo_bpm=120, duration_s=5.0, parts=[Part(name="a", role="harmony", instrument="piano")])
    with pytest.raises(RenderFailed, match="silent"):
        mastering.master({"a": np.zeros((2, 5 * SR), dtype=np.float32)}, score, SR)


def test_a_part_of_the_wrong_length_is_refused():
    score = Score(tempo_bpm=120, duration_s=5.0, parts=[Part(name="a", role="harmony", instrument="piano")])
    with pytest.raises(RenderFailed, match="shape"):
        mastering.master({"a": tone(440, 4.0)}, score, SR)


@pytest.mark.parametrize("seed", [0, 1])
def test_loudness_agrees_with_pyloudnorm(seed):
    rng = np.random.default_rng(seed)
    audio = tone(997, 20.0, 0.2, seed) + (0.05 * rng.standard_normal((2, 20 * SR))).astype(np.float32)
    audio[:, : 5 * SR] *= 0.01  # a quiet stretch the gates must drop
    ours = mastering.integrated_loudness(audio, SR)
    reference = pyln.Meter(SR).integrated_loudness(audio.T.astype(np.float64))
    assert abs(ours - reference) < 0.1
    assert mastering.integrated_loudness(np.zeros((2, SR), dtype=np.float32), SR) == float("-inf")


def test_true_peak_matches_full_oversampling():
    rng = np.random.default_rng(5)
    noisy = signal.lfilter([1, 1], [1], np.clip(rng.standard_normal((2, 3 * SR)) * 0.3, -0.8, 0.8), axis=1) * 0.5
    near_quarter_rate = np.tile(0.9 * np.sin(2 * np.pi * 11025 * np.arange(SR) / SR + 0.785), (2, 1))
    for audio in (noisy, near_quarter_rate):
        taps = mastering._interpolator().T.ravel()
        full = float(np.abs(signal.upfirdn(taps, audio, up=4, axis=1)).max())
        assert mastering.true_peak(audio) == pytest.approx(full, rel=1e-6)
        assert mastering.true_peak(audio) >= np.abs(audio).max()
    # A sine at a quarter of the sample rate sampled off its crests peaks 3 dB above its samples.
    assert mastering.true_peak(near_quarter_rate) > 1.3 * np.abs(near_quarter_rate).max()


def test_the_limiter_never_lets_a_sample_over_the_ceiling():
    rng = np.random.default_rng(9)
    wild = (rng.standard_normal((2, 5 * SR)) * 0.5).astype(np.float32)
    limited = mastering.limit(wild, 0.5, SR)
    assert np.abs(limited).max() <= 0.5 + 1e-6
    assert limited.shape == wild.shape


def test_the_limiter_filters_only_around_peaks_with_the_same_result_as_the_whole_track():
    """Sparse peaks take the stretch-by-stretch path; it must equal filtering everything at once."""
    import scipy.ndimage as ndimage

    rng = np.random.default_rng(3)
    audio = (rng.standard_normal((2, 6 * SR)) * 0.1).astype(np.float32)
    for at in rng.integers(0, audio.shape[1], 40):
        audio[:, at : at + 200] *= 9.0  # bursts, some close together, some at the edges
    audio[:, :50] *= 9.0
    audio[:, -50:] *= 9.0
    ceiling = 0.6
    magnitude = np.abs(audio).max(axis=0)
    needed = np.minimum(np.float32(1.0), np.float32(ceiling) / np.maximum(magnitude, np.float32(1e-12)))
    assert 0 < (needed < 1).mean() < 0.25
    width = 2 * int(mastering.LIMITER_WINDOW_S * SR) + 1
    held = ndimage.minimum_filter1d(needed, width, mode="nearest")
    smooth = ndimage.uniform_filter1d(held, width, mode="nearest")
    expected = (audio * np.minimum(smooth, needed)).astype(np.float32)
    limited = mastering.limit(audio, ceiling, SR)
    np.testing.assert_array_equal(limited, expected)
    assert np.abs(limited).max() <= ceiling + 1e-6


def test_a_loop_keeps_its_level_to_the_last_millisecond() -> None:
    """A loopable track plays straight back into its start: no 50 ms end fade at the seam."""
    import numpy as np

    from himig.engine.master import _fades
    from himig.engine.score import Score

    rate = 44100
    loop = _fades(Score(tempo_bpm=120, duration_s=2.0, ending="loop"), rate, 2 * rate)
    ring = _fades(Score(tempo_bpm=120, duration_s=2.0, ending="ring"), rate, 2 * rate)
    five_ms_before_end = -int(0.005 * rate)
    assert loop[five_ms_before_end] == 1.0
    assert ring[five_ms_before_end] < 0.1
    assert loop[-1] < 0.01 and np.all(loop[: -int(0.002 * rate)][int(0.002 * rate):] == 1.0)


@pytest.mark.parametrize("bpm", [60.0, 100.0, 117.9, 140.0, 174.55])
def test_the_feedback_delay_gives_pedalboards_samples(bpm: float) -> None:
    """The numpy delay stands in for pedalboard's Delay(mix=1.0): the same samples, chunk by chunk."""
    from pedalboard import Delay, Pedalboard

    rng = np.random.default_rng(int(bpm))
    audio = (rng.standard_normal((2, 4 * SR)) * 0.2).astype(np.float32)
    seconds = 0.75 * 60.0 / bpm
    reference = Pedalboard([Delay(delay_seconds=seconds, feedback=0.32, mix=1.0)])
    ours = mastering._delay_chain(Score(tempo_bpm=bpm, duration_s=4.0))
    step = 30000  # shorter and longer than the delay, and not a multiple of it
    expected = np.concatenate(
        [reference(audio[:, s : s + step], SR, reset=False) for s in range(0, audio.shape[1], step)], axis=1
    )
    got = np.concatenate([ours(audio[:, s : s + step], SR, reset=False) for s in range(0, audio.shape[1], step)], axis=1)
    np.testing.assert_array_equal(got, expected)


def test_stems_written_while_mixing_match_the_stems_in_memory(tmp_path):
    score, audio = make_score(6.0)
    in_memory = mastering.master(audio, score, SR)
    group = mastering.GroupMix(score, SR, score.parts, stems=tmp_path)
    group.mix([(part, audio[part.name]) for part in score.parts])
    mastered = mastering.master_bus(group.finish(), score, SR)
    assert np.array_equal(mastered.audio, in_memory.audio)
    files = mastering.StemFiles(tmp_path, score.parts, group.stem_peaks, mastered.stem_gain)
    assert list(files) == list(in_memory.stems)
    for name, stem in in_memory.stems.items():
        np.testing.assert_allclose(files[name], stem, atol=2e-6)


def test_mixing_in_two_groups_gives_the_same_bus_as_one():
    # Everything in the mix is linear, so the engine mixes half the parts in another
    # process and adds the two buses; the sum must equal mixing them all together.
    score, audio = make_score(6.0)
    whole = mastering.GroupMix(score, SR, score.parts)
    whole.mix([(part, audio[part.name]) for part in score.parts])
    halves = []
    for group_parts in (score.parts[:2], score.parts[2:]):
        group = mastering.GroupMix(score, SR, group_parts)
        group.mix([(part, audio[part.name]) for part in group_parts])
        halves.append(group.finish())
    together = whole.finish()
    summed = halves[0] + halves[1]
    assert np.sqrt(np.mean((summed - together) ** 2)) < 1e-5 * np.sqrt(np.mean(together**2)) + 1e-9


def test_the_reverb_split_in_time_between_two_groups_matches_one_reverb():
    # The engine's two processes each reverb half of the track, fed both groups'
    # sends; the sum must be the reverb of the whole mix.
    score, audio = make_score(12.0)
    n = round(12.0 * SR)
    whole = mastering.GroupMix(score, SR, score.parts)
    whole.mix([(part, audio[part.name]) for part in score.parts])
    together = whole.finish()
    first, second = mastering.GroupMix(score, SR, score.parts[:2]), mastering.GroupMix(score, SR, score.parts[2:])
    for group, parts in ((first, score.parts[:2]), (second, score.parts[2:])):
        group.mix([(part, audio[part.name]) for part in parts])
    half = (n // 2 // mastering.CHUNK) * mastering.CHUNK
    assert 0 < half < n
    first.reverb_into(0, half, second.reverb_send[:, :half])
    second.reverb_into(half, n, first.reverb_send[:, half:])
    summed = first.dry + second.dry
    assert np.sqrt(np.mean((summed - together) ** 2)) < 1e-5 * np.sqrt(np.mean(together**2))


def test_parts_mixed_one_call_each_mix_like_parts_mixed_together():
    # mix() high-passes the low-cut parts' sum a chunk at a time; one call per part
    # filters each part on its own. The filter is linear, so the buses agree to float
    # rounding.
    score, audio = make_score(6.0)
    together = mastering.GroupMix(score, SR, score.parts)
    together.mix([(part, audio[part.name]) for part in score.parts])
    apart = mastering.GroupMix(score, SR, score.parts)
    for part in score.parts:
        apart.mix([(part, audio[part.name])])
    assert any(mastering._needs_low_cut(part) for part in score.parts)
    bus, other = together.finish(), apart.finish()
    assert np.sqrt(np.mean((bus - other) ** 2)) < 1e-4 * np.sqrt(np.mean(bus**2))
