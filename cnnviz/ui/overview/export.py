"""The network overview as a figure file, for "Export all" (:func:`cnnviz.ui.export.export_all`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QGraphicsView

from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.overview.view import OverviewView

MAX_FIGURE_PIXELS = 16_000
"""The widest or tallest overview figure written: a very deep model's overview is scaled down to fit."""


def write_overview(result: InspectionResult, folder: str | Path, fmt: str = "png") -> tuple[str, str]:
    """Write ``overview.<fmt>``: every layer's thumbnails and their connectors, the whole network in one
    figure at the thumbnails' own size. Returns ``(title, file name)`` for the export's index."""
    from cnnviz.ui.export import render_widget

    view = OverviewView()
    view.show_inspection(result)
    scene = view.scene
    rect = scene.sceneRect()
    figure = QGraphicsView(scene)
    figure.setAttribute(Qt.WA_DontShowOnScreen, True)
    figure.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    figure.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    figure.setFrameShape(QGraphicsView.Shape.NoFrame)
    figure.resize(int(np.ceil(rect.width())), int(np.ceil(rect.height())))
    figure.show()
    try:
        QApplication.processEvents()
        figure.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        scale = min(2.0, MAX_FIGURE_PIXELS / max(rect.width(), rect.height()))
        title = view.title()
        path = render_widget(figure, Path(folder) / f"overview.{fmt}", fmt, scale=scale, title=title)
    finally:
        figure.close()
        figure.deleteLater()
        view.deleteLater()
    return f"{title}: every layer's strongest filters for this input", path.name
