"""Files from the mastered audio: WAV, FLAC, OGG, MP3, a stems zip, waveform peaks.

Every writer goes to a temporary name in the destination folder and renames when
complete, so a crash or an encoder error never leaves a half-written file under the
final name.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import soundfile as sf

from himig.engine import mp3
from himig.engine.errors import EngineError, RenderFailed

Array = np.ndarray

FORMATS = ("wav", "flac", "ogg", "mp3")
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


WRITERS: dict[str, Callable[[Array, int, Path], None]] = {
    "wav": _write_wav,
    "flac": _write_flac,
    "ogg": _write_ogg,
    "mp3": mp3.write,
}


def write_audio(audio: Array, sr: int, path: str | os.PathLike[str], fmt: str) -> Path:
    """Encode ``audio`` (float (2, n), −1…1) as ``fmt`` into ``path``; returns the path."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise EngineError(f"Unknown audio format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    return _write_atomic(Path(path), fmt, lambda temporary: writer(audio, sr, temporary))


def write_mp3_joined(
    audio: Array, sr: int, path: str | os.PathLike[str], split: mp3.Split, tail: Callable[[], bytes | None]
) -> Path:
    """An MP3 encoded in two pieces (see :mod:`himig.engine.mp3`): the head here, the
    tail's frames from ``tail``; atomic like :func:`write_audio`."""
    return _write_atomic(Path(path), "mp3", lambda temporary: mp3.write_joined(audio, sr, temporary, split, tail))


def _write_atomic(target: Path, fmt: str, write: Callable[[Path], None]) -> Path:
    """Run ``write`` on a temporary name beside ``target``, renamed only when it
    finishes; an encoder's failure becomes a RenderFailed."""
    with _atomic(target) as temporary:
        try:
            write(temporary)
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
            info = zipfile.ZipInfo(filename, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as entry:
                _stream_wav(entry, audio, sr)
            del audio
    return target


def _stream_wav(out: IO[bytes], audio: Array, sr: int) -> None:
    """A 16-bit PCM WAV of float ``audio`` (channels, n), converted a second at a time:
    a 120 s stem is 42 MB as float32, and converting it whole (clip, interleave, a
    WAV in memory, a copy for the zip) peaked at four times that. The samples are
    libsndfile's: ×32768, rounded, clipped to the 16-bit range."""
    channels, n = audio.shape
    data = n * channels * 2
    out.write(b"RIFF" + (36 + data).to_bytes(4, "little") + b"WAVEfmt ")
    out.write((16).to_bytes(4, "little") + (1).to_bytes(2, "little") + channels.to_bytes(2, "little"))
    out.write(sr.to_bytes(4, "little") + (sr * channels * 2).to_bytes(4, "little"))
    out.write((channels * 2).to_bytes(2, "little") + (16).to_bytes(2, "little"))
    out.write(b"data" + data.to_bytes(4, "little"))
    for start in range(0, n, sr):
        piece = np.rint(audio[:, start : start + sr].T * np.float32(32768.0))
        np.clip(piece, -32768, 32767, out=piece)
        out.write(piece.astype("<i2").tobytes())


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
