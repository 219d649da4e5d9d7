"""The File menu's work: open and save models, open images, export figures, everything and history.

Every save dialog starts in the folder the person last saved into (:mod:`cnnviz.ui.save_folder`);
every failure to write is a message that says what went wrong (never a traceback).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from cnnviz.ui.explain.export import add_to_index, export_attributions
from cnnviz.ui.export import ExportError, export_all, render_widget, write_text
from cnnviz.ui.save_folder import ask_save_folder, ask_save_path, last_save_folder, remember_save_folder

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow


class FileActions(QObject):
    """Opening, saving and exporting for ``window``; see the module docstring."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window

    @property
    def export_folder(self) -> str:
        """The folder the person last saved into (every save dialog starts there); see
        :mod:`cnnviz.ui.save_folder`."""
        return str(last_save_folder())

    @export_folder.setter
    def export_folder(self, folder: str) -> None:
        if Path(folder).is_dir():
            remember_save_folder(folder)

    def open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open model", str(Path.home()),
                                              "Models (*.npz *.keras);;cnnviz models (*.npz);;Keras models (*.keras)")
        if path:
            self.window.training.open_model(path)

    def open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open image", str(Path.home()),
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp)")
        if path:
            self.window.canvas.load_image_file(path)

    def save_model(self) -> None:
        info = self.window.model_info()
        if info is None:
            return
        suffix = ".keras" if info.engine == "keras" else ".npz"
        path = ask_save_path(self.window, "Save model", f"model{suffix}", f"Model (*{suffix})")
        if path:
            self.window.service.save(path)

    def export_figure(self) -> None:
        """Write the visible tab as PNG (at a chosen scale), SVG or PDF."""
        window = self.window
        widget, title, add_title = self._export_target()
        # The dialog's title stays short (a long one is cut off); the file name carries the detail:
        # "Feature maps — conv2d (28 filters)" suggests feature-maps_conv2d.png.
        parts = [re.sub(r"\(.*?\)", "", part) for part in title.split(" — ")[:2]]
        name = "_".join(re.sub(r"[^a-z0-9.]+", "-", part.lower()).strip("-") for part in parts if part.strip()) + ".png"
        path = ask_save_path(window, "Export figure", name,
                             "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if not path:
            return
        scale = 2.0
        if path.lower().endswith(".png"):
            scale, ok = QInputDialog.getDouble(window, "PNG resolution", "Scale (× the on-screen size):", 2.0,
                                               0.5, 8.0, 1)
            if not ok:
                return
        try:
            written = render_widget(widget, path, scale=scale, title=title if add_title else None)
        except ExportError as error:
            window.inform("Export failed", str(error), QMessageBox.Warning)
            return
        self.export_folder = str(written.parent)
        window.statusBar().showMessage(f"Figure written to {written}", 8000)

    def export_all(self) -> None:
        if self.window.inspection.last_result() is None:
            self.window.inform("Nothing to export", "Draw a digit or pick a sample first.")
            return
        folder = ask_save_folder(self.window, "Export all")
        if folder:
            self.export_all_to(folder)

    def export_all_to(self, folder: str, fmt: str = "png") -> Path | None:
        """Write every figure for the current input into ``folder``; errors are shown, not raised."""
        window = self.window
        try:
            result = window.inspection.complete_result()
            if result is None:
                raise ExportError("The current input's inspection did not arrive in time (or the input was "
                                  "cleared meanwhile). Try Export all again.")
            index = export_all(result, folder, fmt,
                               history_csv=window.monitor.history_csv() or None, class_names=window.class_names())
            add_to_index(index, export_attributions(window.explain.maps_for_export(), folder, fmt,
                                                    window.class_names()))
        except ExportError as error:
            window.inform("Export failed", str(error), QMessageBox.Warning)
            return None
        self.export_folder = folder
        window.statusBar().showMessage(f"Exported to {index.parent} (open index.html)", 10000)
        return index

    def export_history(self) -> None:
        window = self.window
        text = window.monitor.history_csv()
        if not text:
            window.inform("No history", "Train a model first; its loss history is exported.")
            return
        path = ask_save_path(window, "Export loss history", "loss-history.csv", "CSV (*.csv)")
        if path:
            try:
                write_text(path, text)
            except ExportError as error:
                window.inform("Export failed", str(error), QMessageBox.Warning)

    def _export_target(self) -> tuple[QWidget, str, bool]:
        """(widget to render, figure title, whether to draw the title) for the visible tab."""
        window = self.window
        view = window.current_view()
        if hasattr(view, "export_widget"):
            return view.export_widget(), view.title(), False  # the view draws its own title
        return view, window.tabs.tabText(window.tabs.currentIndex()), True
