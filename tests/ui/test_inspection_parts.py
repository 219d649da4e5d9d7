"""The window asks for the inspection parts the visible tab needs, and every tab a person opens shows
the current input's data, equal to a full inspection's."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from cnnviz.engines.registry import load_engine
from cnnviz.service import payloads as p
from cnnviz.service.inspection import run_inspection
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import DEFAULT_MODEL, MainWindow
from tests.ui.science.helpers import click_tab

TIMEOUT = 30_000
NEEDS = {"Feature maps": frozenset(), "Kernels": frozenset(), "Spectra": {p.SPECTRA}, "Gradients": {p.GRADIENTS},
         "Science": frozenset()}   # its first page, the spectra comparison, follows only the input itself
FLIP_PAGE = "Backprop = flipped convolution"


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService(run_root=False)
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    window.shown = {}    # tab title -> the inspections its view was given, in order
    for index, view in window.inspection_views.items():
        record = window.shown.setdefault(window.tabs.tabText(index), [])
        view.show_inspection = spy(view.show_inspection, record)
    yield window
    window.quit_now()
    assert not service.is_running


def spy(method, record):
    def show(result):
        record.append(result)
        return method(result)
    return show


def full_inspection(window):
    """A full inspection of the canvas's input by a fresh copy of the model, made by the test."""
    return run_inspection(load_engine(DEFAULT_MODEL), window.canvas.current_input(), label=window.inspection.label())


def shows_current_input(window, title) -> bool:
    """Whether the view of the tab ``title`` was last given the current input with the parts it needs."""
    shown = window.shown[title]
    return (bool(shown) and np.array_equal(shown[-1].image, window.canvas.current_input())
            and shown[-1].holds(NEEDS[title]))


def settle(qtbot, window):
    """Wait until no inspection is on its way (a tab just opened may have asked for its parts)."""
    qtbot.waitUntil(lambda: window.last_result().request_id == window.inspection.latest_request(), timeout=TIMEOUT)


def draw(qtbot, window, points):
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as shown:
        window.canvas.stroke(points)
    return shown.args[0]


def test_a_stroke_asks_only_for_what_the_visible_tab_shows(qtbot, window):
    for title, needs in NEEDS.items():
        click_tab(qtbot, window.tabs, title)
        settle(qtbot, window)
        result = draw(qtbot, window, [(60, 60), (200, 220)])
        assert result.parts == needs, title
        assert window.shown[title][-1] is result, f"the {title} view draws the stroke's inspection at once"
        assert (result.gradients is None) == (p.GRADIENTS not in needs)
        assert (result.spectra is None) == (p.SPECTRA not in needs)
    click_tab(qtbot, window.tabs, "Explain")
    settle(qtbot, window)
    assert draw(qtbot, window, [(100, 60), (100, 220)]).parts == frozenset(), "the probability bars need no part"


