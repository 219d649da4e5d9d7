"""The Explain tab, driven as a person: choose methods and classes, draw, read the map; the map shown
is the one :func:`explain` computes on the same engine and input."""

import numpy as np
from PySide6.QtCore import Qt

from cnnviz.science.attribution import explain
from tests.ui.explain.conftest import TIMEOUT, engine_of, open_explain_tab
from tests.ui.person import choose, type_value
from tests.ui.settle import settle


def wait_for_map(qtbot, window, method, class_index=None):
    """Wait until the tab shows a map of ``method`` (and ``class_index``, when given)."""
    def shown():
        result = window.explain_panel.overlay.attribution()
        return (result is not None and result.method == method
                and (class_index is None or result.class_index == class_index))
    qtbot.waitUntil(shown, timeout=TIMEOUT)
    settle(qtbot)
    return window.explain_panel.overlay.attribution()


def class_item(form, index):
    return form.class_combo.itemText(form.class_combo.findData(index))


def test_the_tab_shows_the_predicted_class_gradient_when_opened(qtbot, window):
    open_explain_tab(qtbot, window)
    shown = wait_for_map(qtbot, window, "gradient")
    image = window.canvas.current_input()
    expected = explain(engine_of(window), image, "gradient")
    np.testing.assert_allclose(window.explain_panel.shown_map(), expected.map, rtol=1e-5, atol=1e-8)
    assert shown.class_index == int(np.argmax(window.last_result().probabilities))
    assert "predicted" in window.explain_panel.overlay.title_label.text()
    assert "Yellow to red" in window.explain_panel.overlay.legend_label.text()


def test_a_chosen_method_and_class_show_what_explain_computes(qtbot, window):
    open_explain_tab(qtbot, window)
    form = window.explain_panel.form
    choose(qtbot, form.method_combo, "Grad-CAM++")
    assert form.layer_combo.isVisibleTo(form) and not form.steps_spin.isVisibleTo(form)
    choose(qtbot, form.class_combo, class_item(form, 5))
    wait_for_map(qtbot, window, "grad-cam++", 5)
    expected = explain(engine_of(window), window.canvas.current_input(), "grad-cam++", 5,
                       layer=form.layer_combo.currentText())
    np.testing.assert_allclose(window.explain_panel.shown_map(), expected.map, rtol=1e-5, atol=1e-8)
    assert form.layer_combo.currentText() == "conv2d"


def test_a_stroke_updates_the_map_live(qtbot, window):
    open_explain_tab(qtbot, window)
    form = window.explain_panel.form
    choose(qtbot, form.method_combo, "Gradient × input")
    wait_for_map(qtbot, window, "gradient-x-input")
    before = window.explain_panel.shown_map().copy()
    window.canvas.clear()
    with qtbot.waitSignal(window.explain.sig_attribution_shown, timeout=TIMEOUT,
                          check_params_cb=lambda result: result.request_id == window.explain.latest_request()):
        window.canvas.stroke([(140, 40), (140, 240)])
    settle(qtbot)
    image = window.canvas.current_input()
    expected = explain(engine_of(window), image, "gradient-x-input")
    np.testing.assert_allclose(window.explain_panel.shown_map(), expected.map, rtol=1e-5, atol=1e-8)
    assert not np.allclose(window.explain_panel.shown_map(), before)


def test_a_slow_method_computes_after_the_stroke_and_says_so(qtbot, window):
    open_explain_tab(qtbot, window)
    form = window.explain_panel.form
    choose(qtbot, form.method_combo, "Integrated Gradients")
    type_value(qtbot, form.steps_spin, "8")
    wait_for_map(qtbot, window, "integrated-gradients")
    shown, before = [], window.explain.latest_request()
    window.explain.sig_attribution_shown.connect(shown.append)
    window.canvas.clear()
    window.canvas.stroke([(80, 70), (200, 70), (170, 150), (140, 220)])
    qtbot.waitUntil(lambda: "computing" in window.explain_panel.status_label.text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.explain.latest_request() > before and bool(shown)
                    and shown[-1].request_id == window.explain.latest_request(), timeout=TIMEOUT)
    settle(qtbot)
    expected = explain(engine_of(window), window.canvas.current_input(), "integrated-gradients", steps=8,
                       baseline="black")
    np.testing.assert_allclose(window.explain_panel.shown_map(), expected.map, rtol=1e-4, atol=1e-7)
    assert "completeness" in window.explain_panel.notes_label.text().lower()
    assert "computing" not in window.explain_panel.status_label.text()


def test_two_quick_class_changes_show_only_the_last(qtbot, window):
    open_explain_tab(qtbot, window)
    wait_for_map(qtbot, window, "gradient")
    form = window.explain_panel.form
    shown = []
    window.explain.sig_attribution_shown.connect(shown.append)
    form.class_combo.setFocus(Qt.OtherFocusReason)
    qtbot.keyClick(form.class_combo, Qt.Key_Down)   # class 0
    qtbot.keyClick(form.class_combo, Qt.Key_Down)   # class 1, before the first answer is read
    assert form.class_index() == 1
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    settle(qtbot)
    with qtbot.assertNotEmitted(window.explain.sig_attribution_shown, wait=300):
        pass
    assert [result.attribution.class_index for result in shown] == [1]
    assert shown[0].request_id == window.explain.latest_request()
