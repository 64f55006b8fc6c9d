"""The path of one generation: prompt → Brief → Score → stems → master → files.

``Engine`` holds what is expensive to load (the embedding model, the SoundFont) so a
worker pays for it once; ``Engine.generate`` runs one request end to end.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from himig.engine import __version__
from himig.engine.errors import EngineError, RenderFailed
from himig.engine.request import AUDIO_FORMATS, GenerationRequest
from himig.engine.score import Score, to_midi

SAMPLE_RATE = 44100
ENGINE_NAME = "himig-composer"

# Stages reported to ``progress`` with the fraction of the whole job done when each starts.
STAGES: tuple[tuple[str, float], ...] = (
    ("composing", 0.05),
    ("rendering", 0.25),
    ("mastering", 0.6),
    ("encoding", 0.75),
)
Progress = Callable[[str, float], None]
# Encoders slow enough to hand to the other core; WAV and FLAC are quicker to write here.
_SLOW_FORMATS = frozenset({"mp3", "ogg"})
# Without stems to write, this process is nearly idle while the helper encodes, so an
# MP3 is encoded in two pieces, one per process (himig.engine.mp3). This process takes
# the head, a little less than half: it also analyses the track and writes the small
# files first.
MP3_HEAD_SHARE = 0.38


@dataclasses.dataclass
class GenerationResult:
    metadata: dict[str, Any]
    score: Score
    audio: np.ndarray  # float32, shape (2, n) — the mastered track
    files: dict[str, Path]  # "mp3"/"wav"/…, "midi", "stems", "peaks", "metadata", "score" → path


class Engine:
    """The built-in CPU engine: symbolic composition rendered with a SoundFont and DSP voices."""

    name = ENGINE_NAME
    version = __version__

    def __init__(self, soundfont: str | os.PathLike[str] | None = None, *, workers: int | None = None) -> None:
        """``workers``: processes that render (default: 2 on a machine with 2+ cores,
        or ``HIMIG_RENDER_WORKERS``); the second also encodes while the first writes
        the other outputs."""
        self._soundfont_path = soundfont
        self._workers = workers
        self._renderer: Any = None
        self.load_ms: dict[str, float] = {}
        # One generation at a time per Engine: the SoundFont synthesizer, the note
        # cache and the helper's request pipe are not safe to share between threads
        # (and the work is CPU-bound, so running two at once would not be faster).
        self._lock = threading.RLock()

    # -- loading ---------------------------------------------------------------
    def warm_up(self) -> None:
        """Load the embedding model and the SoundFont now rather than on first use."""
        from himig.engine import prompt

        renderer = self.renderer  # starts the helper process first: it loads while we do
        started = time.perf_counter()
        prompt.load_model()
        self.load_ms["prompt_model"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        renderer.wait_ready()
        self.load_ms["render_helper_wait"] = (time.perf_counter() - started) * 1000

    @property
    def renderer(self) -> Any:
        if self._renderer is None:
            from himig.engine.render import Renderer
            from himig.engine.render.helper import default_workers

            started = time.perf_counter()
            workers = self._workers if self._workers is not None else default_workers()
            self._renderer = Renderer(soundfont=self._soundfont_path, sample_rate=SAMPLE_RATE, workers=workers)
            self.load_ms["soundfont"] = (time.perf_counter() - started) * 1000
        return self._renderer

    def close(self) -> None:
        """Stop the helper process (it also stops by itself when this process exits)."""
        if self._renderer is not None:
            self._renderer.close()

    # -- one request -----------------------------------------------------------
    def plan(self, request: GenerationRequest) -> tuple[Any, Score]:
        """Prompt → Brief → Score, without any audio."""
        from himig.engine.brief import make_brief
        from himig.engine.compose import compose
        from himig.engine.prompt import understand

        descriptors = understand(request.prompt)
        brief = make_brief(request, descriptors)
        score = compose(brief)
        score.validate()
        return brief, score

    def generate(
        self,
        request: GenerationRequest,
        out_dir: str | os.PathLike[str],
        *,
        formats: Iterable[str] = ("mp3",),
        midi: bool = True,
        stems: bool = True,
        progress: Progress | None = None,
    ) -> GenerationResult:
        """Generate one track into ``out_dir`` (created if missing); see :meth:`_generate`."""
        with self._lock:
            return self._generate(request, out_dir, formats=formats, midi=midi, stems=stems, progress=progress)

    def _generate(
        self,
        request: GenerationRequest,
        out_dir: str | os.PathLike[str],
        *,
        formats: Iterable[str] = ("mp3",),
        midi: bool = True,
        stems: bool = True,
        progress: Progress | None = None,
    ) -> GenerationResult:
        """Generate one track into ``out_dir`` (created if missing).

        Files appear in ``out_dir`` only when complete (written to a temporary name,
        then renamed), so a failure never leaves a half-written file behind.
        """
        from himig.engine import analysis, export
        from himig.engine.master import StemFiles, master_bus

        formats = tuple(dict.fromkeys(formats))
        for fmt in formats:
            if fmt not in AUDIO_FORMATS:
                raise EngineError(f"Unknown audio format {fmt!r}: choose one of {', '.join(AUDIO_FORMATS)}.")
        report = progress or (lambda stage, fraction: None)
        timings: dict[str, float] = {}
        started = time.perf_counter()

        def lap(stage: str, began: float) -> None:
            timings[stage] = round((time.perf_counter() - began) * 1000, 1)

        # Start the renderer (and its helper process, which then loads while we
        # compose) before anything else; a no-op once loaded.
        renderer = self.renderer
        report("composing", STAGES[0][1])
        t = time.perf_counter()
        brief, score = self.plan(request)
        lap("compose", t)

        target = Path(out_dir)
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".himig-", dir=target))
        encoding = _Encoding(renderer.ready_helper())
        try:
            report("rendering", STAGES[1][1])
            t = time.perf_counter()
            stem_folder = staging / "strips" if stems else None
            if stem_folder is not None:
                stem_folder.mkdir()
            bus, stem_peaks = renderer.render_mix(score, stem_folder)
            lap("render", t)

            report("mastering", STAGES[2][1])
            t = time.perf_counter()
            mastered = master_bus(bus, score, SAMPLE_RATE, settle=False)
            del bus
            n_expected = round(request.duration * SAMPLE_RATE)
            if mastered.audio.shape != (2, n_expected):
                raise RenderFailed(f"mastered audio has shape {mastered.audio.shape}, expected (2, {n_expected})")
            lap("master", t)

            report("encoding", STAGES[3][1])
            t = time.perf_counter()
            written: dict[str, Path] = {}
            # The slow encoders (MP3, OGG) run on the other core, in the render helper,
            # while this one writes everything else (WAV, FLAC, the stems: for 120 s
            # 0.28 s of stems and 0.22 s of FLAC while the helper's MP3 takes the
            # 0.78 s encode stage, bench/render_balance.py);
            # without stems this core also takes the head of the MP3 (split). They
            # start at once: the final loudness is measured while they run, and in the
            # rare case it moves the audio they run again.
            slow = [fmt for fmt in formats if fmt in _SLOW_FORMATS]
            for fmt in slow:
                encoding.start(mastered.audio, staging / f"track.{fmt}", fmt, split=not stems)
            if mastered.settle():
                encoding.finish()
                for fmt in slow:
                    encoding.start(mastered.audio, staging / f"track.{fmt}", fmt, split=not stems)
            for fmt in formats:
                written[fmt] = staging / f"track.{fmt}"
                if fmt not in slow:
                    encoding.start(mastered.audio, written[fmt], fmt, here=True)
            began = time.perf_counter()
            delivered = analysis.analyse(mastered.audio, SAMPLE_RATE)
            timings["analyse"] = round((time.perf_counter() - began) * 1000, 1)
            if midi:
                (staging / "track.mid").write_bytes(to_midi(score))
                written["midi"] = staging / "track.mid"
            if stem_folder is not None:
                assert mastered.stem_gain is not None
                strips = StemFiles(stem_folder, score.parts, stem_peaks, mastered.stem_gain)
                written["stems"] = export.write_stems_zip(strips, SAMPLE_RATE, staging / "stems.zip")
            (staging / "peaks.json").write_text(json.dumps(export.peaks(mastered.audio, SAMPLE_RATE)))
            written["peaks"] = staging / "peaks.json"
            (staging / "score.json").write_text(json.dumps(score.to_dict(), separators=(",", ":")))
            written["score"] = staging / "score.json"
            encoding.finish()
            lap("encode", t)
            timings["total"] = round((time.perf_counter() - started) * 1000, 1)
            metadata = brief.to_metadata(score)
            metadata.update(
                {
                    "duration_s": round(mastered.audio.shape[1] / SAMPLE_RATE, 3),
                    "loudness_lufs": round(mastered.loudness_lufs, 2),
                    "true_peak_dbtp": round(mastered.true_peak_dbtp, 2),
                    "seed": request.seed,
                    "engine": {"name": self.name, "version": self.version},
                    "timings_ms": timings,
                    "delivered": delivered,
                    "prompt": request.prompt,
                }
            )
            (staging / "metadata.json").write_text(json.dumps(metadata, indent=2))
            written["metadata"] = staging / "metadata.json"
            files: dict[str, Path] = {}
            for kind, path in written.items():
                final = target / path.name
                os.replace(path, final)
                files[kind] = final
        finally:
            encoding.abandon()
            shutil.rmtree(staging, ignore_errors=True)
        return GenerationResult(metadata=metadata, score=score, audio=mastered.audio, files=files)


class _Encoding:
    """Audio encodes in flight: in the render helper process when there is one, else here."""

    def __init__(self, helper: Any) -> None:
        self._helper = helper
        self._jobs: list[Any] = []
        self._splits: list[tuple[np.ndarray, Path, Any, Any]] = []  # audio, path, mp3.Split, tail job

    def start(self, audio: np.ndarray, path: Path, fmt: str, here: bool = False, split: bool = False) -> None:
        """Encode ``audio`` as ``fmt``: in the helper (unless ``here``), else now. With
        ``split`` an MP3 is encoded in two pieces, the tail in the helper from now and
        the head here in :meth:`finish` (for a caller with little else to do meanwhile)."""
        from himig.engine import export, mp3
        from himig.engine.render.helper import HelperGone

        if self._helper is not None and not here:
            try:
                plan = mp3.Split.plan(audio.shape[1], MP3_HEAD_SHARE) if split and fmt == "mp3" else None
                if plan is not None:
                    job = self._helper.mp3_tail(audio[:, plan.tail_start :], SAMPLE_RATE, plan)
                    self._splits.append((audio, path, plan, job))
                else:
                    self._jobs.append(self._helper.encode(audio, SAMPLE_RATE, str(path), fmt))
                return
            except HelperGone:
                self._helper = None
        export.write_audio(audio, SAMPLE_RATE, path, fmt)

    def finish(self) -> None:
        from himig.engine import export

        try:
            for audio, path, plan, job in self._splits:
                export.write_mp3_joined(audio, SAMPLE_RATE, path, plan, functools.partial(_tail, job))
            for job in self._jobs:
                job.result()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Wait for encodes still running (so nothing is written after clean-up), free their memory."""
        for job in [*self._jobs, *(split[3] for split in self._splits)]:
            job.wait()
            job.release()
        self._jobs = []
        self._splits = []


def _tail(job: Any) -> bytes | None:
    """A split MP3's tail from the helper, or None if the helper died on the way."""
    from himig.engine.render.helper import HelperGone

    try:
        job.result()
    except HelperGone:
        return None
    tail: bytes = job.value
    return tail


_default_engine: Engine | None = None


def default_engine() -> Engine:
    """One Engine per process (model and SoundFont loaded once)."""
    global _default_engine
    if _default_engine is None:
        _default_engine = Engine(soundfont=os.environ.get("HIMIG_SOUNDFONT") or None)
    return _default_engine
