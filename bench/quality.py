"""Does the engine deliver what was asked? Measures every track from its audio.

    .venv/bin/python bench/quality.py [--prompts PATH] [--quick N] [--only ID,ID] [--seed S] [--json OUT]

Generates each request of the evaluation set (``../shared/eval/prompts.jsonl`` unless
``--prompts`` says otherwise; see its README) with the engine, reads the WAV back from
disk and measures it with tools the engine does not use — pyloudnorm, scipy's
polyphase resampler and librosa — so a bug in the engine's own measurements cannot
hide a bug in its audio:

* duration (±50 ms), integrated loudness (−14 LUFS ±1), true peak (4× oversampled,
  ≤ −1 dBTP), clipped samples, silent gaps over 1 s before the ending;
* tempo by librosa beat tracking at 44.1 kHz against the expected range and against
  the plan (±4 %; half/double time only when the plan's tempo is itself in range);
* key from librosa's chroma (Krumhansl–Kessler profiles, the final bass breaking
  relative-key ties) against the plan's key (a modal plan — dorian, mixolydian… — also
  accepts the major/minor key with the same notes; a plan that changes key is measured
  part by part, each against its own key) and against ``expect.key``;
* drums: the plan's drum part and the share of percussive energy (librosa HPSS);
* instruments, inferred genre and mood against the ``expect`` fields; the energy
  ordering of ``energy_below`` pairs (onset rate, spectral flux and tempo);
* the engine's own "delivered" tempo and key compared with librosa's;
* determinism (same seed → identical samples) and seed variety on a few items.

Prints one row per prompt and pass counts per check. It is a report: the exit status
is non-zero only when the bench itself crashes. librosa compiles with numba on first
use (~6 s), which is paid once here.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PROMPTS = ROOT.parent / "shared" / "eval" / "prompts.jsonl"
SR = 44100
TEMPO_TOLERANCE = 0.04
SILENCE_DBFS = -60.0
MAX_GAP_S = 1.0
# Share of spectral power in the percussive part (HPSS) above which drums are audible.
# Measured on the engine's output: drumless piano, folk guitar and ambient pads sit at
# 0.01–0.03; tracks with a kit at 0.08–0.22, except soft brushes (~0.03).
DRUMS_AUDIBLE_SHARE = 0.05

_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_NOTES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_FAMILY = {"minor", "dorian", "phrygian", "harmonic minor", "aeolian"}

CHECKS = (
    "duration", "loudness", "true_peak", "clipping", "silence", "tempo_range", "tempo_plan", "key_plan",
    "key_expect", "drums", "instruments", "genre", "mood", "energy_order", "delivered_tempo", "delivered_key",
    "deterministic", "seeds_differ",
)


# -- measurements -------------------------------------------------------------------------
def true_peak_dbtp(audio: np.ndarray) -> float:
    """Peak of the 4× oversampled signal (ITU-R BS.1770 style), in dBTP."""
    from scipy.signal import resample_poly

    peak = max(float(np.max(np.abs(resample_poly(channel, 4, 1)))) for channel in audio)
    return 20 * math.log10(max(peak, 1e-12))


def silent_gaps(mono: np.ndarray, sr: int) -> list[tuple[float, float]]:
    """Runs of silence longer than MAX_GAP_S that are followed by sound (so not the ending)."""
    hop = sr // 20  # 50 ms windows
    frames = mono[: (mono.size // hop) * hop].reshape(-1, hop)
    level = 10 * np.log10(np.maximum(np.mean(frames.astype(np.float64) ** 2, axis=1), 1e-20))
    silent = level < SILENCE_DBFS
    gaps: list[tuple[float, float]] = []
    start = None
    for i, quiet in enumerate(silent):
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            if (i - start) * hop / sr > MAX_GAP_S:
                gaps.append((start * hop / sr, i * hop / sr))
            start = None
    return gaps


def key_from_chroma(chroma: np.ndarray, final_bass: np.ndarray | None = None) -> tuple[str, float]:
    """Krumhansl–Kessler correlation; the final bass (if given) breaks relative-key ties."""
    bass = np.zeros(12) if final_bass is None else final_bass / max(float(final_bass.max()), 1e-12)
    best, best_score, best_r = "", -np.inf, 0.0
    for tonic in range(12):
        for mode, profile in (("major", _MAJOR), ("minor", _MINOR)):
            r = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
            if r + 0.3 * bass[tonic] > best_score:
                best, best_score, best_r = f"{_NOTES[tonic]} {mode}", r + 0.3 * bass[tonic], r
    return best, best_r


def librosa_key(y: np.ndarray, sr: int) -> tuple[str, float]:
    """Key from librosa's chroma (long FFT so bass notes resolve) plus the bass of the last 3 s."""
    import librosa

    chroma = librosa.feature.chroma_stft(y=y, sr=sr, n_fft=8192, tuning=0.0).mean(axis=1)
    tail = np.abs(librosa.stft(y[-3 * sr :], n_fft=8192, hop_length=2048)) ** 2
    freqs = librosa.fft_frequencies(sr=sr, n_fft=8192)
    tail[(freqs < 40) | (freqs > 260)] = 0.0
    bass = librosa.feature.chroma_stft(S=tail, sr=sr, n_fft=8192, tuning=0.0, octwidth=None).sum(axis=1)
    return key_from_chroma(chroma, bass)


