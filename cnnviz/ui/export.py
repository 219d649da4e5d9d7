"""Figure export: any view to PNG (chosen resolution), SVG or PDF, and "export all".

Every file is rendered to a temporary name in the target folder and renamed into
place, so a failure never leaves a half-written file; a folder that cannot be
written is reported with an :class:`ExportError` saying which and why.
"""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPoint, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QWidget

from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP
from cnnviz.ui.viewers.gradients import describe_target
from cnnviz.ui.wording import counted

FORMATS = ("png", "svg", "pdf")
# Signed values (kernels, gradients): a diverging colour map centred at zero, white at zero.
DIVERGING = {"symmetric": True, "colormap": DIVERGING_COLORMAP}


class ExportError(OSError):
    """An export that could not be written; the message names the file or folder and the fix."""


def check_folder(folder: str | Path) -> Path:
    """Create ``folder`` if needed and make sure files can be written in it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cnnviz-write-test-"):
            pass
    except OSError as error:
        raise ExportError(f"Cannot write in the folder {folder}: {error.strerror or error}. "
                          "Choose a folder you can write to.") from None
    return folder


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def render_widget(widget: QWidget, path: str | Path, fmt: str | None = None, scale: float = 2.0,
                  title: str | None = None) -> Path:
    """Render ``widget`` to a PNG, SVG or PDF file.

    Parameters
    ----------
    widget : QWidget
        Any widget (pyqtgraph views render as vector graphics in SVG and PDF).
    path : path
        Target file; its suffix chooses the format unless ``fmt`` is given.
    scale : float
        PNG resolution as a multiple of the widget's on-screen size.
    title : str, optional
        Written above the figure.

    Raises
    ------
    ExportError
        If the format is unknown or the file cannot be written.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExportError(f"Unknown figure format {fmt!r}; choose png, svg or pdf.")
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}")
    check_folder(path.parent)
    widget.ensurePolished()
    QApplication.processEvents()
    size = widget.size()
    title_height = 28 if title else 0
    temporary = _temporary(path)
    try:
        if fmt == "png":
            image = QImage(QSize(int(size.width() * scale), int((size.height() + title_height) * scale)),
                           QImage.Format_ARGB32)
            image.fill(QColor("white"))
            painter = QPainter(image)
            try:
                painter.scale(scale, scale)
                _paint(painter, widget, title, size.width(), title_height)
            finally:
                painter.end()
            if not image.save(str(temporary), "PNG"):
                raise ExportError(f"Could not write {path}.")
        elif fmt == "svg":
            generator = QSvgGenerator()
            generator.setFileName(str(temporary))
            generator.setSize(QSize(size.width(), size.height() + title_height))
            generator.setViewBox(QRectF(0, 0, size.width(), size.height() + title_height))
            generator.setTitle(title or "cnnviz figure")
            painter = QPainter(generator)
            try:
                _paint(painter, widget, title, size.width(), title_height)
            finally:
                painter.end()
        else:
            writer = QPdfWriter(str(temporary))
            writer.setTitle(title or "cnnviz figure")
            writer.setResolution(96)
            page = QPageSize(QSizeF(size.width(), size.height() + title_height), QPageSize.Unit.Point)
            writer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
            painter = QPainter(writer)
            try:
                target = writer.pageLayout().paintRectPixels(writer.resolution())
                painter.scale(target.width() / size.width(), target.height() / (size.height() + title_height))
                _paint(painter, widget, title, size.width(), title_height)
            finally:
                painter.end()
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise ExportError(f"Could not write {path}: the figure came out empty.")
        os.replace(temporary, path)
    except OSError as error:
        if isinstance(error, ExportError):
            raise
        raise ExportError(f"Could not write {path}: {error.strerror or error}.") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _paint(painter: QPainter, widget: QWidget, title: str | None, width: int, title_height: int) -> None:
    painter.setRenderHint(QPainter.Antialiasing)
    if title:
        font = painter.font()
        font.setPointSize(11)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(0, 0, width, title_height), Qt.AlignCenter, title)
        painter.translate(0, title_height)
    # QWidget.render itself: pyqtgraph's views override render() with another signature.
    QWidget.render(widget, painter, QPoint(0, 0))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as a compressed ``.npz`` through a temporary file renamed into place
    (ExportError naming the file and the cause)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    temporary = _temporary(path)
    try:
        temporary.write_bytes(buffer.getvalue())
        os.replace(temporary, path)
    except OSError as error:
        raise ExportError(f"Could not write {path}: {error.strerror or error}.") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write a text file (CSV, HTML) through a temporary file."""
    path = Path(path)
    check_folder(path.parent)
    temporary = _temporary(path)
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        raise ExportError(f"Could not write {path}: {error.strerror or error}.") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def figures_for(result, spectrum_size: int = 32,
                class_names: Sequence[str] | None = None) -> list[tuple[str, str, np.ndarray, dict]]:
    """Every figure "export all" writes: ``(file stem, title, arrays, display options)``.

    ``arrays`` are images ``(n, h, w)``, or for a vector layer (flatten, dense) its units
    ``(n,)``, marked by ``"units": True`` in the options. ``class_names`` name the output
    layer's units (default: the class indices). The spectra are the inspection's own (the model
    service's worker computes them with every inspection); a result without them is refused.
    """
    spectra = result.spectra
    if spectra is None:
        raise ValueError("This inspection came without spectra, so there are none to export; draw or pick the "
                         "input again, then export.")
    figures = []
    image = np.asarray(result.image)[0]
    height, width, channels = image.shape
    figures.append(("input", f"Input (the model's {height}×{width}×{channels} input)", image.transpose(2, 0, 1),
                    {"colormap": "gray", "titles": [f"channel {index}" for index in range(channels)]}))
    target = describe_target(result.gradients.target, class_names or ())
    num_classes = int(np.asarray(result.probabilities).shape[-1])
    for layer in result.layer_names:
        maps = np.asarray(result.feature_maps.get(layer, np.empty(0)))
        if maps.ndim == 2:
            units = maps[0]
            is_output = layer == result.layer_names[-1] and len(units) == num_classes
            names = None
            if is_output:
                names = (list(class_names) if class_names is not None and len(class_names) == len(units)
                         else [str(index) for index in range(len(units))])
            detail = f"output layer, {len(units)} classes" if is_output else f"{len(units)} units"
            figures.append((f"feature-maps_{layer}", f"Activations — {layer} ({detail})", units,
                            {"units": True, "names": names}))
        if maps.ndim == 4:
            stack = maps[0].transpose(2, 0, 1)
            figures.append((f"feature-maps_{layer}", f"Feature maps — {layer} ({counted(len(stack), 'map')})", stack,
                            {"colormap": "viridis"}))
            figures.append((f"spectra_{layer}", f"Feature-map spectra (log |DFT|) — {layer}",
                            spectra.feature_maps[layer].spectra,
                            {"colormap": "inferno", "shared_scale": False}))
        gradient = result.gradients.layers.get(layer)
        if gradient is not None and np.ndim(gradient) == 4:
            figures.append((f"gradients_{layer}", f"Gradient of the {target} w.r.t. {layer}'s output",
                            np.asarray(gradient)[0].transpose(2, 0, 1), DIVERGING))
    for layer, kernel in result.kernels.items():
        kernel = np.asarray(kernel)
        first_channel = kernel[:, :, 0, :].transpose(2, 0, 1)
        figures.append((f"kernels_{layer}", f"Kernels — {layer} (input channel 0)", first_channel, DIVERGING))
        figures.append((f"kernel-spectra_{layer}",
                        f"Kernel spectra, zero-padded to {spectrum_size}×{spectrum_size} — {layer}",
                        spectra.kernel_spectra(layer, 0, spectrum_size).spectra,
                        {"colormap": "inferno", "shared_scale": False}))
        kernel_gradient = result.gradients.parameters.get(layer, {}).get("kernel")
        if kernel_gradient is not None:
            figures.append((f"kernel-gradients_{layer}", f"Gradient w.r.t. the kernels — {layer}",
                            np.asarray(kernel_gradient)[:, :, 0, :].transpose(2, 0, 1), DIVERGING))
    saliency = np.asarray(result.gradients.input)[0].transpose(2, 0, 1)
    figures.append(("saliency", f"Gradient of the {target} w.r.t. the input (saliency)",
                    saliency, {**DIVERGING, "titles": [f"∂target/∂pixel, channel {index}"
                                                         for index in range(len(saliency))]}))
    return figures


MAX_FIGURE_MAPS = 64
"""The most maps one exported figure draws (a wide layer of a large network has over a thousand,
which no figure shows legibly); the arrays file keeps them all."""


def _first_maps(images, options: dict, title: str) -> tuple[np.ndarray, dict, str]:
    """At most :data:`MAX_FIGURE_MAPS` of a figure's maps, its options and title to match."""
    images = np.asarray(images)
    if len(images) <= MAX_FIGURE_MAPS:
        return images, options, title
    if options.get("titles") is not None:
        options = {**options, "titles": list(options["titles"])[:MAX_FIGURE_MAPS]}
    return images[:MAX_FIGURE_MAPS], options, f"{title} (the first {MAX_FIGURE_MAPS} of {len(images)})"


def export_all(result, folder: str | Path, fmt: str = "png", history_csv: str | None = None,
               size: tuple[int, int] = (900, 700), class_names: Sequence[str] | None = None) -> Path:
    """Write every layer's feature maps (or units), kernels, spectra and gradients for one inspection.

    Also writes the network overview (``overview.<fmt>``, :mod:`cnnviz.ui.overview.export`), the
    arrays behind the figures (``arrays.npz``), the loss history (when given) and ``index.html``
    listing every file. ``class_names`` name the output layer's units.
    Returns the index's path.
    """
    from cnnviz.ui.overview.export import write_overview
    from cnnviz.ui.viewers.filter_grid import FilterGrid
    from cnnviz.ui.viewers.unit_grid import UnitGrid

    folder = check_folder(folder)
    grid, units = FilterGrid(page_size=None), UnitGrid()   # a figure holds the whole layer
    for widget in (grid, units):
        # Laid out and painted like a shown window, but never mapped on the screen.
        widget.setAttribute(Qt.WA_DontShowOnScreen, True)
        widget.resize(*size)
        widget.show()
    QApplication.processEvents()   # lay both out at their size before the first figure is drawn
    entries = []
    arrays = {}
    try:
        for stem, title, images, options in figures_for(result, class_names=class_names):
            if options.get("units"):
                widget = units
                units.set_values(np.asarray(images, dtype=np.float32), options.get("names"))
            else:
                widget = grid
                shown, options, title = _first_maps(images, options, title)
                grid.set_images(np.ascontiguousarray(shown, dtype=np.float32), **options)
            QApplication.processEvents()
            path = render_widget(widget.graphics_widget(), folder / f"{_slug(stem)}.{fmt}", fmt, title=title)
            entries.append((title, path.name))
            arrays[stem] = images
        entries.insert(0, write_overview(result, folder, fmt))
    finally:
        for widget in (grid, units):
            widget.close()
            widget.deleteLater()
    data_path = write_npz(folder / "arrays.npz", arrays)
    entries.append(("The arrays behind every figure (NumPy .npz, one array per figure)", data_path.name))
    if history_csv:
        write_text(folder / "loss-history.csv", history_csv)
        entries.append(("Loss history, one row per batch (CSV)", "loss-history.csv"))
    items = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(title)}</a>'
        + (f'<br><img src="{html.escape(name)}" width="420">' if name.endswith((".png", ".svg")) else "")
        + "</li>" for title, name in entries)
    page = (f"<!doctype html><meta charset='utf-8'><title>cnnviz export</title>"
            f"<h1>cnnviz export</h1><p>Prediction: class {int(np.argmax(result.probabilities))} "
            f"({float(np.max(result.probabilities)):.1%}); gradient target: "
            f"{html.escape(describe_target(result.gradients.target, class_names or ()))}."
            f"</p><ul>\n{items}\n</ul>\n")
    return write_text(folder / "index.html", page)
