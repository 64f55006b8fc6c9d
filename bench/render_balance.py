"""Where a generation's time goes between the two processes. Prints figures; asserts nothing.

    .venv/bin/python bench/render_balance.py [--genres Pop,Ambient] [--durations 30,120] [--runs 3]

For each genre and duration, over N runs with different seeds (the first run of each
duration is cold for that process's note caches): how long the parent waited for the
helper's group (render stage; near 0 when the split of parts is balanced), how long it
waited for the helper's MP3 tail, and the whole render and encode stages. Then the
platform's call (MP3 + FLAC + MIDI + stems) once more at the longest duration: the
parent's stems zip and FLAC against its wait for the helper's MP3. Then, in one
process, the cost of one DSP note per voice and of the engine's IIR filter on music
against a signal dying away (what the denormal guard in himig.engine.filters is for).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPT = "energetic pop song with drums, bass, piano, guitar and a synth lead"


def timed(log: list[tuple[str, float]], name: str, function):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            log.append((name, (time.perf_counter() - began) * 1000))

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--genres", default="Pop,Ambient,Electronic,Cinematic")
    parser.add_argument("--durations", default="30,120")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from scipy import signal

    from himig.engine import export, filters, pipeline
    from himig.engine.pipeline import Engine
    from himig.engine.render import helper, synth
    from himig.engine.request import GenerationRequest

    log: list[tuple[str, float]] = []
    # The first Job.result of a generation is the helper's group; a split MP3's tail is
    # waited for in pipeline._tail.
    helper.Job.result = timed(log, "job", helper.Job.result)  # type: ignore[method-assign]
    pipeline._tail = timed(log, "tail wait", pipeline._tail)
    export.write_stems_zip = timed(log, "stems zip", export.write_stems_zip)
    export.write_audio = timed(log, "write here", export.write_audio)
    pipeline._Encoding.finish = timed(log, "encode wait", pipeline._Encoding.finish)  # type: ignore[method-assign]

    engine = Engine()
    engine.warm_up()
    durations = [int(d) for d in args.durations.split(",")]
    print(f"{'genre':<11}{'dur':>5} {'group wait ms':>14} {'tail wait ms':>13} {'render ms':>10} {'encode ms':>10}  (medians of {args.runs})")
    with tempfile.TemporaryDirectory(prefix="himig-bench-") as folder:
        for genre in args.genres.split(","):
            for duration in durations:
                rows: dict[str, list[float]] = {}
                for run in range(args.runs):
                    log.clear()
                    request = GenerationRequest.create(PROMPT, duration, genre=genre, seed=2000 + run)
                    result = engine.generate(request, folder, formats=("mp3",), midi=False, stems=False)
                    jobs = [ms for name, ms in log if name == "job"]
                    rows.setdefault("group", []).append(jobs[0] if jobs else 0.0)
                    rows.setdefault("tail", []).append(sum(ms for name, ms in log if name == "tail wait"))
                    rows.setdefault("render", []).append(result.metadata["timings_ms"]["render"])
                    rows.setdefault("encode", []).append(result.metadata["timings_ms"]["encode"])
                    del result
                med = {k: statistics.median(v) for k, v in rows.items()}
                print(f"{genre:<11}{duration:>4}s {med['group']:>14.0f} {med['tail']:>13.0f} {med['render']:>10.0f} {med['encode']:>10.0f}")
        longest = max(durations)
        print(f"\nplatform call (mp3 + flac + midi + stems), Pop {longest} s, medians of {args.runs}:")
        rows = {}
        for run in range(args.runs):
            log.clear()
            request = GenerationRequest.create(PROMPT, longest, genre="Pop", seed=3000 + run)
            result = engine.generate(request, folder, formats=("mp3", "flac"), midi=True, stems=True)
            for name in ("stems zip", "write here", "encode wait"):
                rows.setdefault(name, []).append(sum(ms for n, ms in log if n == name))
            rows.setdefault("encode stage", []).append(result.metadata["timings_ms"]["encode"])
            del result
        print("  " + ", ".join(f"{k} {statistics.median(v):.0f} ms" for k, v in rows.items()) + "  (write here = FLAC)")
    engine.close()

    print("\none DSP note, 4.9 s (held 4 s), in this process:")
    sr = 44100
    spec = synth.NoteSpec(57, 4 * sr, 0.6, None, sr, None)
    for name in ("synth_pad", "supersaw", "saw_lead", "arp", "pluck"):
        voice = getattr(synth, name)
        voice(spec)
        began = time.perf_counter()
        for _ in range(10):
            voice(spec)
        print(f"  {name:<10} {(time.perf_counter() - began) * 100:.1f} ms")

    print("\nthe low-cut filter on one 1.5 s chunk (65536 samples, stereo):")
    sos = signal.butter(2, 40, "high", fs=sr, output="sos").astype(np.float32)
    rng = np.random.default_rng(1)
    music = (rng.standard_normal((2, 65536)) * 0.1).astype(np.float32)
    dying = (rng.standard_normal((2, 65536)) * np.exp(-np.arange(65536) / 200)).astype(np.float32)
    state = np.zeros((1, 2, 2), dtype=np.float32)
    for label, x in (("music", music), ("dying away", dying)):
        for how, run in (("scipy", signal.sosfilt), ("guarded", filters.sosfilt)):
            began = time.perf_counter()
            for _ in range(20):
                run(sos, x, axis=1, zi=state)
            print(f"  {label:<11} {how:<8} {(time.perf_counter() - began) * 50:.2f} ms")


if __name__ == "__main__":
    main()
