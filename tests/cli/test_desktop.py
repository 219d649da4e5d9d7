"""``cnnviz install-desktop-entry`` writes a freedesktop entry and its icon under $XDG_DATA_HOME."""

import configparser
import shlex
import sys
from pathlib import Path

import pytest

from cnnviz.cli import main
from cnnviz.cli.desktop import _quote, desktop_entry
from cnnviz.core.resources import resource_path


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are a Linux feature")
def test_the_entry_and_icon_go_under_xdg_data_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert main(["install-desktop-entry"]) == 0
    entry_path = tmp_path / "data" / "applications" / "cnnviz.desktop"
    icon_path = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "cnnviz.svg"
    assert str(entry_path) in capsys.readouterr().out
    entry = read_entry(entry_path)
    assert entry["Type"] == "Application" and entry["Name"] == "cnnviz" and entry["Terminal"] == "false"
    assert entry["Icon"] == icon_path.stem
    assert icon_path.read_bytes() == resource_path("cnnviz.svg").read_bytes()
    # The command starts this installation: its first word is this interpreter's script or itself.
    program = Path(shlex.split(entry["Exec"])[0])
    assert program.is_file() and program.parent == Path(sys.executable).parent
    assert not (tmp_path / "home" / ".local").exists()
    assert not list(entry_path.parent.glob("*.tmp"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are a Linux feature")
@pytest.mark.parametrize("xdg_data_home", [None, "relative/folder"])
def test_without_an_absolute_xdg_data_home_it_uses_local_share(xdg_data_home, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if xdg_data_home is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg_data_home)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert main(["install-desktop-entry"]) == 0
    assert (tmp_path / "home" / ".local" / "share" / "applications" / "cnnviz.desktop").is_file()
    assert not (tmp_path / "relative").exists()


def test_an_unwritable_folder_is_reported_in_words(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["install-desktop-entry"]) == 2
    message = capsys.readouterr().err
    assert "Cannot write the desktop entry" in message and "XDG_DATA_HOME" in message


def test_other_systems_are_told_what_to_do_instead(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "win32")
    assert main(["install-desktop-entry"]) == 2
    assert "cnnviz command" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argument", ["/usr/bin/python3", "/home/a user/bin/python", "50%", 'a"b\\d'])
def test_exec_arguments_read_back_as_written(argument):
    # The desktop entry's string escapes first (\\ for a backslash, %% for a percent sign), then the
    # shell-like quoting of the Exec key.
    line = desktop_entry([argument, "-m", "cnnviz"])
    exec_value = next(item for item in line.splitlines() if item.startswith("Exec="))[len("Exec="):]
    unescaped = exec_value.replace("%%", "%").replace("\\\\", "\\")
    assert shlex.split(unescaped) == [argument, "-m", "cnnviz"]
    assert _quote("plain") == "plain"


def test_version_is_the_package_version(capsys):
    import cnnviz

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"cnnviz {cnnviz.__version__}"
