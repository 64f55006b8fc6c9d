"""MP3: 192 kbps CBR through LAME (``lameenc``), with a LAME/Info header written here,
encoded in one piece or in two pieces on two cores and joined.

Why lameenc and not pedalboard's bundled LAME: at its "fast" quality (``-q 7``, still
LAME's full psychoacoustic model at a generous bitrate) it needs about half the CPU
time, and MP3 encoding is the longest single step of a generation. lameenc writes no
Info header, so decoders would not know how much encoder delay and padding to drop
and the file would decode 0.21 s long (NOTES.md); the header written by
:func:`_info_frame` carries both, and decoders that honour it (mpg123 inside
libsndfile, ffmpeg, browsers) return exactly the input's length. (pedalboard's
decoder does not: it returns whole frames, delay included.)

Two pieces (:class:`Split`): the head is encoded in one process and the tail in
another, from a few frames earlier (a pre-roll that lets the encoder settle), and the
streams are joined at a frame boundary. Frames borrow bytes from earlier frames (the
bit reservoir), so the tail's first kept frame may need bytes the head's stream
holds for frames that are dropped; the join is made where those bytes are free and
writes the tail's bytes into them, and where the head's last granule has the
window shape the tail's frame expects, so the decoder's overlap-add lines up. The
result is a valid stream whose frames are each the encoder's own; only the frames around the join are decoded with
the other piece's history, a difference at the level of the coding noise (tests
compare both against the input).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from himig.engine.errors import RenderFailed

Array = np.ndarray

BITRATE_KBPS = 192
QUALITY = 7  # LAME -q: 0 slowest … 9 fastest; 7 is LAME's "fast" mode
# MPEG-1 Layer III: bitrate index → kbps; 44.1/48/32 kHz.
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_SAMPLE_RATES = (44100, 48000, 32000)
SAMPLES_PER_FRAME = 1152
# LAME's encoder delay (ENCDELAY); decoders add their own 529 on top by themselves.
ENCODER_DELAY = 576
SIDE_INFO_BYTES = 32  # MPEG-1, two channels
# Splitting: the tail starts PREROLL frames before the earliest join; the head runs
# SEARCH + MARGIN frames past it (the join is the first good frame in SEARCH, and
# MARGIN keeps the head's end, where LAME flushes, away from the frames kept).
PREROLL = 8
SEARCH = 32
MARGIN = 4
MIN_SPLIT_FRAMES = 4 * (PREROLL + SEARCH + MARGIN)


def _pcm(audio: Array) -> Array:
    """float (channels, n) → interleaved int16 (n, channels)."""
    if audio.ndim != 2:
        raise RenderFailed(f"audio must be shaped (channels, samples), not {audio.shape}")
    # Interleave first, then scale and round in place: one float32 buffer instead of
    # four full-length temporaries (the same samples as rounding the planar array).
    frames = np.empty((audio.shape[1], audio.shape[0]), dtype=np.result_type(audio.dtype, np.float32))
    np.clip(audio.T, -1.0, 1.0, out=frames)
    frames *= frames.dtype.type(32767.0)
    np.rint(frames, out=frames)
    return frames.astype("<i2")


def _encode(audio: Array, sr: int) -> bytes:
    """LAME's frames for ``audio`` (no Info header)."""
    import lameenc

    pcm = _pcm(audio)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(sr)
    encoder.set_channels(pcm.shape[1])
    encoder.set_quality(QUALITY)
    return bytes(encoder.encode(pcm.tobytes())) + bytes(encoder.flush())


def write(audio: Array, sr: int, path: Path) -> None:
    """The whole track in one piece."""
    _write_stream(path, _encode(audio, sr), audio.shape[1])


def _write_stream(path: Path, stream: bytes, samples: int) -> None:
    header = _info_frame(stream, samples)
    with path.open("wb") as out:
        out.write(header)
        out.write(stream)


@dataclasses.dataclass(frozen=True)
class Split:
    """Where a track of ``samples`` is cut in two: the head is encoded from the start to
    :attr:`head_end`, the tail from :attr:`tail_start` to the end; they are joined at
    a frame from ``first_join`` on (frame ``f`` starts at sample ``f·1152 − 576``)."""

    samples: int
    first_join: int

    @classmethod
    def plan(cls, samples: int, head_share: float) -> Split | None:
        """A split giving the head about ``head_share`` of the frames, or None when the
        track is too short for splitting to pay."""
        frames = (samples + ENCODER_DELAY) // SAMPLES_PER_FRAME
        if frames < MIN_SPLIT_FRAMES or not 0.0 < head_share < 1.0:
            return None
        first = min(max(PREROLL, round(frames * head_share)), frames - SEARCH - 2 * MARGIN)
        return cls(samples, first)

    @property
    def tail_start(self) -> int:
        return (self.first_join - PREROLL) * SAMPLES_PER_FRAME

    @property
    def head_end(self) -> int:
        return min(self.samples, (self.first_join + SEARCH + MARGIN) * SAMPLES_PER_FRAME)


def encode_tail(audio: Array, sr: int, split: Split) -> bytes:
    """The tail's frames; ``audio`` is the track from :attr:`Split.tail_start` on."""
    if audio.shape[1] != split.samples - split.tail_start:
        raise RenderFailed(f"the MP3 tail has {audio.shape[1]} samples, expected {split.samples - split.tail_start}")
    return _encode(audio, sr)


