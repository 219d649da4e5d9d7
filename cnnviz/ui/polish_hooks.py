"""Set-up that every widget of a kind gets once, as Qt polishes it, instead of an application-wide event filter.

Some behaviour applies to every widget of a kind wherever it is made: spin boxes, combo boxes and
sliders ignore the wheel unless focused (:mod:`cnnviz.ui.wheel_guard`); a spin box says its range
when it refuses a key (:mod:`cnnviz.ui.range_hint`). An event filter on the application sees those
widgets' events, but it is called for every event of every object in the program (each paint, timer,
queued signal and enabled change), and one written in Python costs several microseconds a call:
the window's two such filters added 3-5 ms to every stroke and 4 ms to enabling one viewer page.

Qt polishes every widget once before it is first shown (and again when its style changes), through
the application's style. :class:`PolishHooks` is a proxy of the application's own style (drawing is
untouched) that runs the registered hooks on each widget polished; a hook installs an event filter
on just the widgets it cares about.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QProxyStyle, QStyleFactory, QWidget

__all__ = ["PolishHooks", "add_polish_hook"]

Hook = Callable[[QWidget], None]


class PolishHooks(QProxyStyle):
    """The application's style, unchanged, running hooks on every widget it polishes."""

    def __init__(self, base_style_name: str):
        # A new instance of the same style: a proxy owns its base, and the application deletes
        # the style it replaces.
        super().__init__(QStyleFactory.create(base_style_name))
        self._hooks: list[Hook] = []

    def add(self, hook: Hook, widgets: list[QWidget]) -> None:
        """Run ``hook`` on every widget polished from now on, and on ``widgets`` (polished already)."""
        if hook not in self._hooks:
            self._hooks.append(hook)
        for widget in widgets:
            hook(widget)

    def hooks(self) -> list[Hook]:
        """The hooks run, in the order they were added."""
        return list(self._hooks)

    def remove(self, hook: Hook) -> None:
        """Stop running ``hook`` on the widgets polished from now on."""
        self._hooks.remove(hook)

    def polish(self, target):  # QWidget, QPalette or QApplication, as Qt's overloads
        result = super().polish(target)
        if isinstance(target, QWidget):
            for hook in self._hooks:
                hook(target)
        return result


def add_polish_hook(hook: Hook, app: QApplication | None = None) -> PolishHooks:
    """Run ``hook`` on every widget of ``app`` (default: the running application), those made
    already and every one made later; the proxy style is set once per application."""
    app = app or QApplication.instance()
    style = app.property("cnnviz_polish_hooks")
    if not isinstance(style, PolishHooks):
        style = PolishHooks(app.style().name())
        app.setStyle(style)   # repolishes the widgets that exist: the hooks below see them too
        app.setProperty("cnnviz_polish_hooks", style)
    style.add(hook, list(app.allWidgets()))
    return style
