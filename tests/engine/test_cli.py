"""`himig generate`: the command other issues and our own checks call."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
import soundfile as sf

from himig.engine import cli, pipeline
from himig.engine.errors import RenderFailed

REQUIRED_METADATA = {
    "genre", "mood", "tempo_bpm", "key", "instruments", "drums", "sections", "duration_s",
    "loudness_lufs", "true_peak_dbtp", "seed", "engine", "timings_ms", "delivered",
}


def run(*args: str) -> int:
    return cli.main(["generate", *args])


def test_it_writes_the_track_midi_and_stems_and_prints_metadata(tmp_path, capsys):
    out = tmp_path / "calm.wav"
    code = run("calm piano for studying", "--duration", "15", "--seed", "7", "-o", str(out),
               "--midi", str(tmp_path / "calm.mid"), "--stems", str(tmp_path / "stems.zip"), "--json")
    assert code == 0
    metadata = json.loads(capsys.readouterr().out)
    assert REQUIRED_METADATA <= set(metadata)
    assert metadata["seed"] == 7 and metadata["duration_s"] == 15.0
    assert abs(metadata["loudness_lufs"] + 14) <= 1 and metadata["true_peak_dbtp"] <= -1
    info = sf.info(out)
    assert info.frames == 15 * 44100 and info.samplerate == 44100 and info.channels == 2
    assert (tmp_path / "calm.mid").read_bytes()[:4] == b"MThd"
    with zipfile.ZipFile(tmp_path / "stems.zip") as stems:
        assert stems.namelist() and all(name.endswith(".wav") for name in stems.namelist())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calm.mid", "calm.wav", "stems.zip"]


def test_the_format_comes_from_the_extension_or_the_flag(tmp_path, capsys):
    assert run("lofi hip hop beat", "--duration", "15", "--seed", "1", "-o", str(tmp_path / "a.flac")) == 0
    assert sf.info(tmp_path / "a.flac").format == "FLAC"
    assert run("lofi hip hop beat", "--duration", "15", "--seed", "1", "--format", "ogg", "-o", str(tmp_path / "b.audio")) == 0
    assert sf.info(tmp_path / "b.audio").format == "OGG"
    assert "Wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "5"], "Duration must be between 15 and 120"),
        (["--duration", "20", "--genre", "polka"], "Unknown genre"),
        (["--duration", "20", "--tempo", "500"], "Tempo"),
        (["--duration", "20", "--key", "H lydian"], ""),
    ],
)
def test_refused_requests_exit_2_with_a_message_and_no_files(tmp_path, capsys, args, message):
    assert run("anything", *args, "-o", str(tmp_path / "a.mp3")) == 2
    err = capsys.readouterr().err
    assert err.startswith("himig: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_extension_without_format_is_refused(tmp_path, capsys):
    assert run("anything", "--duration", "20", "-o", str(tmp_path / "a.aiff")) == 2
    assert "--format" in capsys.readouterr().err


def test_a_missing_output_folder_is_refused(tmp_path, capsys):
    assert run("anything", "--duration", "20", "-o", str(tmp_path / "no" / "such" / "a.wav")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_an_engine_failure_exits_2_and_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    def broken(self, request, out_dir, **kwargs):
        (out_dir / "track.wav").write_bytes(b"half")
        raise RenderFailed("the synthesizer caught fire")

    monkeypatch.setattr(pipeline.Engine, "generate", broken)
    assert run("anything", "--duration", "20", "-o", str(tmp_path / "a.wav"), "--stems", str(tmp_path / "s.zip")) == 2
    assert "caught fire" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_console_command_exits_2_on_bad_input(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "himig.engine.cli", "generate", "x", "--duration", "121", "-o", str(tmp_path / "a.mp3")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "Duration" in done.stderr and done.stdout == ""
    missing = subprocess.run([sys.executable, "-m", "himig.engine.cli", "generate", "x"], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "--duration" in missing.stderr