def write_joined(audio: Array, sr: int, path: Path, split: Split, tail: Callable[[], bytes | None]) -> None:
    """Encode the head of ``audio`` (the whole track) here, then join it to the tail's
    frames, which ``tail`` returns (:func:`encode_tail`, run elsewhere meanwhile) or
    None if they could not be made there (then they are made here). If no frame in the
    search window can take the join (not seen in practice), the track is encoded here
    in one piece."""
    head = _encode(audio[:, : split.head_end], sr)
    rest = tail()
    if rest is None:
        rest = encode_tail(audio[:, split.tail_start :], sr, split)
    stream = join(head, rest, split)
    if stream is None:
        stream = _encode(audio, sr)
    _write_stream(path, stream, split.samples)


def join(head: bytes, tail: bytes, split: Split) -> bytes | None:
    """One stream: the head's frames before the join, the tail's from it on (None if
    no frame in the search window can take the join)."""
    head_frames, tail_frames = _offsets(head), _offsets(tail)
    point = _join_point(head, head_frames, tail, tail_frames, split)
    if point is None:
        return None
    at, g, needed = point
    joined = bytearray(head[: head_frames[at]])
    _overwrite_reservoir(joined, head_frames[:at], _reservoir(tail, tail_frames[:g], needed))
    joined += tail[tail_frames[g] :]
    return bytes(joined)


def join_point(head: bytes, tail: bytes, split: Split) -> tuple[int, int, int] | None:
    """Where :func:`join` joins: (the track's frame, the same frame's index in the
    tail, the reservoir bytes it needs)."""
    return _join_point(head, _offsets(head), tail, _offsets(tail), split)


def _join_point(
    head: bytes, head_frames: list[int], tail: bytes, tail_frames: list[int], split: Split
) -> tuple[int, int, int] | None:
    """The first frame from ``split.first_join`` whose reservoir fits in the bytes the
    head's dropped frames leave free and where the head's last granule has the window
    the tail's frame follows in its own stream (so the decoder's overlap-add lines up)."""
    offset = split.first_join - PREROLL  # tail frame g is the track's frame g + offset
    for at in range(split.first_join, split.first_join + SEARCH):
        g = at - offset
        if at >= len(head_frames) or g >= len(tail_frames):
            break
        needed = _side(tail, tail_frames[g])[0]
        free = _side(head, head_frames[at])[0]
        if needed <= free and _windows(head, head_frames[at - 1], 1) == _windows(tail, tail_frames[g - 1], 1):
            return at, g, needed
    return None


def _offsets(stream: bytes) -> list[int]:
    """Where each frame starts."""
    offsets = []
    position = 0
    while position + 4 <= len(stream):
        offsets.append(position)
        position += _frame_length(stream[position : position + 4])
    return offsets


def _data_start(stream: bytes | bytearray, offset: int) -> int:
    """Where a frame's main-data area starts (after header, CRC and side information)."""
    if stream[offset + 3] >> 6 == 3:
        raise RenderFailed("MP3 joining needs stereo frames")
    crc = 0 if stream[offset + 1] & 1 else 2
    return offset + 4 + crc + SIDE_INFO_BYTES


def _side(stream: bytes, offset: int) -> tuple[int, int]:
    """(main_data_begin, the side information as a 256-bit integer) of a frame."""
    start = _data_start(stream, offset) - SIDE_INFO_BYTES
    bits = int.from_bytes(stream[start : start + SIDE_INFO_BYTES], "big")
    return bits >> (256 - 9), bits


def _windows(stream: bytes, offset: int, granule: int) -> tuple[int, ...]:
    """The window of ``granule`` in each channel: block type (0 long, 1 start, 2 short,
    3 stop) and whether the short block is mixed."""
    bits = _side(stream, offset)[1]
    windows = []
    for channel in (0, 1):
        # main_data_begin 9, private 3, scfsi 8; then 59 bits per granule and channel:
        # part2_3_length 12, big_values 9, global_gain 8, scalefac_compress 4,
        # window_switching_flag 1, then (if set) block_type 2 and mixed_block_flag 1.
        position = 20 + (2 * granule + channel) * 59 + 33
        switching = (bits >> (255 - position)) & 1
        windows.append(((bits >> (255 - position - 3)) & 0b111) if switching else 0)
    return tuple(windows)


def _last_data(stream: bytes | bytearray, offsets: list[int], size: int) -> list[tuple[int, int]]:
    """Spans (start, end) of ``stream`` holding the last ``size`` bytes of the main-data
    areas of the frames at ``offsets``, latest first."""
    spans = []
    remaining = size
    for offset in reversed(offsets):
        if remaining <= 0:
            break
        start = _data_start(stream, offset)
        end = offset + _frame_length(stream[offset : offset + 4])
        take = min(remaining, end - start)
        spans.append((end - take, end))
        remaining -= take
    if remaining > 0:
        raise RenderFailed("the MP3 stream is too short for the bit reservoir the join needs")
    return spans


def _reservoir(stream: bytes, offsets: list[int], size: int) -> bytes:
    """The last ``size`` bytes of the main-data areas of the frames at ``offsets``."""
    return b"".join(stream[start:end] for start, end in reversed(_last_data(stream, offsets, size)))


def _overwrite_reservoir(stream: bytearray, offsets: list[int], data: bytes) -> None:
    """Write ``data`` over the last bytes of the main-data areas of the frames at ``offsets``."""
    position = len(data)
    for start, end in _last_data(stream, offsets, len(data)):
        stream[start:end] = data[position - (end - start) : position]
        position -= end - start


def _frame_length(header: bytes | bytearray) -> int:
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
    frames = len(_offsets(stream))
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
    frame[152:156] = (100 - 10 * QUALITY).to_bytes(4, "big")
    frame[156:165] = b"LAME3.100"
    frame[165] = 0x01  # tag revision 0, constant bitrate
    frame[166] = 170  # lowpass 17 kHz, in 100 Hz
    frame[176] = min(BITRATE_KBPS, 255)
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
