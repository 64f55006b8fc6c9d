"""How fast is the engine? Prints figures; asserts nothing.

    .venv/bin/python bench/engine_speed.py [--runs 5] [--durations 30,60,120] [--all-outputs] [--cold-notes]

For each duration: the median of N warm runs of ``Engine.generate`` with MP3 output,
each run a different seed (the same prompt, so a worker's note caches help as they
would for a run of similar requests; ``--cold-notes`` clears them before each run);
the realtime factor; the median time of each stage; then the cold start (embedding model + SoundFont load) and the process's peak RSS (worker
render helper process reported separately). Figures on a shared machine are noisy:
``cpu s`` is the CPU time of this process plus the helper, which contention
inflates less than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPT = "energetic pop song with drums, bass, piano, guitar and a synth lead"


def helper_pid(engine: object) -> int | None:
    helper = getattr(getattr(engine, "renderer", None), "helper", None)
    process = getattr(helper, "_process", None)
    return getattr(process, "pid", None)


def cpu_seconds(helper: int | None) -> float:
    """CPU time of this process plus the render helper (still running, so not in RUSAGE_CHILDREN)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    if helper:
        fields = Path(f"/proc/{helper}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def helper_peak_mb(helper: int | None) -> float:
    if not helper:
        return 0.0
    for line in Path(f"/proc/{helper}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--durations", default="30,60,120")
    parser.add_argument("--genre", default="Pop")
    parser.add_argument("--all-outputs", action="store_true", help="MP3 + FLAC + MIDI + the stems zip (the platform's call)")
    parser.add_argument("--cold-notes", action="store_true", help="forget cached notes before every run (a worker's first track of its kind)")
    args = parser.parse_args()

    started = time.perf_counter()
    from himig.engine.pipeline import Engine
    from himig.engine.request import GenerationRequest

    engine = Engine()
    engine.warm_up()
    helper = helper_pid(engine)
    cold = time.perf_counter() - started
    print(f"cold start: {cold:.2f} s  (imports + " + ", ".join(f"{k} {v:.0f} ms" for k, v in engine.load_ms.items()) + ")")
    formats = ("mp3", "flac") if args.all_outputs else ("mp3",)
    outputs = "mp3 + flac + midi + stems" if args.all_outputs else "mp3"
    if args.cold_notes:
        outputs += ", note caches cleared before every run"
    print(f"genre {args.genre}, outputs: {outputs}, {args.runs} warm runs each, cpu count {os.cpu_count()}")
    print(f"{'duration':>8} {'median s':>9} {'min s':>7} {'x realtime':>10} {'cpu s':>6}  stages (median ms)")
    with tempfile.TemporaryDirectory(prefix="himig-bench-") as folder:
        # One unmeasured run so first-use costs (imports, caches of filters) are not in the figures.
        first = GenerationRequest.create(PROMPT, 15, genre=args.genre, seed=999)
        engine.generate(first, folder, formats=("mp3",), midi=False, stems=False)
        for duration in (int(d) for d in args.durations.split(",")):
            walls, cpus, stages = [], [], {}
            for run in range(args.runs):
                request = GenerationRequest.create(PROMPT, duration, genre=args.genre, seed=1000 + run)
                if args.cold_notes:
                    engine.renderer.clear_caches()
                cpu_before = cpu_seconds(helper)
                began = time.perf_counter()
                result = engine.generate(
                    request, folder, formats=formats, midi=args.all_outputs, stems=args.all_outputs
                )
                walls.append(time.perf_counter() - began)
                cpus.append(cpu_seconds(helper) - cpu_before)
                for stage, ms in result.metadata["timings_ms"].items():
                    stages.setdefault(stage, []).append(ms)
                # A worker drops each result once its files are stored; holding it into
                # the next run would add its 42 MB of audio to that run's peak.
                del result
            median = statistics.median(walls)
            parts = " ".join(f"{k} {statistics.median(v):.0f}" for k, v in stages.items() if k != "total")
            print(f"{duration:>7}s {median:>9.2f} {min(walls):>7.2f} {duration / median:>10.1f} {statistics.median(cpus):>6.2f}  {parts}")
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_self:.0f} MB (this process), {helper_peak_mb(helper):.0f} MB (render helper process)")
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on the machine inflates wall time)")
    engine.close()


if __name__ == "__main__":
    main()