def test_every_tab_opened_after_strokes_shows_the_current_input_as_a_full_inspection_would(qtbot, window):
    draw(qtbot, window, [(40, 140), (240, 140)])
    last = draw(qtbot, window, [(140, 40), (140, 240)])
    assert last.parts == frozenset()
    full = full_inspection(window)
    for title in ("Gradients", "Spectra", "Science", "Kernels", "Feature maps"):
        click_tab(qtbot, window.tabs, title)
        qtbot.waitUntil(lambda title=title: shows_current_input(window, title), timeout=TIMEOUT)
        if title == "Science":   # the flipped-convolution page asks for the gradients and its check
            click_tab(qtbot, window.science_panel.tabs, FLIP_PAGE)
            qtbot.waitUntil(lambda: window.shown["Science"][-1].holds({p.FLIP_CHECKS, p.GRADIENTS})
                            and np.array_equal(window.shown["Science"][-1].image, window.canvas.current_input()),
                            timeout=TIMEOUT)
    gradients, spectra, science = (window.shown[title][-1] for title in ("Gradients", "Spectra", "Science"))
    assert science.parts == p.ALL_PARTS, "each completion keeps what the inspection of this input found before"
    for name in full.feature_maps:
        np.testing.assert_allclose(science.feature_maps[name], full.feature_maps[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gradients.gradients.input, full.gradients.input, rtol=1e-4, atol=1e-7)
    assert gradients.gradients.target == full.gradients.target
    for name, stack in full.spectra.feature_maps.items():
        np.testing.assert_allclose(spectra.spectra.feature_maps[name].spectra, stack.spectra, rtol=1e-4, atol=1e-5)
    assert set(science.flip_checks.results) == set(full.flip_checks.results) == {"conv2d"}
    assert set(science.flip_checks.problems) == set(full.flip_checks.problems)
    assert science.flip_checks.result("conv2d").agrees
    assert window.shown["Feature maps"][-1].feature_maps is gradients.feature_maps, "computed once for this input"


def test_the_flipped_convolution_page_asks_for_its_check_only_while_it_is_shown(qtbot, window):
    click_tab(qtbot, window.tabs, "Science")
    settle(qtbot, window)
    assert draw(qtbot, window, [(60, 60), (200, 220)]).parts == frozenset()
    flip_tab = window.science_panel.flip_tab
    click_tab(qtbot, window.science_panel.tabs, FLIP_PAGE)
    qtbot.waitUntil(lambda: flip_tab.flip_result() is not None
                    and np.array_equal(window.last_result().image, window.canvas.current_input())
                    and window.last_result().holds({p.FLIP_CHECKS}), timeout=TIMEOUT)
    assert flip_tab.flip_result().agrees and flip_tab.problem() == ""
    result = draw(qtbot, window, [(100, 40), (100, 240)])
    assert result.parts == {p.FLIP_CHECKS, p.GRADIENTS}, "while the page is shown every stroke carries its check"
    assert flip_tab.flip_result() is result.flip_checks.result(flip_tab.layer_combo.currentData())
    click_tab(qtbot, window.science_panel.tabs, "Spectra comparison")
    settle(qtbot, window)
    assert draw(qtbot, window, [(40, 100), (240, 100)]).parts == frozenset()


def test_a_tab_opened_while_a_stroke_is_on_its_way_shows_that_stroke(qtbot, window):
    window.canvas.stroke([(60, 200), (220, 60)])
    click_tab(qtbot, window.tabs, "Gradients")
    qtbot.waitUntil(lambda: shows_current_input(window, "Gradients"), timeout=TIMEOUT)
    qtbot.wait(200)
    assert shows_current_input(window, "Gradients"), "no older inspection replaced it"
    assert window.last_result().request_id == window.inspection.latest_request()


def test_export_all_completes_an_inspection_that_lacked_parts(qtbot, window, tmp_path):
    assert draw(qtbot, window, [(140, 40), (140, 240)]).parts == frozenset()
    index = window.export_all_to(str(tmp_path / "export"))
    names = {path.name for path in index.parent.iterdir()}
    assert {"spectra_conv2d.png", "gradients_conv2d.png", "saliency.png"} <= names
    assert window.last_result().holds(p.ALL_PARTS)
    with np.load(index.parent / "arrays.npz", allow_pickle=False) as arrays:
        np.testing.assert_allclose(arrays["feature-maps_conv2d"], full_inspection(window).feature_maps["conv2d"][0]
                                   .transpose(2, 0, 1), rtol=1e-5, atol=1e-6)


def test_a_stroke_on_the_spectra_page_transforms_the_layer_shown_and_the_others_when_chosen(qtbot, window):
    """Transforming every layer's maps took most of a stroke's inspection on a 64×64 colour model;
    the page shows one layer. Another layer chosen afterwards shows its own spectra all the same."""
    from cnnviz.core.spectra import magnitude_spectrum
    from tests.ui.viewers.helpers import choose_with_keys

    click_tab(qtbot, window.tabs, "Spectra")
    settle(qtbot, window)
    result = draw(qtbot, window, [(60, 60), (200, 220)])
    spectra = result.spectra.feature_maps
    shown = window.spectra_view.current_layer()
    assert shown == "conv2d"
    assert [name for name in spectra if spectra.is_ready(name)] == ["conv2d"]
    choose_with_keys(qtbot, window.spectra_view.layer_box(), "max_pooling2d")
    expected = np.moveaxis(magnitude_spectrum(result.feature_maps["max_pooling2d"][0]), -1, 0)
    np.testing.assert_allclose(window.spectra_view.spectra(), expected, rtol=1e-5, atol=1e-6)
    following = draw(qtbot, window, [(200, 60), (60, 220)])
    assert [name for name in following.spectra.feature_maps if following.spectra.feature_maps.is_ready(name)] == [
        "max_pooling2d", "dropout"]   # dropout passes the pooled maps on: the same spectra
