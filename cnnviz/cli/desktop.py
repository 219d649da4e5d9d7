"""``cnnviz install-desktop-entry``: a desktop-menu entry and an icon for the app, on Linux.

It follows the freedesktop.org specifications: the entry goes to
``$XDG_DATA_HOME/applications/cnnviz.desktop`` and the icon (scalable SVG) to
``$XDG_DATA_HOME/icons/hicolor/scalable/apps/cnnviz.svg``, with ``$XDG_DATA_HOME`` defaulting to
``~/.local/share`` (a relative value is ignored, as the base-directory specification says). The
entry starts the app with the Python that ran the command, so it opens the same installation.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from cnnviz.cli.common import CommandError

APP_ID = "cnnviz"


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path, else ``~/.local/share``."""
    value = os.environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def _quote(argument: str) -> str:
    """One argument of an ``Exec`` line as the desktop-entry specification writes it: in double quotes
    (with ``"`$\\`` escaped) when it holds a reserved character, then with the string escapes every value
    takes (``\\`` for a backslash) and ``%%`` for a percent sign (a field code otherwise)."""
    if not argument or any(char in argument for char in ' \t\n"\'\\><~|&;$*?#()`'):
        argument = '"' + "".join("\\" + char if char in '"`$\\' else char for char in argument) + '"'
    return argument.replace("\\", "\\\\").replace("%", "%%")


def launch_command() -> list[str]:
    """How the entry starts the app: this interpreter's ``cnnviz`` script, else ``python -m cnnviz``."""
    script = Path(sys.executable).with_name("cnnviz")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "cnnviz"]


def desktop_entry(command: list[str]) -> str:
    """The text of ``cnnviz.desktop`` for an app started by ``command``."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        "Name=cnnviz",
        "GenericName=Neural network viewer",
        "Comment=Build, train and look inside small convolutional networks",
        f"Exec={' '.join(_quote(argument) for argument in command)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "Keywords=CNN;neural network;deep learning;Keras;visualization;",
        f"StartupWMClass={APP_ID}",
        "",
    ])


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def install_desktop_entry(home: Path | None = None) -> tuple[Path, Path]:
    """Write the entry and the icon under ``home`` (default: :func:`data_home`); returns their paths."""
    from cnnviz.core.resources import resource_path

    home = home if home is not None else data_home()
    icon_source = resource_path(f"{APP_ID}.svg")
    if not icon_source.is_file():
        raise CommandError(f"The icon {icon_source} is missing; the installation is incomplete. Reinstall cnnviz.")
    entry = home / "applications" / f"{APP_ID}.desktop"
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    try:
        _write(icon, icon_source.read_bytes())
        _write(entry, desktop_entry(launch_command()).encode("utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot write the desktop entry under {home}: {error.strerror or error}. Make that "
                           "folder writable, or set XDG_DATA_HOME to a folder that is.") from None
    return entry, icon


def _command_install_desktop_entry(args: argparse.Namespace) -> int:
    if not sys.platform.startswith("linux") and not args.force:
        raise CommandError("Desktop entries are how Linux desktops list applications; this system "
                           f"({sys.platform}) does not read them. Start the app with the cnnviz command.")
    entry, icon = install_desktop_entry()
    print(f"wrote {entry}")
    print(f"wrote {icon}")
    # The menus see a new entry at once on most desktops; this refreshes the cache of the others.
    if shutil.which("update-desktop-database"):
        import subprocess

        subprocess.run(["update-desktop-database", str(entry.parent)], check=False, capture_output=True)
    return 0


def add_desktop_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    command = commands.add_parser(
        "install-desktop-entry", help="add cnnviz to the desktop's application menu (Linux)",
        description="Write a .desktop entry and an icon under $XDG_DATA_HOME (default ~/.local/share), so "
                    "the app can be started from the desktop's menu.")
    command.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    command.set_defaults(handler=_command_install_desktop_entry)