def _pitch_set(tonic: int, mode: str) -> frozenset[int]:
    from himig.engine.theory import MODES

    return frozenset((tonic + step) % 12 for step in MODES[mode])


def key_matches(detected: str, planned: str) -> tuple[bool, str]:
    """(pass, how): exact tonic and major/minor family, or — for a modal plan — the same notes."""
    from himig.engine.theory import parse_key

    got, want = parse_key(detected), parse_key(planned)
    family = "minor" if want.mode in _MINOR_FAMILY else "major"
    if got.tonic == want.tonic and got.mode == family:
        return True, "exact"
    if want.mode not in {"major", "minor"} and _pitch_set(got.tonic, got.mode) == _pitch_set(want.tonic, want.mode):
        return True, "same notes"
    return False, "different"


def modulated_key_check(m: Measured, planned: str, modulation: dict[str, Any]) -> tuple[bool, str]:
    """A plan that steps up a key: each part against the key the plan gives it, both must match.

    One chroma over the whole track mixes the two keys, and its final bass is the new
    tonic, so a G major track that lifts to A major for its last return was judged as a
    whole against G (and measured as A minor). Here the audio before the change is
    measured against ``key`` and the audio after it against ``modulation.to_key``, each
    by the same chroma + final-bass method.
    """
    at = int(float(modulation["at_s"]) * 22050)
    before, after = m.half[:at], m.half[at:]
    if before.size < 6 * 22050 or after.size < 6 * 22050:
        return key_matches(m.key, planned)  # too short a part to measure on its own
    first, _ = librosa_key(before, 22050)
    second, _ = librosa_key(after, 22050)
    ok = key_matches(first, planned)[0] and key_matches(second, str(modulation["to_key"]))[0]
    return ok, f"modulates: {first} then {second}"


def tempo_checks(detected: float, planned: float, expected: list[float] | None) -> tuple[bool | None, bool]:
    """(in expected range, matches plan) under the eval README's half/double rule."""
    def near(a: float, b: float) -> bool:
        return abs(a / b - 1) <= TEMPO_TOLERANCE

    plan_in_range = expected is None or expected[0] <= planned <= expected[1]
    octave = [detected * f for f in (0.5, 2.0)]
    plan_ok = near(detected, planned) or (plan_in_range and any(near(o, planned) for o in octave))
    if expected is None:
        return None, plan_ok
    lo, hi = expected
    in_range = lo <= detected <= hi or (plan_in_range and any(lo <= o <= hi and near(o, planned) for o in octave))
    return in_range, plan_ok


class Measured:
    """Everything measured from one WAV file."""

    def __init__(self, path: Path) -> None:
        import librosa
        import pyloudnorm
        import soundfile

        data, sr = soundfile.read(str(path), dtype="float32", always_2d=True)
        self.sr = sr
        audio = data.T  # (channels, n)
        self.audio = audio
        self.duration = audio.shape[1] / sr
        self.lufs = float(pyloudnorm.Meter(sr).integrated_loudness(data.astype(np.float64)))
        self.true_peak = true_peak_dbtp(audio)
        self.clipped = int(np.count_nonzero(np.abs(audio) >= 0.9999))
        mono = audio.mean(axis=0)
        self.gaps = silent_gaps(mono, sr)
        tempo, _ = librosa.beat.beat_track(y=mono, sr=sr)
        self.tempo = float(np.atleast_1d(tempo)[0])
        half = librosa.resample(mono, orig_sr=sr, target_sr=22050)
        self.half = half
        self.key, self.key_r = librosa_key(half, 22050)
        # Drums: share of percussive energy in a 20 s excerpt from the middle (HPSS is slow).
        middle = half.size // 2
        excerpt = half[max(0, middle - 10 * 22050) : middle + 10 * 22050]
        spectrum = np.abs(librosa.stft(excerpt)) ** 2
        harmonic, percussive = librosa.decompose.hpss(spectrum)
        self.percussive_share = float(percussive.sum() / max(harmonic.sum() + percussive.sum(), 1e-12))
        # Loudness-independent energy: onsets per second, normalised spectral flux, tempo.
        onsets = librosa.onset.onset_detect(y=half, sr=22050, units="time")
        self.onset_rate = len(onsets) / self.duration
        normalised = half / max(float(np.sqrt(np.mean(half**2))), 1e-9)
        self.flux = float(librosa.onset.onset_strength(y=normalised, sr=22050).mean())


