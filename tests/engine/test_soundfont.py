"""Finding and installing the General MIDI SoundFont."""

from __future__ import annotations

import io
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
import tinysoundfont._tinysoundfont as tsf

from himig.engine import soundfont
from himig.engine.errors import ResourceMissing


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No SoundFont anywhere: empty share dir, no pretty_midi, no Debian files."""
    monkeypatch.delenv("HIMIG_SOUNDFONT", raising=False)
    monkeypatch.setattr(soundfont, "share_dir", lambda: tmp_path / "share")
    monkeypatch.setattr(soundfont, "_pretty_midi_soundfont", lambda: None)
    monkeypatch.setattr(soundfont, "DEBIAN_PATHS", ())
    return tmp_path


def _fake_wheel(folder: Path, payload: bytes = b"RIFF-fake-soundfont") -> Path:
    """A wheel laid out like ambient-gen's: a tar.xz holding the SoundFonts, plus licences."""
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:xz") as tar:
        for name, data in ((soundfont.CHOSEN, payload), ("Other.sf3", b"other")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    wheel = folder / "ambient_gen-1.2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(soundfont.ARCHIVE_MEMBER, packed.getvalue())
        archive.writestr(soundfont.LICENCE_MEMBER, "GeneralUser GS licence text")
    return wheel


def test_it_finds_the_installed_soundfont_and_it_plays():
    path = soundfont.find_soundfont()
    font = tsf.SoundFont(str(path))
    assert font.get_preset_index(0, 0) >= 0  # acoustic grand piano
    assert font.get_preset_index(128, 0) >= 0  # standard drum kit


def test_an_explicit_path_wins(tmp_path, monkeypatch):
    chosen = tmp_path / "mine.sf2"
    chosen.write_bytes(b"x")
    monkeypatch.setenv("HIMIG_SOUNDFONT", str(tmp_path / "env.sf2"))
    assert soundfont.find_soundfont(chosen) == chosen


def test_the_environment_variable_chooses_another(tmp_path, monkeypatch):
    chosen = tmp_path / "env.sf2"
    chosen.write_bytes(b"x")
    monkeypatch.setenv("HIMIG_SOUNDFONT", str(chosen))
    assert soundfont.find_soundfont() == chosen


def test_a_missing_explicit_path_is_an_error_not_a_silent_substitute(tmp_path, monkeypatch):
    monkeypatch.setenv("HIMIG_SOUNDFONT", str(tmp_path / "gone.sf2"))
    with pytest.raises(ResourceMissing, match="gone.sf2"):
        soundfont.find_soundfont()


def test_it_says_how_to_fix_a_missing_soundfont(nowhere):
    with pytest.raises(ResourceMissing) as raised:
        soundfont.find_soundfont()
    message = str(raised.value)
    assert "--install" in message and "HIMIG_SOUNDFONT" in message


def test_it_falls_back_to_debian_paths(nowhere, monkeypatch):
    debian = nowhere / "FluidR3_GM.sf2"
    debian.write_bytes(b"x")
    monkeypatch.setattr(soundfont, "DEBIAN_PATHS", (str(nowhere / "absent.sf2"), str(debian)))
    assert soundfont.find_soundfont() == debian


def test_install_extracts_the_soundfont_and_its_licence_then_does_nothing_twice(nowhere, monkeypatch):
    calls = []

    def fake_pip(command, **kwargs):
        calls.append(command)
        _fake_wheel(Path(command[command.index("--dest") + 1]))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(soundfont.subprocess, "run", fake_pip)
    target = nowhere / "share"
    installed = soundfont.install(target, quiet=True)
    assert installed == target / soundfont.CHOSEN
    assert installed.read_bytes() == b"RIFF-fake-soundfont"
    assert (target / soundfont.LICENCE_NAME).read_text() == "GeneralUser GS licence text"
    assert not (target / "Other.sf3").exists()
    assert "ambient-gen==1.2.0" in calls[0] and "--no-deps" in calls[0]
    assert soundfont.install(target, quiet=True) == installed
    assert len(calls) == 1  # already installed: pip is not asked again
    assert soundfont.find_soundfont() == installed


def test_install_reports_a_failed_download(nowhere, monkeypatch):
    monkeypatch.setattr(
        soundfont.subprocess,
        "run",
        lambda command, **kw: subprocess.CompletedProcess(command, 1, "", "No matching distribution"),
    )
    with pytest.raises(ResourceMissing, match="No matching distribution"):
        soundfont.install(nowhere / "share", quiet=True)
    assert not (nowhere / "share" / soundfont.CHOSEN).exists()


def test_the_module_command_exits_2_when_nothing_is_found(nowhere, capsys):
    assert soundfont.main([]) == 2
    assert "--install" in capsys.readouterr().err
