"""cnnviz.imaging: Qt's bounded picture reader, without widgets, as the decoder of image folders."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cnnviz.imaging
from cnnviz.imaging import decode_picture
from cnnviz.imaging.reading import ImageFileError, read_image_file
from tests.core.datasets.image_folders import save_picture

PACKAGE = Path(cnnviz.imaging.__file__).parent


def test_imaging_uses_only_qt_core_and_gui_never_widgets():
    used = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("PySide6"):
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(alias.name for alias in node.names if alias.name.startswith("PySide6"))
    assert used and used <= {"PySide6.QtCore", "PySide6.QtGui"}, used


def test_importing_imaging_and_installing_the_decoder_loads_no_qt():
    code = ("import sys, cnnviz.imaging\ncnnviz.imaging.install_image_decoder()\n"
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_large_picture_is_shrunk_to_fit_while_decoding_and_a_small_one_is_left(tmp_path):
    pixels = np.zeros((300, 600, 3), np.uint8)
    pixels[:, :300] = (255, 0, 0)
    path = save_picture(tmp_path / "wide.png", pixels)
    decoded = decode_picture(path, (64, 64))
    assert decoded.shape == (32, 64, 3)
    assert decoded[16, 10].tolist() == [255, 0, 0] and decoded[16, 50].tolist() == [0, 0, 0]
    small = decode_picture(save_picture(tmp_path / "small.bmp", pixels[:10, :20], "BMP"), (64, 64))
    assert small.shape == (10, 20, 3)
    grey = decode_picture(save_picture(tmp_path / "grey.png", np.full((8, 8), 77, np.uint8)), (64, 64))
    assert grey.shape == (8, 8) and (grey == 77).all()


def test_an_unreadable_file_gives_a_short_reason_to_the_folder_reader_and_a_full_one_to_a_person(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"^Unsupported image format \(not a picture Qt reads, or damaged\)$"):
        decode_picture(text, (32, 32))
    with pytest.raises(ImageFileError, match=r"Could not open notes.txt: Unsupported image format\. Expected .*PNG"):
        read_image_file(text)