# -- running ----------------------------------------------------------------------------------
def load_items(path: Path) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for item in items:
        item.setdefault("expect", {})
    return items


def generate(engine: Any, item: dict[str, Any], seed: int, folder: Path) -> tuple[Any, float]:
    from himig.engine.request import GenerationRequest

    request = GenerationRequest.create(
        item["prompt"], item["duration"], genre=item.get("genre"), mood=item.get("mood"), seed=seed
    )
    started = time.perf_counter()
    result = engine.generate(request, folder, formats=("wav",), midi=False, stems=False)
    return result, time.perf_counter() - started


def judge(item: dict[str, Any], meta: dict[str, Any], m: Measured) -> dict[str, Any]:
    from himig.engine.instruments import satisfies

    expect = item["expect"]
    checks: dict[str, bool | None] = {name: None for name in CHECKS}
    notes: dict[str, Any] = {}
    checks["duration"] = abs(m.duration - item["duration"]) <= 0.05
    checks["loudness"] = abs(m.lufs - (-14.0)) <= 1.0
    checks["true_peak"] = m.true_peak <= -1.0
    checks["clipping"] = m.clipped == 0
    checks["silence"] = not m.gaps
    planned_tempo = float(meta.get("tempo_bpm") or 0)
    if planned_tempo > 0:
        checks["tempo_range"], checks["tempo_plan"] = tempo_checks(m.tempo, planned_tempo, expect.get("tempo"))
    planned_key = meta.get("key")
    if planned_key:
        checks["key_plan"], notes["key_how"] = key_matches(m.key, planned_key)
        modulation = meta.get("modulation")
        if modulation:
            checks["key_plan"], notes["key_how"] = modulated_key_check(m, planned_key, modulation)
    if "key" in expect:
        checks["key_expect"] = key_matches(m.key, expect["key"])[0] and key_matches(planned_key, expect["key"])[0]
    if "drums" in expect:
        audible = bool(meta.get("drums")) and m.percussive_share >= DRUMS_AUDIBLE_SHARE
        checks["drums"] = audible == bool(expect["drums"])
    if "instruments_any" in expect:
        playing = meta.get("instruments") or []
        checks["instruments"] = any(satisfies(want, have) for want in expect["instruments_any"] for have in playing)
    if "genre_any" in expect:
        checks["genre"] = meta.get("genre") in expect["genre_any"]
    if "mood_any" in expect:
        checks["mood"] = meta.get("mood") in expect["mood_any"]
    delivered = meta.get("delivered") or {}
    if delivered.get("tempo_bpm"):
        checks["delivered_tempo"] = tempo_checks(float(delivered["tempo_bpm"]), m.tempo, None)[1]
    if delivered.get("key"):
        checks["delivered_key"] = key_matches(str(delivered["key"]), m.key)[0]
    return {"checks": checks, "notes": notes}


