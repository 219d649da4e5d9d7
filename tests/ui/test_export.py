"""Figure export: one view to PNG, SVG or PDF, and every layer of an inspection at once."""

from __future__ import annotations

import numpy as np
import pytest

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
