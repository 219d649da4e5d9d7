"""The layer boxes of the grid viewers show each layer's branch (a model that branches and merges) and
describe the layer in a tooltip; the items' data stay the layer names."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import Qt

from cnnviz.core.config import reference_config
from cnnviz.core.layer_graph import GraphLayer, LayerGraph
from cnnviz.core.layer_spectra import inspection_spectra
from cnnviz.core.results import frozen
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.kernels import KernelsView
from cnnviz.ui.viewers.spectra import KERNELS, SpectraView
from tests.ui.viewers.helpers import choose_with_keys, make_result

BRANCH = "→ add input 1/2"


def result_with_graph():
    """The reference model's inspection, described as if its first convolution sat on a side path,
    plus a separable convolution's two kernels."""
    result = make_result(reference_config())
    rows = []
    previous = "input"
    for name in result.layer_names:
        shape = (None, *np.shape(result.feature_maps[name])[1:])
        rows.append(GraphLayer(name, "Layer", shape, 0, 0, (previous,), BRANCH if name == "conv2d" else ""))
        previous = name
    kernels = dict(result.kernels)
    rng = np.random.default_rng(0)
    kernels["conv2d:depthwise"] = frozen(rng.normal(size=(3, 3, 1, 4)).astype(np.float32))
    spectra = inspection_spectra(result.feature_maps, kernels, result.layer_names)
    return dataclasses.replace(result, kernels=kernels, spectra=spectra, layer_graph=LayerGraph(tuple(rows)))


def items(combo):
    return [(combo.itemText(index), combo.itemData(index), combo.itemData(index, Qt.ItemDataRole.ToolTipRole))
            for index in range(combo.count())]


def test_the_feature_map_box_shows_the_branch_and_keeps_the_names_as_data(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    result = result_with_graph()
    view.show_inspection(result)
    listed = items(view.layer_box())
    assert [data for _, data, _ in listed] == view.available_layers()
    text, data, tooltip = listed[0]
    assert data == "conv2d" and text.startswith("conv2d") and text.endswith(f"[{BRANCH}]")
    assert f"branch: {BRANCH}" in tooltip and "input: input" in tooltip
    assert all("[" not in text for text, _, _ in listed[1:]), "layers on the trunk show no branch"
    choose_with_keys(qtbot, view.layer_box(), "max_pooling2d")
    assert view.current_layer() == "max_pooling2d"


def test_kernel_boxes_list_a_layers_kernels_at_its_place_with_its_branch(qtbot):
    kernels, spectra = KernelsView(), SpectraView()
    for view in (kernels, spectra):
        qtbot.addWidget(view)
    result = result_with_graph()
    kernels.show_inspection(result)
    data = [item for _, item, _ in items(kernels.layer_box())]
    assert data[:2] == ["conv2d", "conv2d:depthwise"]
    labelled = [text for text, item, _ in items(kernels.layer_box()) if item.startswith("conv2d")]
    assert len(labelled) == 2 and all(text.endswith(f"[{BRANCH}]") for text in labelled)
    spectra.show_inspection(result)
    choose_with_keys(qtbot, spectra.source_combo(), KERNELS)
    assert [item for _, item, _ in items(spectra.layer_box())][:2] == ["conv2d", "conv2d:depthwise"]
    choose_with_keys(qtbot, spectra.layer_box(), "conv2d:depthwise")
    assert spectra.current_layer() == "conv2d:depthwise" and not spectra.is_showing_hint()


def test_a_result_without_a_graph_lists_plain_names(qtbot):
    view = FeatureMapsView()
    qtbot.addWidget(view)
    view.show_inspection(make_result(reference_config()))
    assert all("[" not in text and tooltip is None for text, _, tooltip in items(view.layer_box()))


def test_the_gradient_views_show_box_names_the_branch_of_a_layers_output(qtbot):
    from cnnviz.ui.viewers.gradients import GradientsView

    view = GradientsView()
    qtbot.addWidget(view)
    view.show_inspection(result_with_graph())
    combo = view._show_combo
    listed = {data: (text, tooltip) for text, data, tooltip in items(combo)}
    text, tooltip = listed["layer:conv2d"]
    assert text.endswith(f"[{BRANCH}]") and f"branch: {BRANCH}" in tooltip
    assert listed["input"][1] is None and "[" not in listed["layer:max_pooling2d"][0]