def energy_score(m: Measured) -> tuple[float, float, float]:
    return (m.onset_rate, m.flux, m.tempo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS)
    parser.add_argument("--quick", type=int, default=0, metavar="N", help="only the first N items")
    parser.add_argument("--only", default="", metavar="IDS", help="comma-separated item ids to run")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--repeat", type=int, default=2, metavar="K",
                        help="check determinism and seed variety on the first K items (0 to skip)")
    parser.add_argument("--json", type=Path, help="also write the per-item results here")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()

    items = load_items(args.prompts)
    if args.only:
        wanted = set(args.only.split(","))
        items = [item for item in items if item["id"] in wanted]
    if args.quick:
        items = items[: args.quick]
    from himig.engine.pipeline import Engine

    started = time.perf_counter()
    engine = Engine()
    engine.warm_up()
    print(f"engine ready in {time.perf_counter() - started:.2f} s; {len(items)} items from {args.prompts}")
    import librosa  # noqa: F401 - pay the import before the first row

    folder = args.keep or Path(tempfile.mkdtemp(prefix="himig-quality-"))
    rows: list[dict[str, Any]] = []
    measured: dict[str, Measured] = {}
    header = (
        f"{'id':<17} {'gen s':>5} {'dur':>6} {'LUFS':>6} {'dBTP':>6} {'clip':>4} {'gap':>3} "
        f"{'tempo det/plan':>15} {'range':>9} {'key det / plan':>26} {'drum':>9} {'genre/mood':>22}  failed"
    )
    print(header)
    for item in items:
        row: dict[str, Any] = {"id": item["id"], "prompt": item["prompt"]}
        try:
            result, seconds = generate(engine, item, args.seed, folder / item["id"])
            meta = result.metadata
            m = Measured(result.files["wav"])
            measured[item["id"]] = m
            verdict = judge(item, meta, m)
        except Exception as exc:  # an engine failure is a result to report, not a crash of the bench
            row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
            print(f"{item['id']:<17} ERROR {row['error']}")
            traceback.print_exc(limit=3)
            continue
        row.update(verdict)
        row.update({
            "seconds": round(seconds, 2), "duration": round(m.duration, 3), "lufs": round(m.lufs, 2),
            "true_peak": round(m.true_peak, 2), "clipped": m.clipped, "gaps": m.gaps,
            "tempo": round(m.tempo, 1), "plan_tempo": meta.get("tempo_bpm"), "key": m.key, "plan_key": meta.get("key"),
            "percussive_share": round(m.percussive_share, 3), "plan_drums": meta.get("drums"),
            "genre": meta.get("genre"), "mood": meta.get("mood"), "instruments": meta.get("instruments"),
            "delivered": meta.get("delivered"), "onset_rate": round(m.onset_rate, 2), "flux": round(m.flux, 3),
        })
        rows.append(row)
        failed = [name for name, ok in verdict["checks"].items() if ok is False]
        expected_range = item["expect"].get("tempo")
        print(
            f"{item['id']:<17} {seconds:5.2f} {m.duration:6.2f} {m.lufs:6.1f} {m.true_peak:6.2f} {m.clipped:4d} "
            f"{len(m.gaps):3d} {m.tempo:6.1f}/{float(meta.get('tempo_bpm') or 0):<7.1f} "
            f"{str(expected_range or '-'):>9} {m.key:>11} / {str(meta.get('key')):<12} "
            f"{'on' if meta.get('drums') else 'off'} {m.percussive_share:4.2f} "
            f"{str(meta.get('genre')) + '/' + str(meta.get('mood')):>22}  {' '.join(failed) or '-'}"
        )

    # Energy ordering between pairs: lower on at least two of onset rate, flux and tempo.
    by_id = {row["id"]: row for row in rows}
    for item in items:
        other = item["expect"].get("energy_below")
        if not other or item["id"] not in measured or other not in measured:
            continue
        low, high = energy_score(measured[item["id"]]), energy_score(measured[other])
        below = sum(a < b for a, b in zip(low, high, strict=True)) >= 2
        by_id[item["id"]]["checks"]["energy_order"] = below
        print(f"energy: {item['id']} (onsets/s {low[0]:.2f}, flux {low[1]:.2f}, tempo {low[2]:.0f}) "
              f"below {other} ({high[0]:.2f}, {high[1]:.2f}, {high[2]:.0f}): {'yes' if below else 'NO'}")

    # Determinism and seed variety.
    for item in [i for i in items if i["id"] in measured][: args.repeat]:
        with tempfile.TemporaryDirectory(prefix="himig-repeat-") as scratch:
            again, _ = generate(engine, item, args.seed, Path(scratch) / "same")
            other, _ = generate(engine, item, args.seed + 1, Path(scratch) / "other")
            first = measured[item["id"]].audio
            same_audio = _read(again.files["wav"])
            other_audio = _read(other.files["wav"])
            identical = same_audio.shape == first.shape and bool(np.array_equal(same_audio, first))
            differs = other_audio.shape != first.shape or not np.array_equal(other_audio, first)
            same_bytes = again.files["wav"].read_bytes() == (folder / item["id"] / "track.wav").read_bytes()
        by_id[item["id"]]["checks"]["deterministic"] = identical and same_bytes
        by_id[item["id"]]["checks"]["seeds_differ"] = differs
        print(f"repeat {item['id']}: same seed identical samples {identical}, identical file {same_bytes}; "
              f"seed {args.seed + 1} differs {differs}")

    _summary(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
        print(f"per-item results written to {args.json}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _read(path: Path) -> np.ndarray:
    import soundfile

    data, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    result: np.ndarray = data.T
    return result


def _summary(rows: list[dict[str, Any]]) -> None:
    print("\npass counts (items where the check applies):")
    errors = [r for r in rows if "error" in r]
    for name in CHECKS:
        results = [r["checks"][name] for r in rows if "checks" in r and r["checks"][name] is not None]
        if not results:
            continue
        passed = sum(bool(v) for v in results)
        failed_ids = [r["id"] for r in rows if "checks" in r and r["checks"][name] is False]
        share = 100.0 * passed / len(results)
        tail = f"   fails: {', '.join(failed_ids)}" if failed_ids else ""
        print(f"  {name:<16} {passed:3d}/{len(results):<3d} {share:5.1f}%{tail}")
    if errors:
        print(f"  generation errors: {len(errors)}: " + ", ".join(r["id"] for r in errors))
    timed = [r["seconds"] for r in rows if "seconds" in r]
    if timed:
        print(f"generation time per track: median {float(np.median(timed)):.2f} s, max {max(timed):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
