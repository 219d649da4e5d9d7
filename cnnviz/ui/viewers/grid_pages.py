"""Pages of a filter grid: a layer with hundreds of maps is shown a page of cells at a time.

Drawing every cell of a 512-filter layer at once makes the cells too small to read and the
figure slow to build and lay out; :class:`PageBar` shows which filters are on screen, steps
between pages and jumps to a filter by number ("go to filter 317"), and :func:`page_of`
says which page a filter is on. The bar is hidden while every map fits on one page.
:class:`PagedMaps` gives a grid its pages: which maps the cells show, and the page API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

if TYPE_CHECKING:
    from cnnviz.ui.viewers.grid_atlas import AtlasGrid

PAGE_SIZE = 64
"""Cells per page: a page of small maps still reads at a laptop's size (8 × 8 cells)."""


def num_pages(num_images: int, page_size: int = PAGE_SIZE) -> int:
    """How many pages ``num_images`` maps take (at least one)."""
    return max(1, -(-num_images // page_size))


def page_of(index: int, page_size: int = PAGE_SIZE) -> int:
    """The page that map ``index`` is on."""
    return index // page_size


class PageBar(QWidget):
    """*◀ Previous*, "filters 64–127 of 512 (page 2 of 8)", *Next ▶*, and *Go to filter* [n].

    It only shows and asks; the grid owns the page and answers :attr:`sig_page_requested` and
    :attr:`sig_filter_requested`.
    """

    sig_page_requested = Signal(int)
    """The user asked for page ``n`` (from 0)."""
    sig_filter_requested = Signal(int)
    """The user asked to see map ``index`` (typed into the filter box and confirmed)."""

    def __init__(self, parent: QWidget | None = None, noun: str = "filters"):
        super().__init__(parent)
        self._noun = noun
        self._page, self._num_pages, self._num_images = 0, 1, 0
        self._previous = QPushButton("◀ Previous")
        self._previous.setToolTip("Show the previous page of maps.")
        self._previous.clicked.connect(self._on_previous)
        self._next = QPushButton("Next ▶")
        self._next.setToolTip("Show the next page of maps.")
        self._next.clicked.connect(self._on_next)
        self._label = QLabel()
        self._label.setToolTip("This layer has more maps than fit on one page: a page of them is shown at a time.")
        self._filter_box = QSpinBox()
        # Typing "317" must not jump to 3 and then 31: the jump waits for Enter or the Go button.
        self._filter_box.setKeyboardTracking(False)
        self._filter_box.setToolTip("Type a map's number and press Enter to show its page and enlarge it.")
        self._filter_box.editingFinished.connect(self._on_filter_typed)
        self._go = QPushButton("Go")
        self._go.setToolTip(self._filter_box.toolTip())
        self._go.clicked.connect(self._on_go)
        go_label = QLabel("Go to filter:")
        go_label.setBuddy(self._filter_box)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._previous)
        layout.addWidget(self._label)
        layout.addWidget(self._next)
        layout.addStretch(1)
        layout.addWidget(go_label)
        layout.addWidget(self._filter_box)
        layout.addWidget(self._go)

    def show_page(self, page: int, num_images: int, page_size: int = PAGE_SIZE) -> None:
        """Say that page ``page`` of the pages holding ``num_images`` maps is shown."""
        self._page, self._num_images = page, num_images
        self._num_pages = num_pages(num_images, page_size)
        first = page * page_size
        last = min(first + page_size, num_images) - 1
        self._label.setText(f"{self._noun} {first}–{last} of {num_images} (page {page + 1} of {self._num_pages})")
        self._label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._previous.setEnabled(page > 0)
        self._next.setEnabled(page + 1 < self._num_pages)
        self._filter_box.setRange(0, max(num_images - 1, 0))
        self.setVisible(self._num_pages > 1)

    def page_text(self) -> str:
        """The text between the buttons, e.g. ``"filters 64–127 of 512 (page 2 of 8)"``."""
        return self._label.text()

    def filter_box(self) -> QSpinBox:
        """The box a filter number is typed into."""
        return self._filter_box

    def next_button(self) -> QPushButton:
        """*Next ▶*."""
        return self._next

    def previous_button(self) -> QPushButton:
        """*◀ Previous*."""
        return self._previous

    def go_button(self) -> QPushButton:
        """*Go* beside the filter box."""
        return self._go

    def _on_previous(self) -> None:
        if self._page > 0:
            self.sig_page_requested.emit(self._page - 1)

    def _on_next(self) -> None:
        if self._page + 1 < self._num_pages:
            self.sig_page_requested.emit(self._page + 1)

    def _on_filter_typed(self) -> None:
        # editingFinished also fires when the box merely loses focus: only Enter (the box keeps
        # its focus) jumps; leaving the box jumps nowhere.
        if self._filter_box.hasFocus():
            self._on_go()

    def _on_go(self) -> None:
        if self._num_images:
            self.sig_filter_requested.emit(self._filter_box.value())


class PagedMaps:
    """The pages of a grid's maps (mixed into :class:`~cnnviz.ui.viewers.filter_grid.FilterGrid`).

    The grid keeps all its maps, their ranges, titles and marks; its cells show one page of them.
    """

    _images: np.ndarray | None
    _levels: np.ndarray
    _titles: list[str]
    _marked: frozenset[int]
    _page: int
    _cells: AtlasGrid
    _pages: PageBar
    _page_size: int

    def _frame_enlarged_cell(self) -> None:
        raise NotImplementedError

    def _draw_title(self) -> None:
        raise NotImplementedError

    def page(self) -> int:
        """The page shown (from 0); a layer with at most a page of maps has only page 0."""
        return self._page

    def num_pages(self) -> int:
        """How many pages the maps take."""
        return num_pages(0 if self._images is None else len(self._images), self._page_size)

    def page_range(self) -> range:
        """The indices of the maps on the page shown."""
        total = 0 if self._images is None else len(self._images)
        return range(min(self._page * self._page_size, total), min((self._page + 1) * self._page_size, total))

    def page_bar(self) -> PageBar:
        """The bar that steps between pages and jumps to a map (hidden while one page holds all)."""
        return self._pages

    def show_page(self, page: int) -> None:
        """Show page ``page`` (from 0) of the maps.

        Raises
        ------
        ValueError
            If there is no such page.
        """
        if not 0 <= page < self.num_pages():
            raise ValueError(f"No page {page}: the maps take {self.num_pages()} page(s), numbered from 0.")
        if page != self._page:
            self._page = page
            self._show_cells()
            self.clear_readout()

    def go_to(self, index: int) -> None:
        """Show the page holding map ``index`` and enlarge the map ("go to filter 317")."""
        if self._images is None or not 0 <= index < len(self._images):
            raise ValueError(f"No map {index}: the grid shows "
                             f"{0 if self._images is None else len(self._images)} maps.")
        self.show_page(page_of(index, self._page_size))
        self.enlarge(index)
        self.sig_cell_clicked.emit(index)

    def _show_cells(self) -> None:
        """Draw the page's maps into the cells (spare cells of the last page stay blank)."""
        if self._images is None:
            return
        shown = self.page_range()
        self._cells.set_images(self._images[shown.start:shown.stop], self._levels[shown.start:shown.stop])
        titles = self._titles[shown.start:shown.stop]
        titles += [""] * (len(self._cells.tiles()) - len(titles))
        self._cells.set_titles(titles, frozenset(index - shown.start for index in self._marked
                                                 if index in shown))
        self._pages.show_page(self._page, len(self._images), self._page_size)
        self._frame_enlarged_cell()
        self._draw_title()

