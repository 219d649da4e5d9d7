"""Colour bars that stay readable: round tick values, both ends and zero labelled, short labels.

A colour bar's axis is narrow, and the viewers' ranges run from ±3e-7 (a gradient on a flat
loss) to thousands (a spectrum): :func:`set_colorbar_levels` sets a bar's range with ticks
chosen by :func:`colorbar_ticks` and labelled by :func:`tick_labels`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

COLORBAR_MINIMUM_WIDTH = 84
"""Pixels a vertical colour bar keeps however narrow its view: bar, tick labels and axis label."""
COLORBAR_MAXIMUM_HEIGHT = 320
"""Pixels a grid's vertical colour bar grows to at most, so that its label stays near the top."""


def tick_label(value: float) -> str:
    """A short tick label: ``0.25``, ``-0.5``, ``6e-4``, ``2e+05`` (a colour bar's axis is narrow)."""
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (steps of 1, 2 or 5 × 10^k) between ``low`` and ``high``."""
    span = high - low
    if not (np.isfinite(span) and span > 0):
        return [low]
    raw = span / max(count - 1, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    steps = [factor * power for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10)]
    position = next(index for index, step in enumerate(steps) if step >= raw)
    while True:
        step = steps[position]
        first = np.ceil(low / step - 1e-9) * step
        values = np.arange(first, high + step * 1e-9, step)
        # A step just too coarse can leave a single tick (0 for -4e-4 .. 4e-4): take a finer one.
        if len(values) >= min(3, count) or position == 0:
            break
        position -= 1
    return [0.0 if abs(value) < step * 1e-9 else float(value) for value in values]


def colorbar_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Tick values for a colour bar from ``low`` to ``high``: both ends, zero when it lies inside,
    and round values between them (about ``count`` ticks in all) that keep clear of those.

    The ends are always labelled, so that the range can be read off however small it is
    (a gradient of ±3e-7 shows ``-3e-7``, ``0`` and ``3e-7``, not a lone ``0``).
    """
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return [low] if np.isfinite(low) else []
    span = high - low
    ticks = [low, high] + ([0.0] if low < 0.0 < high else [])
    # Round values closer than this to an end or to zero would make their labels collide.
    clearance = 0.6 * span / max(count - 1, 1)
    for value in nice_ticks(low, high, count):
        if all(abs(value - tick) >= clearance for tick in ticks):
            ticks.append(value)
    return sorted(ticks)


def tick_labels(values: Sequence[float]) -> list[str]:
    """Short labels for ``values`` (see :func:`tick_label`), with more digits where two
    neighbouring values would otherwise read the same (a narrow range such as 0.5000 .. 0.5003)."""
    labels = [tick_label(value) for value in values]
    for digits in range(4, 8):
        if len(set(labels)) == len(labels):
            break
        labels = ["0" if value == 0 else f"{value:.{digits}g}" for value in values]
    return labels


def set_colorbar_levels(colorbar: pg.ColorBarItem, levels: tuple[float, float], count: int = 5) -> None:
    """Set a colour bar's range, with its ends, zero and round values between them as ticks,
    labelled short enough for its narrow axis (``count``: about how many ticks)."""
    low, high = (float(value) for value in levels)
    if tuple(colorbar.levels()) != (low, high):
        colorbar.setLevels((low, high))
    values = colorbar_ticks(low, high, count)
    # The axis drops a tick that rounding puts a hair outside its range: draw the two ends just
    # inside it (labelled with their exact values).
    inset = (high - low) * 1e-6
    positions = [min(max(value, low + inset), high - inset) for value in values]
    ticks = [list(zip(positions, tick_labels(values)))]
    # Unchanged ticks are not set again: setting them regenerates the axis's drawing.
    if colorbar.axis._tickLevels != ticks:
        colorbar.axis.setTicks(ticks)


def set_colorbar_scale(colorbar: pg.ColorBarItem, levels: tuple[float, float],
                       ticks: list[tuple[float, str]]) -> None:
    """Give a colour bar a fixed scale (``levels`` with labelled ``ticks``, such as "min" .. "max"),
    setting only what differs from what it shows."""
    if tuple(colorbar.levels()) != tuple(levels):
        colorbar.setLevels(levels)
    if colorbar.axis._tickLevels != [ticks]:
        colorbar.axis.setTicks([ticks])


def colorbar_tick_labels(colorbar: pg.ColorBarItem) -> list[str]:
    """The tick labels a colour bar shows, lowest value first (for tests and checks)."""
    ticks = colorbar.axis._tickLevels or [[]]
    return [label for _, label in sorted(ticks[0])]


def sparse_ticks(low: float, high: float, count: int = 3) -> list[tuple[float, str]]:
    """At most ``count`` labelled ticks for a small image's axis from ``low`` to ``high``.

    Round values (:func:`nice_ticks`); when there are more, the outermost two and zero (when it
    lies inside) are kept: a frequency axis of ±0.5 cycles/pixel reads ``-0.4  0  0.4``, never a
    crowd of labels running into each other beside a 150-pixel image.
    """
    low, high = sorted((float(low), float(high)))
    values = nice_ticks(low, high, 5)
    if len(values) > count:
        middle = [0.0] if values[0] < 0.0 < values[-1] and count >= 3 else []
        values = [values[0], *middle, values[-1]]
    return [(value, tick_label(value)) for value in values]


def set_sparse_ticks(plot: pg.PlotItem, extent: tuple[float, float, float, float], count: int = 3) -> None:
    """Give ``plot``'s bottom and left axes :func:`sparse_ticks` over ``extent`` = (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = extent
    plot.getAxis("bottom").setTicks([sparse_ticks(x0, x1, count)])
    plot.getAxis("left").setTicks([sparse_ticks(y0, y1, count)])
