"""Tests of the caption under the canvas: default texts, texts of its own, errors, elision."""

from __future__ import annotations

from cnnviz.ui.drawing.caption import MESSAGE_LINES, Caption


def test_the_caption_knows_whether_its_text_is_the_default_one(qtbot):
    caption = Caption()
    qtbot.addWidget(caption)
    caption.show_default("Draw a digit.")
    assert caption.is_default() and caption.kept_text() is None
    caption.show_error("Could not open scan.png: no such file.")
    assert not caption.is_default() and caption.kept_text() == "Could not open scan.png: no such file."
    assert "color" in caption.styleSheet()
    caption.show_text("Opened scan.png.")
    assert caption.styleSheet() == "" and caption.full_text() == "Opened scan.png."
    caption.mark_default()
    assert caption.is_default() and caption.full_text() == "Opened scan.png."


def test_a_long_caption_keeps_its_lines_and_shows_the_rest_in_its_tooltip(qtbot):
    caption = Caption()
    qtbot.addWidget(caption)
    caption.resize(200, caption.height())
    caption.show()
    height = caption.height()
    text = "A caption that goes on " * 20
    caption.show_text(text)
    assert caption.max_lines() == MESSAGE_LINES and caption.height() == height
    assert caption.is_elided() and caption.toolTip() == text
