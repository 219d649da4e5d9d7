"""Counted nouns for interface text: "1 epoch", "2 epochs", "1,000 images"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` followed by ``noun`` in the number it calls for.

    Parameters
    ----------
    count : int
        How many; written with thousands separators.
    noun : str
        The singular, e.g. ``"epoch"``.
    plural : str, optional
        The plural when it is not ``noun + "s"`` (``"classes"``, ``"matrices"``).

    Returns
    -------
    str
        For example ``"1 epoch"``, ``"0 epochs"``, ``"12,000 images"``.
    """
    word = noun if count == 1 else (plural if plural is not None else f"{noun}s")
    return f"{count:,} {word}"
