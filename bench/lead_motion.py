"""How the leads move: repeated pitches, steps and leaps, per genre × mood.

    .venv/bin/python bench/lead_motion.py [--duration 60] [--seed 2] [--top 20]

Composes every genre × mood (no audio) and measures each part with role "melody",
taking the top note per onset as the lead: the share of notes repeating the previous
pitch, of steps (1–2 semitones), thirds (3–4) and leaps (a 4th or more). Prints the
worst repeaters and a grid of repeat ratios, then the median and maximum.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from himig.engine.brief import make_brief  # noqa: E402
from himig.engine.compose import compose  # noqa: E402
from himig.engine.prompt import Descriptors  # noqa: E402
from himig.engine.request import GENRES, MOODS, GenerationRequest  # noqa: E402
from himig.engine.score import Part  # noqa: E402


def lead_pitches(part: Part) -> list[int]:
    """The top note per onset, in time order."""
    top: dict[int, int] = {}
    for note in part.notes:
        top[note.start] = max(top.get(note.start, -1), note.pitch)
    return [top[start] for start in sorted(top)]


def motion(pitches: list[int]) -> dict[str, float]:
    moves = [abs(b - a) for a, b in zip(pitches, pitches[1:], strict=False)]
    total = max(1, len(moves))
    return {
        "repeat": sum(m == 0 for m in moves) / total,
        "step": sum(1 <= m <= 2 for m in moves) / total,
        "third": sum(3 <= m <= 4 for m in moves) / total,
        "leap": sum(m >= 5 for m in moves) / total,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--top", type=int, default=20, help="how many of the worst repeaters to list")
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str, int, dict[str, float]]] = []
    grid: dict[tuple[str, str], float] = {}
    for genre, mood in itertools.product(GENRES, MOODS):
        request = GenerationRequest.create("music", args.duration, genre=genre, mood=mood, seed=args.seed)
        score = compose(make_brief(request, Descriptors()))
        for part in score.parts:
            if part.role != "melody":
                continue
            pitches = lead_pitches(part)
            if len(pitches) < 2:
                continue
            stats = motion(pitches)
            rows.append((genre, mood, part.name, part.instrument, len(pitches), stats))
            grid[(genre, mood)] = max(grid.get((genre, mood), 0.0), stats["repeat"])

    print(f"worst repeaters ({args.duration} s, seed {args.seed}):")
    for genre, mood, name, instrument, count, stats in sorted(rows, key=lambda r: -r[5]["repeat"])[: args.top]:
        print(f"  {genre:<11} {mood:<12} {name:<12} {instrument:<20} {count:4d} notes  repeat {stats['repeat']:.2f}"
              f"  step {stats['step']:.2f}  third {stats['third']:.2f}  leap {stats['leap']:.2f}")
    print("\nrepeat ratio (the most repeating melody part of each track):")
    print(" " * 12 + "".join(f"{mood[:6]:>7}" for mood in MOODS))
    for genre in GENRES:
        print(f"{genre:<12}" + "".join(f"{grid.get((genre, mood), float('nan')):7.2f}" for mood in MOODS))
    for key in ("repeat", "step", "third", "leap"):
        values = [r[5][key] for r in rows]
        print(f"{key:>7}: median {statistics.median(values):.3f}  max {max(values):.3f}  min {min(values):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
