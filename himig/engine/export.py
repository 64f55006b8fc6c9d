"""Files from the mastered audio: WAV, FLAC, OGG, MP3, a stems zip, waveform peaks.

Every writer goes to a temporary name in the destination folder and renames when
complete, so a crash or an encoder error never leaves a half-written file under the
final name.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from himig.engine.errors import EngineError, RenderFailed

Array = np.ndarray

FORMATS = ("wav", "flac", "ogg", "mp3")
MP3_BITRATE_KBPS = 192
MP3_QUALITY = 7  # LAME -q: 0 slowest … 9 fastest; 7 is LAME's "fast" mode
# libvorbis crashes (exit 139) when given 120 s in one call; 64k frames at a time is fine.
OGG_CHUNK = 65536
PEAK_POINTS = 800


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` (same extension, for encoders that look
    at it); rename it to ``path`` only if the block finishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _interleaved(audio: Array) -> Array:
    """(2, n) float → (n, 2) float32, clipped to the valid range, as soundfile wants."""
    if audio.ndim != 2 or audio.shape[0] not in (1, 2):
        raise RenderFailed(f"audio must be shaped (channels, samples), not {audio.shape}")
    return np.ascontiguousarray(np.clip(audio, -1.0, 1.0).T, dtype=np.float32)


def _write_wav(audio: Array, sr: int, path: Path) -> None:
    sf.write(path, _interleaved(audio), sr, format="WAV", subtype="PCM_16")


def _write_flac(audio: Array, sr: int, path: Path) -> None:
    sf.write(path, _interleaved(audio), sr, format="FLAC", subtype="PCM_16")


def _write_ogg(audio: Array, sr: int, path: Path) -> None:
    frames = _interleaved(audio)
    with sf.SoundFile(path, "w", sr, frames.shape[1], format="OGG", subtype="VORBIS") as out:
        for start in range(0, frames.shape[0], OGG_CHUNK):
            out.write(frames[start : start + OGG_CHUNK])


def _write_mp3(audio: Array, sr: int, path: Path) -> None:
    """MP3, 192 kbps CBR, through LAME (``lameenc``), with a LAME/Info header added here.

    Why lameenc and not pedalboard's bundled LAME: at its "fast" quality (``-q 7``,
    still LAME's full psychoacoustic model at a generous bitrate) it needs about
    half the CPU time, and MP3 encoding is the longest single step of a generation.
    lameenc writes no Info header, so decoders would not know how much encoder delay
    and padding to drop and the file would decode 0.21 s long (NOTES.md); the header
    written by :func:`_info_frame` carries both, and decoders that honour it
    (mpg123 inside libsndfile, pedalboard, ffmpeg, browsers) return exactly the
    input's length.
    """
    import lameenc

    if audio.ndim != 2:
        raise RenderFailed(f"audio must be shaped (channels, samples), not {audio.shape}")
    # Interleave first, then scale and round in place: one float32 buffer instead of
    # four full-length temporaries (the same samples as rounding the planar array).
    frames = np.empty((audio.shape[1], audio.shape[0]), dtype=np.result_type(audio.dtype, np.float32))
    np.clip(audio.T, -1.0, 1.0, out=frames)
    frames *= frames.dtype.type(32767.0)
    np.rint(frames, out=frames)
    pcm = frames.astype("<i2")
    del frames
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_BITRATE_KBPS)
    encoder.set_in_sample_rate(sr)
    encoder.set_channels(pcm.shape[1])
    encoder.set_quality(MP3_QUALITY)
    stream = bytes(encoder.encode(pcm.tobytes())) + bytes(encoder.flush())
    header = _info_frame(stream, pcm.shape[0])
    with path.open("wb") as out:
        out.write(header)
        out.write(stream)


# MPEG-1 Layer III: bitrate index → kbps; 44.1/48/32 kHz.
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_SAMPLE_RATES = (44100, 48000, 32000)
SAMPLES_PER_FRAME = 1152
# LAME's encoder delay (ENCDELAY); decoders add their own 529 on top by themselves.
ENCODER_DELAY = 576


def _frame_length(header: bytes) -> int:
    if header[0] != 0xFF or header[1] & 0xFE != 0xFA:  # sync, MPEG-1, Layer III
        raise RenderFailed("the MP3 encoder produced a stream that is not MPEG-1 Layer III")
    kbps = _BITRATES[header[2] >> 4]
    rate = _SAMPLE_RATES[(header[2] >> 2) & 3]
    return 144 * kbps * 1000 // rate + ((header[2] >> 1) & 1)


def _info_frame(stream: bytes, samples: int) -> bytes:
    """An empty first frame holding the Xing "Info" tag and the LAME extension.

    Layout (offsets in the frame): header 0–3, side information 4–35 (stereo),
    "Info" 36, flags 40, frame count 44, byte count 48, seek table 52–151, quality
    152, then LAME's 36 bytes from 156: version, CBR method, lowpass, replay gain,
    flags, bitrate, encoder delay and padding (12 bits each) at 177, …, CRC-16 of
    bytes 0–189 at 190.
    """
    frames = 0
    position = 0
    while position + 4 <= len(stream):
        position += _frame_length(stream[position : position + 4])
        frames += 1
    padding = frames * SAMPLES_PER_FRAME - ENCODER_DELAY - samples
    if not 0 <= padding < 4096:
        raise RenderFailed(f"unexpected MP3 padding of {padding} samples")
    first = stream[:4]
    size = _frame_length(bytes([first[0], first[1], first[2] & 0xFD, first[3]]))
    frame = bytearray(size)
    frame[0:4] = bytes([first[0], first[1], first[2] & 0xFD, first[3]])  # same format, no padding slot
    total = size + len(stream)
    frame[36:40] = b"Info"
    frame[40:44] = (0x0F).to_bytes(4, "big")  # frames, bytes, seek table and quality present
    frame[44:48] = frames.to_bytes(4, "big")
    frame[48:52] = total.to_bytes(4, "big")
    frame[52:152] = bytes(i * 256 // 100 for i in range(100))  # constant bitrate: a straight line
    frame[152:156] = (100 - 10 * MP3_QUALITY).to_bytes(4, "big")
    frame[156:165] = b"LAME3.100"
    frame[165] = 0x01  # tag revision 0, constant bitrate
    frame[166] = 170  # lowpass 17 kHz, in 100 Hz
    frame[176] = min(MP3_BITRATE_KBPS, 255)
    frame[177:180] = ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
    frame[184:188] = total.to_bytes(4, "big")
    frame[190:192] = _crc16(bytes(frame[:190])).to_bytes(2, "big")
    return bytes(frame)


def _crc16(data: bytes) -> int:
    """CRC-16 as LAME computes its tag checksum (polynomial 0x8005, reflected)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


