"""Encoders, stems zip and waveform peaks."""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest
import soundfile as sf
from pedalboard.io import AudioFile

from himig.engine import export, mp3
from himig.engine.errors import EngineError, RenderFailed

SR = 44100


def music(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    envelope = 0.5 + 0.4 * np.sin(2 * np.pi * 0.5 * t)
    return np.stack([envelope * 0.5 * np.sin(2 * np.pi * 440 * t), envelope * 0.4 * np.sin(2 * np.pi * 554.4 * t)]).astype(np.float32)


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_every_format_reads_back_at_the_same_length(tmp_path, fmt):
    audio = music(12.0)
    path = export.write_audio(audio, SR, tmp_path / f"track.{fmt}", fmt)
    assert path == tmp_path / f"track.{fmt}"
    data, rate = sf.read(path, dtype="float32")
    assert rate == SR and data.shape[1] == 2
    assert abs(data.shape[0] / SR - 12.0) <= 0.05
    with AudioFile(str(path)) as decoded:
        assert decoded.samplerate == SR and decoded.num_channels == 2
        assert abs(decoded.frames / SR - 12.0) <= 0.05
        back = decoded.read(decoded.frames)
    # Lossy or not, what comes back is as loud as what went in.
    rms_in, rms_out = np.sqrt(np.mean(audio**2)), np.sqrt(np.mean(back**2))
    assert abs(20 * np.log10(rms_out / rms_in)) < 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"track.{fmt}"]  # no temporary left


def test_wav_is_16_bit_and_lossless_to_the_last_bit(tmp_path):
    audio = music(2.0)
    path = export.write_audio(audio, SR, tmp_path / "a.wav", "wav")
    assert sf.info(path).subtype == "PCM_16"
    back, _ = sf.read(path, dtype="float32")
    assert np.abs(back.T - audio).max() <= 1.0 / 32768 + 1e-7


def test_a_two_minute_ogg_does_not_crash_libvorbis(tmp_path):
    path = export.write_audio(music(120.0), SR, tmp_path / "long.ogg", "ogg")
    assert abs(sf.info(path).duration - 120.0) <= 0.05


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(EngineError, match="aiff"):
        export.write_audio(music(1.0), SR, tmp_path / "a.aiff", "aiff")


def test_a_failing_encoder_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(audio, sr, path):
        path.write_bytes(b"half a file")
        raise RuntimeError("encoder exploded")

    monkeypatch.setitem(export.WRITERS, "mp3", broken)
    with pytest.raises(RenderFailed, match="encoder exploded"):
        export.write_audio(music(1.0), SR, tmp_path / "a.mp3", "mp3")
    assert list(tmp_path.iterdir()) == []


def test_badly_shaped_audio_is_refused(tmp_path):
    with pytest.raises(RenderFailed, match="shaped"):
        export.write_audio(np.zeros((3, 10, 2)), SR, tmp_path / "a.wav", "wav")


def test_stems_zip_has_one_wav_per_part_named_after_it(tmp_path):
    stems = {"drums": music(3.0), "lead synth": music(3.0) * 0.5, "bass/sub": music(3.0) * 0.25}
    path = export.write_stems_zip(stems, SR, tmp_path / "stems.zip")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["drums.wav", "lead_synth.wav", "bass_sub.wav"]
        for name, original in zip(archive.namelist(), stems.values(), strict=True):
            data, rate = sf.read(io.BytesIO(archive.read(name)), dtype="float32")
            assert rate == SR and data.shape == (3 * SR, 2)
            assert np.abs(data.T - original).max() <= 1.0 / 32768 + 1e-7
    again = export.write_stems_zip(stems, SR, tmp_path / "again.zip")
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()


def test_peaks_describe_the_waveform():
    audio = music(10.0)
    audio[:, 5 * SR :] = 0.0  # silent second half
    result = export.peaks(audio, SR)
    assert result["sample_rate"] == SR and result["duration_s"] == 10.0
    assert result["points"] == len(result["peaks"]) == 800
    values = np.array(result["peaks"])
    assert ((0 <= values) & (values <= 1)).all()
    assert values[:395].min() > 0.05 and values[405:].max() == 0.0
    assert len(export.peaks(audio, SR, points=100)["peaks"]) == 100


def test_mp3_decodes_sample_exact_thanks_to_its_lame_header(tmp_path):
    rng = np.random.default_rng(3)
    audio = (0.2 * rng.standard_normal((2, 5 * SR))).astype(np.float32)
    path = export.write_audio(audio, SR, tmp_path / "a.mp3", "mp3")
    header = path.read_bytes()[:200]
    assert header[36:40] == b"Info" and header[156:165] == b"LAME3.100"
    assert int.from_bytes(header[190:192], "big") == mp3._crc16(header[:190])
    decoded, _ = sf.read(path, dtype="float32")  # mpg123 honours encoder delay and padding
    assert decoded.shape[0] == audio.shape[1]
    lags = range(-1200, 1200, 1)
    best = max(lags, key=lambda lag: float(np.dot(decoded[20000 + lag : 60000 + lag, 0], audio[0, 20000:60000])))
    assert best == 0  # not shifted by the encoder's delay either
