"""The summary box shows a model opened from a file (no configuration) from the summary the service sends."""

from cnnviz.core.layer_graph import POINTWISE, WHOLE, GraphLayer, LayerGraph, LayerWindow
from cnnviz.core.summary import graph_summary
from cnnviz.ui.model.summary_box import SummaryBox


def test_a_foreign_graph_models_summary_fills_the_table(qtbot):
    box = SummaryBox()
    qtbot.addWidget(box)
    graph = LayerGraph((
        GraphLayer("base/conv", "Conv2D", (None, 8, 8, 4), 112, 0, ("input",), "in base"),
        GraphLayer("base/add", "Add", (None, 8, 8, 4), 0, 0, ("base/conv", "input"), "in base"),
        GraphLayer("dense", "Dense", (None, 3), 771, 771, ("base/add",)),
    ))
    box.show_model_summary(graph_summary(graph))
    assert box.table.rowCount() == 3
    assert [box.table.item(row, 0).text() for row in range(3)] == ["base/conv (Conv2D)", "base/add (Add)",
                                                                   "dense (Dense)"]
    assert box.table.item(0, 1).text() == "(None, 8, 8, 4)" and box.table.item(2, 2).text() == "771"
    assert box.total_label.text() == "Total params: 883 (771 trainable, 112 non-trainable)"


def test_a_graph_models_receptive_fields_follow_its_branches(qtbot):
    box = SummaryBox()
    qtbot.addWidget(box)
    graph = LayerGraph((
        GraphLayer("conv", "Conv2D", (None, 10, 8, 4), 112, 112, ("input",),
                   window=LayerWindow("window", (3, 3), padding="same")),
        GraphLayer("wide", "Conv2D", (None, 10, 8, 4), 148, 148, ("conv",),
                   window=LayerWindow("window", (5, 3), padding="same")),
        GraphLayer("add", "Add", (None, 10, 8, 4), 0, 0, ("conv", "wide"), window=POINTWISE),
        GraphLayer("pool", "MaxPooling2D", (None, 5, 4, 4), 0, 0, ("add",),
                   window=LayerWindow("window", (2, 2), (2, 2))),
        GraphLayer("odd", "UpSampling2D", (None, 10, 8, 4), 0, 0, ("pool",)),
        GraphLayer("dense", "Dense", (None, 3), 771, 771, ("pool",), window=WHOLE),
    ))
    box.show_model_summary(graph_summary(graph, (10, 8, 1)))
    # conv 3×3; wide 3 + 4 rows, 3 + 2 columns; the Add joins both: 7×5; pooling adds one jump: 8×6, jump 2.
    assert [box.table.item(row, 3).text() for row in range(6)] == [
        "3×3, jump 1×1", "7×5, jump 1×1", "7×5, jump 1×1", "8×6, jump 2×2", "—", "whole input"]
