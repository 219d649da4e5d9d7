"""Grids of hundreds of maps: a page of cells at a time, stepping pages and going to a filter by number."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import Qt

from cnnviz.core.config import Conv2D, reference_config
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.viewers.grid_pages import PAGE_SIZE
from tests.ui.person import type_value
from tests.ui.settle import settle
from tests.ui.viewers.helpers import click, hover, make_result, shown


def wide_config(filters: int = 512):
    """The reference model with a first convolution of ``filters`` filters."""
    base = reference_config()
    layers = (Conv2D(filters=filters, kernel_size=(3, 3), activation="relu"), *base.layers[1:])
    return dataclasses.replace(base, layers=layers)


def test_a_512_filter_layer_shows_one_page_of_cells_and_pages_through_the_rest(qtbot):
    grid = shown(qtbot, FilterGrid(value_label="activation"), 1000, 700)
    images = np.random.default_rng(3).random((512, 16, 16)).astype(np.float32)
    grid.set_images(images)
    settle(qtbot)
    bar = grid.page_bar()
    assert bar.isVisible()
    assert len(grid.tiles()) == PAGE_SIZE < 512
    assert grid.num_pages() == 8
    assert bar.page_text() == "filters 0–63 of 512 (page 1 of 8)"
    assert not bar.previous_button().isEnabled()
    grid.set_title("Feature maps — conv2d (512 filters)")
    assert grid.title() == "Feature maps — conv2d (512 filters)"
    assert grid.drawn_title() == "Feature maps — conv2d (512 filters) — filters 0–63 of 512"

    qtbot.mouseClick(bar.next_button(), Qt.MouseButton.LeftButton)
    assert grid.page() == 1 and bar.page_text() == "filters 64–127 of 512 (page 2 of 8)"
    assert grid.drawn_title().endswith("— filters 64–127 of 512")
    np.testing.assert_array_equal(grid.tiles()[0].image, images[64])
    # The shared scale spans every map, not only the page's.
    np.testing.assert_allclose(grid.levels()[0], [images.min(), images.max()], rtol=1e-6)

    # Hovering a cell of page 2 reads that map, by its own number.
    settle(qtbot)
    hover(grid.graphics_widget(), grid.pixel_scene_position(70, 3, 4))
    qtbot.waitUntil(lambda: grid.status_text().startswith("filter 70 (row 3, col 4)"), timeout=2000)
    click(grid.graphics_widget(), grid.pixel_scene_position(70, 3, 4))
    assert grid.enlarged_index() == 70
    np.testing.assert_array_equal(grid.enlarged_image(), images[70])


def test_typing_a_filter_number_jumps_to_its_page_and_enlarges_it(qtbot):
    grid = shown(qtbot, FilterGrid(), 1000, 700)
    images = np.random.default_rng(4).random((512, 16, 16)).astype(np.float32)
    grid.set_images(images)
    settle(qtbot)
    type_value(qtbot, grid.page_bar().filter_box(), "317")
    assert grid.page() == 317 // PAGE_SIZE == 4
    assert 317 in grid.page_range()
    assert grid.enlarged_index() == 317
    np.testing.assert_array_equal(grid.enlarged_image(), images[317])
    assert grid.cell_title_text(317).endswith("317")
    assert grid.graphics_widget().cells.selected() == 317 - 4 * PAGE_SIZE   # its cell is framed
    qtbot.mouseClick(grid.page_bar().next_button(), Qt.MouseButton.LeftButton)
    assert grid.graphics_widget().cells.selected() is None                  # not on this page
    assert grid.enlarged_index() == 317                                      # still enlarged
    # The last page holds the remainder; its spare cells are blank and read nothing.
    type_value(qtbot, grid.page_bar().filter_box(), "511")
    assert grid.page() == 7 and grid.page_bar().page_text() == "filters 448–511 of 512 (page 8 of 8)"
    assert not grid.page_bar().next_button().isEnabled()


def test_the_last_page_of_an_uneven_count_leaves_spare_cells_blank(qtbot):
    grid = shown(qtbot, FilterGrid(), 900, 650)
    grid.set_images(np.ones((PAGE_SIZE + 5, 8, 8), np.float32))
    qtbot.mouseClick(grid.page_bar().next_button(), Qt.MouseButton.LeftButton)
    assert list(grid.page_range()) == list(range(PAGE_SIZE, PAGE_SIZE + 5))
    tiles = grid.tiles()
    assert all(tile.image is not None for tile in tiles[:5])
    assert all(tile.image is None for tile in tiles[5:])


def test_few_maps_need_no_pages(qtbot):
    grid = shown(qtbot, FilterGrid(), 900, 650)
    grid.set_images(np.ones((32, 16, 16), np.float32))
    assert not grid.page_bar().isVisible()
    assert len(grid.tiles()) == 32


def test_feature_maps_of_a_512_filter_layer_are_paged_and_searchable(qtbot):
    view = shown(qtbot, FeatureMapsView(), 1100, 750)
    result = make_result(wide_config())
    view.show_inspection(result)
    settle(qtbot)
    grid = view.grid()
    assert grid.images().shape == (512, 26, 26)
    assert len(grid.tiles()) == PAGE_SIZE
    type_value(qtbot, grid.page_bar().filter_box(), "300")
    assert grid.enlarged_index() == 300
    np.testing.assert_array_equal(grid.enlarged_image(), result.feature_maps["conv2d"][0, :, :, 300])


def test_an_exported_grid_holds_the_whole_layer_on_one_page(qtbot):
    grid = shown(qtbot, FilterGrid(page_size=None), 900, 650)
    grid.set_images(np.ones((512, 4, 4), np.float32))
    grid.set_title("Kernels")
    assert len(grid.tiles()) == 512 and grid.num_pages() == 1
    assert not grid.page_bar().isVisible() and grid.drawn_title() == "Kernels"


def test_leaving_the_filter_box_jumps_nowhere_and_go_jumps(qtbot):
    grid = shown(qtbot, FilterGrid(), 1000, 700)
    grid.set_images(np.zeros((200, 8, 8), np.float32))
    box = grid.page_bar().filter_box()
    type_value(qtbot, box, "150", finish="tab")        # typed, then the person tabs away
    assert grid.page() == 0 and grid.enlarged_index() is None
    qtbot.mouseClick(grid.page_bar().go_button(), Qt.MouseButton.LeftButton)
    assert grid.page() == 2 and grid.enlarged_index() == 150
