"""MP3 in one piece and in two pieces joined (the engine encodes head and tail on two cores)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st
from pedalboard.io import AudioFile

from himig.engine import export, mp3

SR = 44100


def music(seconds: float, seed: int = 0) -> np.ndarray:
    """Chords, a bass line and noise bursts (drum-like transients that make LAME switch to short blocks)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    t = np.arange(n) / SR
    audio = np.zeros((2, n), dtype=np.float64)
    beat = SR // 2
    for start in range(0, n, beat):
        stop = min(n, start + beat)
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        for ratio, level, pan in ((1.0, 0.25, 0.5), (1.26, 0.12, 0.2), (1.5, 0.12, 0.8), (0.5, 0.2, 0.5)):
            tone = level * np.sin(2 * np.pi * root * ratio * t[start:stop]) * np.exp(-3 * (t[start:stop] - t[start]))
            audio[0, start:stop] += tone * (1 - pan)
            audio[1, start:stop] += tone * pan
        burst = min(stop - start, 2000)
        audio[:, start : start + burst] += 0.3 * rng.standard_normal((2, burst)) * np.exp(-np.arange(burst) / 300)
    return (audio / np.abs(audio).max() * 0.8).astype(np.float32)


def snr(decoded: np.ndarray, original: np.ndarray, window: slice = slice(None)) -> float:
    error = decoded[:, window] - original[:, window]
    return float(10 * np.log10(np.sum(original[:, window] ** 2) / np.sum(error**2)))


def joined_file(audio: np.ndarray, share: float, path) -> mp3.Split:
    split = mp3.Split.plan(audio.shape[1], share)
    assert split is not None
    tail = mp3.encode_tail(audio[:, split.tail_start :], SR, split)
    export.write_mp3_joined(audio, SR, path, split, lambda: tail)
    return split


@pytest.mark.parametrize("share", [0.3, 0.38, 0.5, 0.7])
def test_a_track_encoded_in_two_pieces_decodes_as_well_as_in_one(tmp_path, share):
    audio = music(9.0, seed=int(share * 10))
    export.write_audio(audio, SR, tmp_path / "whole.mp3", "mp3")
    split = joined_file(audio, share, tmp_path / "joined.mp3")
    whole = sf.read(tmp_path / "whole.mp3", dtype="float32")[0].T
    joined = sf.read(tmp_path / "joined.mp3", dtype="float32")[0].T
    assert joined.shape == audio.shape  # the Info header's delay and padding still hold
    assert snr(joined, audio) > snr(whole, audio) - 0.5
    # Around the join (the first candidate frame and the search window after it) no
    # click: the coding error there is like the one-piece file's.
    start = split.first_join * mp3.SAMPLES_PER_FRAME - mp3.ENCODER_DELAY
    around = slice(start - 2304, start + (mp3.SEARCH + 2) * mp3.SAMPLES_PER_FRAME)
    assert snr(joined, audio, around) > snr(whole, audio, around) - 3.0
    assert np.abs(joined[:, around] - audio[:, around]).max() < 4 * np.abs(whole[:, around] - audio[:, around]).max()
    # A second decoder (pedalboard's, which ignores the Info header's delay and
    # padding: it returns whole frames, the decoder's 529 samples and LAME's 576 first)
    # finds the joined stream as sound as the one-piece one.
    lag = mp3.ENCODER_DELAY + 529
    decoded = {}
    for name in ("whole", "joined"):
        with AudioFile(str(tmp_path / f"{name}.mp3")) as reader:
            decoded[name] = reader.read(reader.frames)[:, lag : lag + audio.shape[1]]
    assert decoded["joined"].shape == audio.shape
    assert snr(decoded["joined"], audio) > snr(decoded["whole"], audio) - 0.5


def test_the_join_carries_the_tails_bit_reservoir_over():
    # Most frames borrow bytes from the frames before them; a join that only ever
    # happened where a frame borrows nothing would not test the reservoir copy.
    audio = music(12.0, seed=5)
    borrowed = []
    for share in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        split = mp3.Split.plan(audio.shape[1], share)
        head = mp3._encode(audio[:, : split.head_end], SR)
        tail = mp3.encode_tail(audio[:, split.tail_start :], SR, split)
        point = mp3.join_point(head, tail, split)
        assert point is not None
        borrowed.append(point[2])
        stream = mp3.join(head, tail, split)
        whole = mp3._encode(audio, SR)
        assert len(mp3._offsets(stream)) == len(mp3._offsets(whole))  # frame for frame the same length
    assert max(borrowed) > 0


def test_without_the_tail_the_head_process_encodes_it_itself(tmp_path):
    audio = music(6.0, seed=2)
    split = mp3.Split.plan(audio.shape[1], 0.4)
    export.write_mp3_joined(audio, SR, tmp_path / "a.mp3", split, lambda: None)
    decoded = sf.read(tmp_path / "a.mp3", dtype="float32")[0].T
    assert decoded.shape == audio.shape and snr(decoded, audio) > 10


@given(samples=st.integers(0, 200 * SR), share=st.floats(0.0, 1.0))
def test_split_plans_keep_every_piece_inside_the_track(samples, share):
    split = mp3.Split.plan(samples, share)
    if split is None:
        assert samples < (mp3.MIN_SPLIT_FRAMES + 1) * mp3.SAMPLES_PER_FRAME or not 0 < share < 1
        return
    assert 0 <= split.tail_start < split.first_join * mp3.SAMPLES_PER_FRAME < split.head_end <= samples
    # the head runs past the last frame the join may use, by the margin
    assert split.head_end >= min(samples, (split.first_join + mp3.SEARCH + mp3.MARGIN) * mp3.SAMPLES_PER_FRAME)
