"""The summary box shows a model opened from a file (no configuration) from the summary the service sends."""

from cnnviz.core.layer_graph import GraphLayer, LayerGraph
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