WRITERS: dict[str, Callable[[Array, int, Path], None]] = {
    "wav": _write_wav,
    "flac": _write_flac,
    "ogg": _write_ogg,
    "mp3": _write_mp3,
}


def write_audio(audio: Array, sr: int, path: str | os.PathLike[str], fmt: str) -> Path:
    """Encode ``audio`` (float (2, n), −1…1) as ``fmt`` into ``path``; returns the path."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise EngineError(f"Unknown audio format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    target = Path(path)
    with _atomic(target) as temporary:
        try:
            writer(audio, sr, temporary)
        except (RuntimeError, OSError, sf.LibsndfileError) as exc:
            raise RenderFailed(f"Could not write {fmt.upper()} to {target}: {exc}") from exc
    return target


def stem_filename(name: str) -> str:
    """A part name as a safe file name inside the zip."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "part") + ".wav"


def write_stems_zip(stems: Mapping[str, Array], sr: int, path: str | os.PathLike[str]) -> Path:
    """One 16-bit WAV per part, named after the part, in an uncompressed zip.

    Stored, not deflated: PCM audio barely compresses and deflating 100+ MB would
    take seconds. Entries carry a fixed timestamp so the same stems give the same zip.
    """
    target = Path(path)
    with _atomic(target) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
        used: set[str] = set()
        for name, audio in stems.items():
            filename = stem_filename(name)
            while filename in used:
                filename = filename[:-4] + "_.wav"
            used.add(filename)
            buffer = io.BytesIO()
            sf.write(buffer, _interleaved(audio), sr, format="WAV", subtype="PCM_16")
            info = zipfile.ZipInfo(filename, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    return target


def peaks(audio: Array, sr: int, points: int = PEAK_POINTS) -> dict[str, Any]:
    """Waveform overview for the web player: the loudest sample (0–1) in each of
    ``points`` equal slices of the track, both channels together."""
    magnitude = np.abs(np.atleast_2d(audio)).max(axis=0)
    n = magnitude.size
    points = max(1, min(points, n))
    edges = np.linspace(0, n, points + 1).astype(np.int64)
    values = np.maximum.reduceat(magnitude, edges[:-1]) if n else np.zeros(points)
    return {
        "sample_rate": sr,
        "duration_s": round(n / sr, 3),
        "points": points,
        "peaks": [round(float(min(v, 1.0)), 4) for v in values],
    }
