"""Draw a composed Score as a piano roll, to look at what the composer writes.

    .venv/bin/python bench/pianoroll.py --genre Jazz --mood Calm --duration 30 --seed 3 -o /tmp/jazz.png

One lane per part (drums by GM key, the rest by pitch), section boundaries marked,
the harmony written along the top. Needs no audio and no SoundFont.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from himig.engine.brief import make_brief  # noqa: E402
from himig.engine.compose import compose  # noqa: E402
from himig.engine.prompt import Descriptors  # noqa: E402
from himig.engine.request import GenerationRequest  # noqa: E402
from himig.engine.score import Score  # noqa: E402


def draw(score: Score, title: str, out: Path, chords: list[tuple[float, str]] | None = None) -> None:
    parts = [p for p in score.parts if p.notes]
    fig, axes = plt.subplots(len(parts), 1, figsize=(18, 1.6 * len(parts) + 1), sharex=True, squeeze=False)
    colours = plt.get_cmap("tab10")
    for i, (ax, part) in enumerate(zip(axes[:, 0], parts, strict=True)):
        for note in part.notes:
            start = score.seconds(note.start)
            ax.broken_barh([(start, score.seconds(note.duration))], (note.pitch - 0.4, 0.8),
                           facecolors=colours(i % 10), alpha=0.35 + 0.65 * note.velocity / 127)
        pitches = [n.pitch for n in part.notes]
        ax.set_ylim(min(pitches) - 2, max(pitches) + 2)
        ax.set_ylabel(f"{part.name}\n{part.instrument}", rotation=0, ha="right", va="center", fontsize=8)
        for section in score.sections:
            ax.axvline(score.seconds(section.start), color="k", lw=0.8, alpha=0.6)
        ax.axvline(score.duration_s, color="r", lw=1)
    top = axes[0, 0]
    for section in score.sections:
        top.text(score.seconds(section.start), 1.02, f"{section.name} ({section.energy:.2f})",
                 transform=top.get_xaxis_transform(), fontsize=8)
    for at, name in chords or []:
        top.text(at, 1.18, name, transform=top.get_xaxis_transform(), fontsize=6, rotation=45)
    axes[-1, 0].set_xlabel("seconds")
    axes[-1, 0].set_xlim(0, score.duration_s + 0.2)
    fig.suptitle(title, y=0.995)
    fig.tight_layout()
    fig.savefig(out, dpi=70)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompt", default="music")
    parser.add_argument("--genre")
    parser.add_argument("--mood")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instruments")
    parser.add_argument("-o", "--out", default="/tmp/pianoroll.png")
    args = parser.parse_args()
    request = GenerationRequest.create(args.prompt, args.duration, genre=args.genre, mood=args.mood, seed=args.seed,
                                       instruments=args.instruments)
    try:
        from himig.engine.prompt import understand

        descriptors = understand(request.prompt)
    except NotImplementedError:
        descriptors = Descriptors()
    brief = make_brief(request, descriptors)
    from himig.engine.compose import context as _context  # noqa: F401  (keeps the import graph warm)

    score = compose(brief)
    score.validate()
    meta = brief.to_metadata(score)
    title = (f"{meta['genre']} / {meta['mood']} ({meta['subgenre']}, {meta['feel']}) — {meta['tempo_bpm']} BPM, "
             f"{meta['key']}, {meta['time_signature']}, seed {args.seed}")
    draw(score, title, Path(args.out), _chord_names(brief))
    print(args.out)
    print(title)
    for part in meta["parts"]:
        print(f"  {part['name']:<10} {part['instrument']:<20} {part['role']:<8} {part['notes']} notes")


def _chord_names(brief: object) -> list[tuple[float, str]]:
    # Re-plan the harmony the same way compose does, to label the roll.
    import random

    from himig.engine.compose.context import Ctx
    from himig.engine.compose.harmony import plan_harmony

    b = brief  # type: ignore[assignment]
    ctx = Ctx(brief=b, style=b.style, mood=b.mood_profile, key=b.key, rng=random.Random(f"compose:{b.seed}"),  # type: ignore[attr-defined]
              tempo=b.form.tempo_bpm, beats_per_bar=b.form.beats_per_bar, sections=list(b.form.sections),  # type: ignore[attr-defined]
              end_tick=0, final_tick=b.form.body_bars * b.form.beats_per_bar * 480, release_tick=0)  # type: ignore[attr-defined]
    spans = plan_harmony(ctx)
    from himig.engine.theory import Chord

    # a key change transposes everything from its bar on, once composed: label what sounds
    bar, shift = b.modulation or (10**9, 0)  # type: ignore[attr-defined]
    at = bar * b.form.beats_per_bar * 480  # type: ignore[attr-defined]
    return [(s.start * 60.0 / (b.form.tempo_bpm * 480),  # type: ignore[attr-defined]
             Chord((s.chord.root + shift) % 12, s.chord.quality).name if s.start >= at else s.chord.name) for s in spans]


if __name__ == "__main__":
    main()
