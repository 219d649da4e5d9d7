"""Figure export: one view to PNG, SVG or PDF, and every layer of an inspection at once."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from cnnviz.core.config import reference_config
from cnnviz.ui.export import export_all, render_widget
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from tests.ui.viewers.helpers import choose_with_keys, colour_config, make_result, shown


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_export_figure_of_a_dense_layer(qtbot, tmp_path, fmt):
    view = shown(qtbot, FeatureMapsView(), 1000, 650)
    view.show_inspection(make_result(reference_config()))
    choose_with_keys(qtbot, view.layer_box(), "dense")
    path = render_widget(view.export_widget(), tmp_path / f"dense.{fmt}", title=view.title())
    assert view.export_widget() is view.units().graphics_widget()
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith({"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF-"}[fmt])


def test_export_all_writes_the_dense_layers_and_names_the_target_in_words(qtbot, tmp_path):
    result = make_result(colour_config(), target="class:4")
    index = export_all(result, tmp_path / "export", class_names=["a", "b", "c", "d", "e"])
    names = {path.name for path in (tmp_path / "export").iterdir()}
    for layer in ("flatten", "dense", "dropout_1", "dense_1", "conv2d"):
        assert f"feature-maps_{layer}.png" in names
    with np.load(tmp_path / "export" / "arrays.npz", allow_pickle=False) as arrays:
        np.testing.assert_array_equal(arrays["feature-maps_dense"], result.feature_maps["dense"][0])
        assert arrays["input"].shape == (3, 20, 24)
    page = index.read_text()
    assert "class:" not in page
    assert "score of class e" in page
    assert "20×24×3" in page


def _windows_on_screen() -> set[int]:
    """The top-level widgets a person could see: shown, and mapped to a window on the screen."""
    return {id(widget) for widget in QApplication.topLevelWidgets()
            if widget.isVisible() and not widget.testAttribute(Qt.WA_DontShowOnScreen)}


def test_export_all_never_puts_a_window_on_the_screen(qtbot, tmp_path):
    view = shown(qtbot, FeatureMapsView(), 800, 600)
    before = _windows_on_screen()
    appeared = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: appeared.extend(_windows_on_screen() - before))
    timer.start()
    try:
        export_all(make_result(reference_config()), tmp_path / "export")
    finally:
        timer.stop()
    assert view.isVisible()
    assert (tmp_path / "export" / "feature-maps_conv2d.png").is_file()
    assert appeared == []
    assert _windows_on_screen() == before
