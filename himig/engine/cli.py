"""``himig generate "PROMPT" --duration S -o FILE``: one track from the command line.

Exit status 0 on success, 2 when the request is refused or the engine fails (the
message goes to stderr). Files appear under their final names only when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from himig.engine import __version__
from himig.engine.errors import EngineError, InvalidRequest
from himig.engine.request import AUDIO_FORMATS, GENRES, MOODS, GenerationRequest


def build_parser() -> argparse.ArgumentParser:
    # argparse itself exits with status 2 and a message on stderr for bad usage.
    parser = argparse.ArgumentParser(prog="himig", description="Himig's music engine: describe music, get a finished track.")
    parser.add_argument("--version", action="version", version=f"himig {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="compose, render and master one track")
    generate.add_argument("prompt", help='what the music should be, e.g. "calm piano for studying"')
    generate.add_argument("--genre", help=f"{', '.join(GENRES)} or auto (default: inferred)")
    generate.add_argument("--mood", help=f"{', '.join(MOODS)} or auto (default: inferred)")
    generate.add_argument("--duration", required=True, help="length in whole seconds, 15–120")
    generate.add_argument("--seed", help="same request + seed = the same track")
    generate.add_argument("--tempo", help="beats per minute, 40–220")
    generate.add_argument("--key", help="e.g. C, F#m, 'Bb major', 'D dorian'")
    generate.add_argument("--instruments", help='comma-separated, e.g. "piano,strings"')
    generate.add_argument("--format", choices=AUDIO_FORMATS, help="audio format (default: from -o's extension)")
    generate.add_argument("-o", "--output", required=True, help="audio file to write")
    generate.add_argument("--midi", help="also write the Standard MIDI File here")
    generate.add_argument("--stems", help="also write one WAV per part, zipped, here")
    generate.add_argument("--json", action="store_true", help="print the track's metadata as JSON on stdout")
    return parser


def _format_for(output: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = output.suffix.lower().lstrip(".")
    if suffix in AUDIO_FORMATS:
        return suffix
    raise InvalidRequest(
        "format",
        f"Cannot tell the audio format from {output.name!r}: end the file name with "
        f"{', '.join('.' + f for f in AUDIO_FORMATS)} or pass --format.",
    )


def generate(args: argparse.Namespace) -> dict[str, object]:
    request = GenerationRequest.create(
        args.prompt,
        args.duration,
        genre=args.genre,
        mood=args.mood,
        tempo_bpm=args.tempo,
        key=args.key,
        instruments=args.instruments,
        seed=args.seed,
    )
    output = Path(args.output)
    fmt = _format_for(output, args.format)
    targets = [output] + [Path(p) for p in (args.midi, args.stems) if p]
    for target in targets:
        if not target.parent.is_dir():
            raise InvalidRequest("output", f"The folder {str(target.parent)!r} does not exist.")

    from himig.engine.pipeline import default_engine

    # The engine writes into a private folder next to the output; files move to their
    # final names only after everything succeeded (a rename within one file system).
    staging = Path(tempfile.mkdtemp(prefix=".himig-cli-", dir=output.parent))
    try:
        result = default_engine().generate(
            request, staging, formats=(fmt,), midi=bool(args.midi), stems=bool(args.stems)
        )
        moves = [(result.files[fmt], output)]
        if args.midi:
            moves.append((result.files["midi"], Path(args.midi)))
        if args.stems:
            moves.append((result.files["stems"], Path(args.stems)))
        for source, destination in moves:
            _move(source, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result.metadata


def _move(source: Path, destination: Path) -> None:
    """Rename into place; across file systems copy to a temporary name, then rename."""
    try:
        os.replace(source, destination)
    except OSError:
        partial = destination.with_name(f".{destination.name}.part")
        shutil.copyfile(source, partial)
        os.replace(partial, destination)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        metadata = generate(args)
    except EngineError as exc:
        print(f"himig: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("himig: interrupted", file=sys.stderr)
        return 130
    if args.json:
        json.dump(metadata, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"Wrote {args.output} ({metadata.get('duration_s')} s, {metadata.get('genre')}, {metadata.get('mood')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
