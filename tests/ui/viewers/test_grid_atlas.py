"""The filter grid's atlas: a page of maps drawn as one image, one colour lookup for all maps."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QGraphicsRectItem

from cnnviz.ui.viewers.atlas_image import LUT_SIZE, atlas_geometry, colour_tiles, fill_atlas
from cnnviz.ui.viewers.colour_maps import get_colormap
from cnnviz.ui.viewers.filter_grid import FilterGrid
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, hover, shown


def test_every_atlas_pixel_maps_back_to_its_tile_and_pixel():
    geometry = atlas_geometry(7, (3, 5), num_columns=3, scale=9.0, gap=4, title_height=15)
    assert geometry.factor == 2 and geometry.num_rows == 3
    height, width = geometry.size
    seen = set()
    for y in range(height):
        for x in range(width):
            hit = geometry.pixel_at(x + 0.5, y + 0.5)
            if hit is not None:
                index, row, col = hit
                left, top = geometry.origin(index)
                assert (row, col) == ((y - top) // 2, (x - left) // 2)
                seen.add(hit)
    assert seen == {(index, row, col) for index in range(7) for row in range(3) for col in range(5)}


def test_the_atlas_holds_each_map_looked_up_through_its_own_range():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(5, 4, 6)).astype(np.float32)
    levels = np.stack([images.min(axis=(1, 2)), images.max(axis=(1, 2))], axis=1)
    lut = get_colormap("viridis").getLookupTable(nPts=LUT_SIZE, alpha=True)
    tiles = colour_tiles(images, levels, lut)
    for image, (low, high), tile in zip(images, levels, tiles):
        expected = lut[np.clip(((image - low) / (high - low) * LUT_SIZE).astype(int), 0, LUT_SIZE - 1)]
        np.testing.assert_array_equal(tile, expected)
    geometry = atlas_geometry(5, (4, 6), num_columns=2, scale=3.0, gap=4, title_height=15)
    atlas = fill_atlas(None, tiles, geometry)
    for index in range(5):
        left, top = geometry.origin(index)
        np.testing.assert_array_equal(atlas[top:top + 4, left:left + 6], tiles[index])
    assert atlas[..., 3].sum() == 5 * 4 * 6 * 255          # gaps and the spare cell are transparent


def test_maps_in_any_memory_layout_are_looked_up_alike():
    # The viewers pass (h, w, n) activations with the filter axis moved first: a strided view.
    rng = np.random.default_rng(1)
    activations = rng.normal(size=(4, 6, 5)).astype(np.float32)
    maps = np.moveaxis(activations, -1, 0)
    assert not maps.flags.c_contiguous
    levels = np.stack([maps.min(axis=(1, 2)), maps.max(axis=(1, 2))], axis=1)
    lut = get_colormap("viridis").getLookupTable(nPts=LUT_SIZE, alpha=True)
    np.testing.assert_array_equal(colour_tiles(maps, levels, lut),
                                  colour_tiles(np.ascontiguousarray(maps), levels, lut))
    patches = np.moveaxis(rng.random((3, 3, 3, 4)).astype(np.float32), -1, 0)   # RGB patches, strided
    np.testing.assert_array_equal(colour_tiles(patches, np.array([[0.0, 1.0]] * 4), None),
                                  colour_tiles(np.ascontiguousarray(patches), np.array([[0.0, 1.0]] * 4), None))


def test_non_finite_values_are_drawn_at_the_ends_of_the_range():
    images = np.array([[[np.nan, np.inf, -np.inf, 0.5]]], np.float32)
    lut = np.repeat(np.arange(LUT_SIZE, dtype=np.uint8)[:, None], 4, axis=1)   # entry i is (i, i, i, i)
    tiles = colour_tiles(images, np.array([[0.0, 1.0]]), lut)
    assert tiles[0, 0, :, 0].tolist() == [0, LUT_SIZE - 1, 0, LUT_SIZE // 2]


def test_a_grid_draws_its_page_in_one_image_item_that_hover_reads(qtbot):
    grid = shown(qtbot, FilterGrid(), 900, 600)
    images = np.random.default_rng(2).random((12, 9, 11)).astype(np.float32)
    grid.set_images(images, shared_scale=False)
    settle(qtbot)
    from pyqtgraph import ImageItem

    image_items = [item for item in grid.graphics_widget().scene().items() if isinstance(item, ImageItem)]
    # The atlas, the colour bar's gradient (and the reference image's item, empty while hidden).
    assert grid.atlas_item() in image_items and len(image_items) <= 3
    lut = get_colormap("viridis").getLookupTable(nPts=LUT_SIZE, alpha=True)
    low, high = grid.levels()[4]
    expected = lut[np.clip(((images[4] - low) / (high - low) * LUT_SIZE).astype(int), 0, LUT_SIZE - 1)]
    np.testing.assert_array_equal(grid.drawn_tile(4), expected)
    position = grid.pixel_scene_position(10, 8, 3)
    with qtbot.waitSignal(grid.sig_cell_hovered, timeout=TIMEOUT) as blocker:
        hover(grid.graphics_widget(), position)
    assert blocker.args[:3] == [10, 8, 3]
    assert blocker.args[3] == pytest.approx(float(images[10, 8, 3]))


def test_an_overlay_outlines_pixels_of_a_tile(qtbot):
    grid = shown(qtbot, FilterGrid(), 900, 600)
    grid.set_images(np.zeros((6, 10, 10), np.float32))
    settle(qtbot)
    cells = grid.graphics_widget().cells
    outline = QGraphicsRectItem(cells.tile_rect(3, (2, 4, 3, 3)))
    cells.add_overlay(outline)
    scene_rect = cells.tile_scene_rect(3, (2, 4, 3, 3))
    assert grid.cell_at(scene_rect.center()) == (3, 3, 5)
    assert outline.scene() is grid.graphics_widget().scene()


def test_an_outline_marks_the_same_pixels_on_every_map_and_follows_a_resize(qtbot):
    grid = shown(qtbot, FilterGrid(), 900, 600)
    grid.set_images(np.zeros((5, 10, 10), np.float32))
    settle(qtbot)
    cells = grid.graphics_widget().cells
    cells.set_outline((2, 4, 3, 6))  # rows 2..4, columns 3..6
    assert cells.outline_count() == 5
    grid.resize(500, 700)
    settle(qtbot)
    for index in range(5):
        corner = cells.tile_scene_rect(index, (2, 3, 1, 1)).center()
        assert grid.cell_at(corner) == (index, 2, 3)
        item = next(item for item in grid.graphics_widget().scene().items()
                    if isinstance(item, QGraphicsRectItem) and item.zValue() == 10
                    and item.rect() == cells.tile_rect(index, (2, 3, 3, 4)))
        assert item.scene() is grid.graphics_widget().scene()
    cells.set_outline(None)
    assert cells.outline_count() == 0


def test_every_tile_is_titled_in_text_drawn_just_above_it(qtbot):
    grid = shown(qtbot, FilterGrid(), 900, 600)
    grid.set_images(np.zeros((12, 9, 11), np.float32), [f"map {index}" for index in range(12)])
    settle(qtbot)
    view = grid.graphics_widget()
    picture = view.grab().toImage()
    ratio = picture.devicePixelRatio()

    def dark_pixels_above(index: int) -> int:
        tile = view.mapFromScene(view.cells.tile_scene_rect(index)).boundingRect()
        count = 0
        for y in range(tile.top() - 14, tile.top() - 1):
            for x in range(tile.left() + 1, tile.left() + 30):
                colour = picture.pixelColor(int(x * ratio), int(y * ratio))
                count += colour.lightness() < 128
        return count

    assert all(dark_pixels_above(index) > 10 for index in (0, 5, 11)), "a title above every tile"
    assert [view.cells.title_text(index) for index in (0, 11)] == ["map 0", "map 11"]
