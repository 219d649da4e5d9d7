"""The attribution maps of the current input in "Export all": each map over its input as a figure,
the maps' arrays, and their entries in the export's ``index.html``."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cnnviz.service.attribution_payloads import AttributionResult
from cnnviz.ui.explain.method_form import method_label
from cnnviz.ui.explain.overlay_view import AttributionOverlay
from cnnviz.ui.export import render_widget, write_npz, write_text

FIGURE_SIZE = (520, 560)
NOT_COMPUTED = "No attribution map could be computed for this input; the Explain tab says why."


def _stem(method: str) -> str:
    return "attribution_" + method.replace(":", "-").replace("+", "plus")


def export_attributions(results: Sequence[AttributionResult], folder: str | Path, fmt: str = "png",
                        class_names: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Write one figure per map (``attribution_<method>.<fmt>``) and ``attributions.npz`` (each map,
    ``(h, w)``); returns ``(title, file name)`` for the index."""
    from cnnviz.ui.explain.panel import class_text

    folder = Path(folder)
    if not results:
        return []
    overlay = AttributionOverlay()
    overlay.setAttribute(Qt.WA_DontShowOnScreen, True)
    overlay.resize(*FIGURE_SIZE)
    overlay.show()
    entries, arrays = [], {}
    try:
        for result in results:
            attribution = result.attribution
            label = method_label(result.method)
            title = f"Attribution: {label}, class {class_text(attribution.class_index, class_names)}"
            overlay.show_map(result.image, attribution, title)
            QApplication.processEvents()
            path = render_widget(overlay, folder / f"{_stem(result.method)}.{fmt}", fmt)
            entries.append((title + (f" ({attribution.settings_text})" if attribution.settings_text else ""),
                            path.name))
            arrays[_stem(result.method)] = np.asarray(attribution.map)
    finally:
        overlay.close()
        overlay.deleteLater()
    data_path = write_npz(folder / "attributions.npz", arrays)
    entries.append(("The attribution maps' arrays (NumPy .npz, one (h, w) array per method)", data_path.name))
    return entries


def add_to_index(index: Path, entries: Sequence[tuple[str, str]]) -> Path:
    """Add a section listing ``entries`` (or saying there are none) to an export's ``index.html``."""
    items = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(title)}</a>'
        + (f'<br><img src="{html.escape(name)}" width="420">' if name.endswith((".png", ".svg")) else "")
        + "</li>" for title, name in entries)
    section = (f"<h2>Attribution maps</h2>\n<ul>\n{items}\n</ul>\n" if entries
               else f"<h2>Attribution maps</h2>\n<p>{html.escape(NOT_COMPUTED)}</p>\n")
    return write_text(index, index.read_text(encoding="utf-8") + section)
