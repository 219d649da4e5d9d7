"""The filter grid: one image per map, their colour ranges and bar, hover read-out, click to enlarge."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from cnnviz.ui.viewers.colour_bars import colorbar_tick_labels, nice_ticks
from cnnviz.ui.viewers.colour_maps import get_colormap, is_diverging
from cnnviz.ui.viewers.figure_text import format_value
from cnnviz.ui.viewers.filter_grid import FilterGrid
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, click, hover, shown


def test_grid_shows_one_image_per_map(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    images = np.random.default_rng(0).normal(size=(5, 6, 7)).astype(np.float32)
    grid.set_images(images)
    items = grid.tiles()
    assert len(items) == 5
    for item, image in zip(items, images):
        np.testing.assert_array_equal(item.image, image)
    assert grid.titles() == [f"filter {index}" for index in range(5)]
    np.testing.assert_array_equal(grid.images(), images)
    assert grid.value_at(3, 2, 4) == pytest.approx(float(images[3, 2, 4]))


def test_shared_and_per_map_levels(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    images = np.stack([np.linspace(0, 1, 12).reshape(3, 4), np.linspace(-2, 5, 12).reshape(3, 4)])
    grid.set_images(images, shared_scale=True)
    for tile in grid.tiles():
        np.testing.assert_allclose(tile.levels, [-2, 5])
    grid.set_images(images, shared_scale=False)
    np.testing.assert_allclose(grid.tiles()[0].levels, [0, 1])
    np.testing.assert_allclose(grid.tiles()[1].levels, [-2, 5])


def test_symmetric_levels_are_plus_minus_max_abs(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    images = np.zeros((3, 4, 4))
    images[0, 0, 0], images[1, 1, 1], images[1, 2, 2] = 0.5, -3.0, 2.0   # map 2 is all zero
    grid.set_images(images, symmetric=True, shared_scale=True, colormap="CET-D1")
    for tile in grid.tiles():
        np.testing.assert_allclose(tile.levels, [-3, 3])
    grid.set_images(images, symmetric=True, shared_scale=False, colormap="CET-D1")
    np.testing.assert_allclose(grid.levels(), [[-0.5, 0.5], [-3, 3], [-1, 1]])


def test_one_image_item_draws_every_map_and_is_reused(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    rng = np.random.default_rng(1)
    grid.set_images(rng.random((4, 5, 5)))
    atlas = grid.atlas_item()
    items_before = len(grid.graphics_widget().scene().items())
    second_images = rng.random((4, 5, 5)).astype(np.float32)
    grid.set_images(second_images)
    assert grid.atlas_item() is atlas
    assert len(grid.graphics_widget().scene().items()) == items_before   # nothing added for new data
    np.testing.assert_array_equal(grid.tiles()[2].image, second_images[2])
    grid.set_images(rng.random((6, 5, 5)))
    assert len(grid.tiles()) == 6 and grid.atlas_item() is atlas


def test_hover_reports_the_pixel_under_the_mouse(qtbot):
    grid = shown(qtbot, FilterGrid())
    images = np.random.default_rng(2).normal(size=(8, 10, 12)).astype(np.float32)
    grid.set_images(images, titles=[f"map {index}" for index in range(8)])
    settle(qtbot)
    for index, row, col in [(5, 3, 7), (0, 0, 0), (7, 9, 11), (2, 6, 1)]:
        position = grid.pixel_scene_position(index, row, col)
        assert grid.cell_at(position) == (index, row, col)
        with qtbot.waitSignal(grid.sig_cell_hovered, timeout=TIMEOUT) as blocker:
            hover(grid.graphics_widget(), position)
        assert blocker.args[:3] == [index, row, col]
        assert blocker.args[3] == pytest.approx(float(images[index, row, col]))
        assert grid.status_text() == f"map {index} (row {row}, col {col}): {images[index, row, col]:.4f}"


def test_clicking_a_cell_enlarges_that_map(qtbot):
    grid = shown(qtbot, FilterGrid())
    images = np.random.default_rng(3).random((6, 8, 8)).astype(np.float32)
    grid.set_images(images)
    settle(qtbot)
    assert grid.enlarged_index() is None
    view = grid.graphics_widget()
    point = view.mapFromScene(grid.pixel_scene_position(4, 4, 4))
    with qtbot.waitSignal(grid.sig_cell_clicked, timeout=TIMEOUT) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(point.x(), point.y()))
    assert blocker.args == [4]
    assert grid.enlarged_index() == 4
    np.testing.assert_array_equal(grid.enlarged_image(), images[4])
    new_images = images[::-1].copy()
    grid.set_images(new_images)
    np.testing.assert_array_equal(grid.enlarged_image(), new_images[4])
    grid.enlarge(None)
    assert grid.enlarged_index() is None


def test_the_enlarged_map_reads_the_value_under_the_mouse_and_closes_with_its_button(qtbot):
    grid = shown(qtbot, FilterGrid(value_label="activation"))
    images = np.random.default_rng(5).random((4, 9, 7)).astype(np.float32)
    grid.set_images(images, titles=[f"map {index}" for index in range(4)])
    settle(qtbot)
    click(grid.graphics_widget(), grid.pixel_scene_position(2, 1, 1))
    panel = grid.enlarged_map()
    assert grid.enlarged_index() == 2 and panel.isVisible()
    assert panel.header_text().startswith("map 2 (9×7): min ")
    settle(qtbot)   # the panel lays its plot out at its size
    with qtbot.waitSignal(grid.sig_cell_hovered, timeout=TIMEOUT) as blocker:
        hover(panel.graphics_widget(), panel.pixel_scene_position(8, 6))
    assert blocker.args[:3] == [2, 8, 6]
    assert grid.status_text() == f"map 2 (row 8, col 6): {format_value(float(images[2, 8, 6]))}"
    grid.set_images(images * 2, titles=grid.titles())   # new data while the mouse rests there: its value
    assert grid.status_text() == f"map 2 (row 8, col 6): {format_value(float(images[2, 8, 6] * 2))}"
    qtbot.mouseClick(panel.findChild(QToolButton), Qt.MouseButton.LeftButton)
    assert grid.enlarged_index() is None and not panel.isVisible()


def test_grid_rejects_wrong_input(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    with pytest.raises(ValueError, match="shape"):
        grid.set_images(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="titles"):
        grid.set_images(np.zeros((2, 4, 4)), titles=["only one"])
    with pytest.raises(ValueError, match="colour map"):
        grid.set_images(np.zeros((2, 4, 4)), colormap="no-such-map")
    with pytest.raises(ValueError):
        grid.enlarge(0)


def test_colormaps_and_marks(qtbot):
    grid = FilterGrid()
    qtbot.addWidget(grid)
    grid.set_images(np.random.default_rng(4).random((3, 4, 4)), marked={1})
    assert grid.marked() == {1}
    grid.set_colormap("gray")
    assert grid.colormap() == "gray"
    gray_pixels = grid.drawn_tile(0).copy()
    assert np.all(gray_pixels[..., 0] == gray_pixels[..., 1])   # grey: red equals green
    grid.set_colormap("inferno")
    assert not np.array_equal(grid.drawn_tile(0), gray_pixels)
    assert is_diverging("CET-D1") and not is_diverging("viridis")
    assert get_colormap("gray").map(np.array([0.0, 1.0]), mode="byte")[:, :3].tolist() == [[0, 0, 0],
                                                                                          [255, 255, 255]]


def test_grid_fills_a_wide_area_with_more_columns(qtbot):
    grid = shown(qtbot, FilterGrid(), 1200, 400)
    grid.set_images(np.zeros((16, 10, 10)))
    settle(qtbot)
    wide = grid.num_columns()
    grid.resize(400, 1200)
    settle(qtbot)
    assert wide > grid.num_columns()


def test_small_gradients_get_readable_colour_bar_ticks(qtbot):
    assert len(nice_ticks(-4.1e-4, 4.1e-4)) >= 3
    grid = FilterGrid(value_label="gradient")
    qtbot.addWidget(grid)
    maps = np.linspace(-4.1e-4, 4.1e-4, 3 * 26 * 26, dtype=np.float32).reshape(3, 26, 26)
    grid.set_images(maps, colormap="CET-D1", symmetric=True, shared_scale=True)
    labels = colorbar_tick_labels(grid.colorbar())
    assert labels == ["-4.1e-4", "-2e-4", "0", "2e-4", "4.1e-4"]


def test_every_grid_colour_bar_labels_its_ends_and_zero_for_tiny_ranges(qtbot):
    grid = FilterGrid(value_label="gradient")
    qtbot.addWidget(grid)
    maps = np.linspace(-3.7e-7, 3.1e-7, 2 * 9 * 11, dtype=np.float32).reshape(2, 9, 11)
    grid.set_images(maps, colormap="viridis", symmetric=False, shared_scale=True)
    labels = colorbar_tick_labels(grid.colorbar())
    assert labels[0] == "-3.7e-7" and labels[-1] == "3.1e-7" and "0" in labels
    grid.set_images(maps + np.float32(0.5), colormap="viridis", shared_scale=True)   # no zero inside
    labels = colorbar_tick_labels(grid.colorbar())
    assert len(labels) == len(set(labels)) >= 2   # distinct despite a range of 7e-7 around 0.5
