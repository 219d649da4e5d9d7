"""``cnnviz embed``: the embedding projector without a window. A layer's activations for the test
images, projected to 2-D with PCA, written as arrays (``points.npy``, ``labels.npy``,
``predictions.npy``), one table (``embedding.csv``) and the scatter plot as a figure."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnnviz.cli.common import BUILT_IN_DATASETS


def embedding_csv(embedding) -> str:
    """One row per test image: its index, the two coordinates, true and predicted class (numbers and names)."""
    rows = ["index,pc1,pc2,label,prediction,label_name,prediction_name,correct"]
    for index, ((x, y), label, predicted) in enumerate(zip(embedding.points, embedding.labels,
                                                           embedding.predictions)):
        names = [embedding.class_name(int(label)), embedding.class_name(int(predicted))]
        quoted = ['"' + name.replace('"', '""') + '"' for name in names]
        rows.append(f"{index},{x:.6g},{y:.6g},{int(label)},{int(predicted)},{quoted[0]},{quoted[1]},"
                    f"{int(label == predicted)}")
    return "\n".join(rows) + "\n"


def _command_embed(args: argparse.Namespace) -> int:
    import os

    import numpy as np

    from cnnviz.ui.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from cnnviz.cli.inspection import check_out_folder
    from cnnviz.engines.registry import load_engine, resolve_model_path
    from cnnviz.science.embedding import embed
    from cnnviz.ui.app import quiet_qt_messages
    from cnnviz.ui.embedding.scatter import EmbeddingPlot
    from cnnviz.ui.export import render_widget, write_text

    out = Path(args.out)
    check_out_folder(out, args.overwrite, "embedding")
    engine = load_engine(resolve_model_path(args.model))
    embedding = embed(engine, layer=args.layer, samples=args.samples, dataset=args.dataset, data_dir=args.data_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("points", "labels", "predictions"):
        np.save(out / f"{name}.npy", np.asarray(getattr(embedding, name)))
    np.save(out / "explained_variance_ratio.npy", np.asarray(embedding.explained_variance_ratio))
    write_text(out / "embedding.csv", embedding_csv(embedding))
    quiet_qt_messages()
    app = QApplication.instance() or QApplication([])  # noqa: F841 - the figure needs a Qt application
    plot = EmbeddingPlot()
    plot.resize(720, 560)
    plot.show_embedding(embedding)
    ratio = embedding.explained_variance_ratio
    title = (f"{embedding.layer}: {len(embedding.labels)} test images of {embedding.dataset}, "
             f"{len(embedding.misclassified)} misclassified (ringed)")
    path = render_widget(plot, out / f"embedding.{args.format}", args.format, scale=2.0, title=title)
    plot.deleteLater()
    print(f"layer {embedding.layer}: {len(embedding.labels)} test images, accuracy {embedding.accuracy:.1%}; "
          f"PC 1 and 2 hold {100 * ratio[0]:.1f} % and {100 * ratio[1]:.1f} % of the variance")
    print(f"wrote points.npy, labels.npy, predictions.npy, explained_variance_ratio.npy, embedding.csv and "
          f"{path.name} to {out}")
    return 0


def add_embed_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    command = commands.add_parser(
        "embed", help="project a layer's activations for the test images to 2-D (PCA) and plot them",
        description="Open a model, compute a layer's activations (by default the layer feeding the last) for the "
                    "first test images of its dataset, project them to 2-D with PCA and write the points, labels "
                    "and predictions (.npy and embedding.csv) and the scatter plot coloured by class.")
    command.add_argument("--model", required=True, metavar="RUN_DIR_OR_FILE",
                         help="a run folder from cnnviz train, or a .npz / .keras model file")
    command.add_argument("--layer", metavar="L", help="the layer projected (default: the one feeding the last)")
    command.add_argument("--samples", type=int, default=1000, metavar="N",
                         help="how many test images, from the start of the split (default 1000)")
    command.add_argument("--dataset", choices=BUILT_IN_DATASETS, help="the dataset (default: the model's own)")
    command.add_argument("--data-dir", metavar="DIR", help="a folder with MNIST or Fashion-MNIST IDX files")
    command.add_argument("--out", required=True, metavar="DIR", help="the folder to write into (new or empty)")
    command.add_argument("--overwrite", action="store_true", help="write into a folder that already holds files")
    command.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="figure format")
    command.set_defaults(handler=_command_embed)
