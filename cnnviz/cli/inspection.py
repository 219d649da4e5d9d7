"""``cnnviz inspect``: one input through a model, every layer's figures and arrays written to a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnnviz.cli.common import BUILT_IN_DATASETS, CommandError


def _command_inspect(args: argparse.Namespace) -> int:
    import os

    import numpy as np

    from cnnviz.ui.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from cnnviz.engines.registry import load_engine, resolve_model_path
    from cnnviz.service.inspection import run_inspection
    from cnnviz.ui.export import export_all

    out = Path(args.out)
    check_out_folder(out, args.overwrite, "inspection")
    before = _file_stamps(out)
    engine = load_engine(resolve_model_path(args.model))
    image, label, source, conversion = read_input(engine, args)
    result = run_inspection(engine, image, label=label, class_index=args.class_index)
    from cnnviz.ui.app import quiet_qt_messages

    quiet_qt_messages()
    app = QApplication.instance() or QApplication([])  # noqa: F841 - figures need a Qt application
    try:
        index = export_all(result, args.out, args.format)
    except OSError as error:
        from cnnviz.core.run_files import describe_os_error

        where = error.filename or args.out
        raise CommandError(f"Could not write {where}: {describe_os_error(error)}. Free some space or choose "
                           "another folder (--out DIR).") from None
    after = _file_stamps(out)
    written = sum(1 for name, stamp in after.items() if before.get(name) != stamp)
    predicted = int(np.argmax(result.probabilities))
    print(f"input: {source}" + (f" ({conversion})" if conversion else ""))
    print(f"prediction: class {predicted} ({float(result.probabilities[predicted]):.1%})")
    print(f"wrote {written} files to {index.parent} (open {index.name})")
    return 0


def read_input(engine, args: argparse.Namespace):
    """The input ``--image FILE`` or ``--sample N`` (of ``--dataset``, default the model's own) names, ready
    for ``engine``: ``(image (1, h, w, c), label or None, a description of the source, the conversion made)``."""
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import fit_batch, picture_input
    from cnnviz.ui.images import read_image_file

    if args.image:
        prepared = picture_input(read_image_file(args.image), engine.input_shape)
        return prepared.input, None, args.image, prepared.conversion
    dataset_name = args.dataset or (engine.config.training.dataset if engine.config else "mnist-sample")
    dataset = load_dataset(dataset_name, "test", image_shape=engine.input_shape)
    if not 0 <= args.sample < len(dataset):
        raise CommandError(f"--sample must be in [0, {len(dataset)}) for the {dataset_name} test split, "
                           f"received {args.sample}.")
    image, conversion = fit_batch(dataset.images[args.sample:args.sample + 1], engine.input_shape)
    label = int(dataset.labels[args.sample])
    return image, label, f"{dataset_name} test sample {args.sample} (label {dataset.class_names[label]})", conversion


def check_out_folder(out: Path, overwrite: bool, what: str) -> None:
    """Refuse a folder that already holds files unless ``overwrite``."""
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise CommandError(f"The folder {out} is not empty; its files would be mixed with (or replaced by) this "
                           f"{what}'s. Choose an empty or new folder, or add --overwrite to write into it.")


def _file_stamps(folder: Path) -> dict[str, int]:
    """Each file's name and modification time (ns), to tell the files a command wrote from those it found."""
    if not folder.is_dir():
        return {}
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir() if path.is_file()}


def add_inspect_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    inspect = commands.add_parser(
        "inspect", help="write every layer's feature maps, kernels, spectra and gradients for one input",
        description="Open a model, run one input through it and write every layer's feature maps, "
                    "kernels, spectra and gradients as figures, with the arrays and an index page.")
    inspect.add_argument("--model", required=True, metavar="RUN_DIR_OR_FILE",
                         help="a run folder from cnnviz train, or a .npz / .keras model file")
    source = inspect.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", metavar="FILE", help="a picture of a digit or shape (any size, any polarity)")
    source.add_argument("--sample", type=int, metavar="N", help="test sample N of the model's dataset")
    inspect.add_argument("--dataset", choices=BUILT_IN_DATASETS,
                         help="dataset for --sample (default: the model's own)")
    inspect.add_argument("--class", dest="class_index", type=int, metavar="K",
                         help="gradients of class K's score instead of the loss")
    inspect.add_argument("--out", required=True, metavar="DIR",
                         help="the folder to write into (new or empty, unless --overwrite)")
    inspect.add_argument("--overwrite", action="store_true",
                         help="write into a folder that already holds files, replacing those of the same names")
    inspect.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="figure format")
    inspect.set_defaults(handler=_command_inspect)
