"""The picture that link previews show for a shared track (og:image / twitter:image).

A 1200×630 PNG of the track's waveform on the brand gradient, drawn with numpy and
written with zlib — link-preview crawlers need a raster image, and this needs no
imaging library.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np
from django.core.files.storage import default_storage

from himig.studio.models import Track

WIDTH, HEIGHT = 1200, 630
BARS = 120
TOP = np.array([124, 58, 237], dtype=np.float32)  # violet, the theme colour
BOTTOM = np.array([30, 27, 75], dtype=np.float32)  # deep indigo


def peak_values(data: Any) -> list[float]:
    """The engine's peaks JSON → a flat list of magnitudes in 0–1, whatever its exact shape."""
    if isinstance(data, dict):
        for key in ("peaks", "max", "values", "data", "rms"):
            if key in data:
                return peak_values(data[key])
        return []
    if not isinstance(data, list):
        return []
    values: list[float] = []
    for item in data:
        if isinstance(item, int | float):
            values.append(abs(float(item)))
        elif isinstance(item, list | tuple) and item and all(isinstance(v, int | float) for v in item):
            values.append(max(abs(float(v)) for v in item))
        elif isinstance(item, list) and item and isinstance(item[0], list):
            return peak_values(item[0])  # per-channel lists: the first channel is enough for a picture
    top = max(values, default=0.0)
    return [v / top for v in values] if top > 1.0 else values


def _track_peaks(track: Track) -> list[float]:
    name = track.files.get("peaks")
    if not name:
        return []
    try:
        with default_storage.open(name, "rb") as handle:
            return peak_values(json.loads(handle.read()))
    except (OSError, ValueError):
        return []


def _png(pixels: np.ndarray) -> bytes:
    height, width, _ = pixels.shape
    raw = np.concatenate([np.zeros((height, 1), dtype=np.uint8), pixels.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b"")


def share_card_png(track: Track) -> bytes:
    mix = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None]
    row = TOP * (1 - mix) + BOTTOM * mix
    pixels = np.repeat(row[:, None, :], WIDTH, axis=1)
    peaks = _track_peaks(track)
    if peaks:
        levels = np.interp(np.linspace(0, len(peaks) - 1, BARS), np.arange(len(peaks)), peaks)
    else:
        # No peaks yet: a calm, regular shape rather than an empty card.
        levels = 0.35 + 0.25 * np.abs(np.sin(np.linspace(0, 6 * np.pi, BARS)))
    margin, centre, half = 80, HEIGHT // 2, HEIGHT // 2 - 110
    step = (WIDTH - 2 * margin) / BARS
    for i, level in enumerate(levels):
        x0 = int(margin + i * step + step * 0.2)
        x1 = max(x0 + 1, int(margin + (i + 1) * step - step * 0.2))
        h = max(3, int(float(np.clip(level, 0, 1)) * half))
        pixels[centre - h:centre + h, x0:x1] = pixels[centre - h:centre + h, x0:x1] * 0.25 + 255 * 0.75
    return _png(np.clip(pixels, 0, 255).astype(np.uint8))
