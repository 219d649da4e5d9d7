"""The spectra viewer: the spectra the inspection carries, of kernels (padded) and feature maps."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtTest import QTest

from cnnviz.core.config import deep_config, reference_config
from cnnviz.core.layer_spectra import InspectionSpectra, SpectrumStack, kernel_spectra
from cnnviz.core.results import frozen
from cnnviz.core.spectra import magnitude_spectrum
from cnnviz.ui.viewers.spectra import SpectraView
from tests.ui.person import type_value
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, choose_with_keys, hover, make_result, shown


def test_spectra_of_kernels_are_padded_and_match_the_core_function(qtbot):
    view = shown(qtbot, SpectraView())
    result = make_result(reference_config())
    view.show_inspection(result)
    view.set_source("kernels")
    assert view.padding() == 32
    expected = np.moveaxis(magnitude_spectrum(result.kernels["conv2d"][:, :, 0, :], size=32), -1, 0)
    assert view.spectra().shape == (28, 32, 32)
    np.testing.assert_allclose(view.grid().images(), expected, rtol=1e-6)
    assert "padded to 32×32" in view.title()
    grid = view.grid()
    settle(qtbot)  # the cells are laid out again for the new maps
    # The status line gives a pixel's frequencies too: zero frequency at the centre.
    for (row, col), frequencies in (((16, 16), "at fx = 0, fy = 0"), ((0, 24), "at fx = 0.25, fy = -0.5")):
        with qtbot.waitSignal(grid.sig_cell_hovered, timeout=TIMEOUT):
            hover(grid.graphics_widget(), grid.pixel_scene_position(0, row, col))
        assert grid.status_text().startswith(f"filter 0 (row {row}, col {col}): ")
        assert grid.status_text().endswith(frequencies)
    view.set_padding(64)
    assert view.grid().images().shape == (28, 64, 64)
    view.set_padding(1)
    assert view.padding() == 3   # never below the kernel size


def test_spectra_of_feature_maps(qtbot):
    view = SpectraView()
    qtbot.addWidget(view)
    result = make_result(deep_config())
    view.show_inspection(result)
    assert view.source() == "feature maps"
    assert not view.padding_spin().isEnabled()
    view.set_current_layer("conv2d_1")
    expected = np.moveaxis(magnitude_spectrum(result.feature_maps["conv2d_1"][0]), -1, 0)
    np.testing.assert_allclose(view.grid().images(), expected, rtol=1e-6)
    assert not view.grid().shared_scale()   # per-map scaling by default
    view.set_source("kernels")
    assert view.padding_spin().isEnabled()
    view.set_current_layer("conv2d_1")
    view.set_input_channel(6)
    expected = np.moveaxis(magnitude_spectrum(result.kernels["conv2d_1"][:, :, 6, :], size=32), -1, 0)
    np.testing.assert_allclose(view.grid().images(), expected, rtol=1e-6)


def test_spectra_are_the_inspections_own_whatever_the_padding_typed(qtbot):
    """The view draws the spectra the inspection carries (here, marked ones it could not have computed),
    and a padding typed in is taken from the same inspection."""
    result = make_result(reference_config())
    marked = SpectrumStack(frozen(np.full((28, 26, 26), 7.0, np.float32)), (-1.0, 1.0, -1.0, 1.0))
    spectra = InspectionSpectra({**result.spectra.feature_maps, "conv2d": marked}, result.spectra.kernels)
    view = SpectraView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.show_inspection(dataclasses.replace(result, spectra=spectra))
    view.set_current_layer("conv2d")
    assert (view.grid().images() == 7.0).all()
    choose_with_keys(qtbot, view.source_combo(), "kernels")
    type_value(qtbot, view.padding_spin(), "48")
    assert view.padding() == 48 and view.grid().images().shape == (28, 48, 48)
    np.testing.assert_array_equal(view.grid().images(), kernel_spectra(result.kernels["conv2d"], 0, 48).spectra)
    assert spectra.kernel_spectra("conv2d", 0, 48).spectra is view.spectra()
    view.show_inspection(dataclasses.replace(result, spectra=None))
    assert "without spectra" in view.hint_text()


def _tick_label_rects(axis):
    """Where ``axis`` writes its tick labels, as it would paint them now."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _, text in texts if text]


def test_an_enlarged_spectrum_has_few_ticks_that_never_overlap(qtbot):
    view = shown(qtbot, SpectraView(), 672, 420)   # about the Spectra tab in a 1366 × 768 window
    view.show_inspection(make_result(reference_config()))
    settle(qtbot)
    grid = view.grid()
    graphics = grid.graphics_widget()
    point = graphics.mapFromScene(grid.pixel_scene_position(0, 3, 3))
    QTest.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(point.x(), point.y()))
    assert grid.enlarged_index() == 0
    settle(qtbot)
    plot = grid.enlarged_map()._plot
    for side in ("bottom", "left"):
        axis = plot.getAxis(side)
        rects = sorted(_tick_label_rects(axis), key=(lambda rect: rect.left()) if side == "bottom"
                       else (lambda rect: rect.top()))
        assert 2 <= len(rects) <= 3
        for first, second in zip(rects, rects[1:]):
            assert not first.adjusted(-2, -2, 2, 2).intersects(second)
