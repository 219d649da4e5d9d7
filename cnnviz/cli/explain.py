"""``cnnviz explain``: attribution maps of one input (gradient, Grad-CAM, Integrated Gradients ...)
written as figures over the input and as arrays, with the optional sanity checks' tables."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from cnnviz.cli.common import BUILT_IN_DATASETS, CommandError

ALL = "all"


def file_stem(method: str) -> str:
    """A file name for a method: ``grad-cam++`` -> ``grad-cam-plus-plus``, ``smoothgrad:x`` -> ``smoothgrad-x``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", method.replace("++", "-plus-plus")).strip("-")


def chosen_methods(values: list[str]) -> tuple[list[str], bool]:
    """The methods named by ``--method`` (repeated or comma-separated; ``all`` for every one), and
    whether they came from ``all`` (then a method the engine cannot compute is skipped, not an error)."""
    from cnnviz.science.attribution import METHOD_NAMES, check_method

    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    if ALL in names:
        return list(METHOD_NAMES), True
    for name in names:
        try:
            check_method(name)
        except ValueError:
            raise CommandError(f"Unknown method {name!r} for --method; choose from {', '.join(METHOD_NAMES)}, "
                               "smoothgrad:BASE (any of them as SmoothGrad's base) or all.") from None
    return list(dict.fromkeys(names)), False


def _settings(args: argparse.Namespace, engine) -> dict:
    settings = {"layer": args.layer, "steps": args.steps, "rule": args.rule, "num_samples": args.samples,
                "noise": args.noise, "seed": args.seed, "patch_size": args.patch, "stride": args.stride,
                "fill": args.fill, "blur_sigma": args.blur_sigma, "baseline": args.baseline}
    if args.baseline == "mean":
        from cnnviz.science.data import load_test_split

        settings["baseline"] = load_test_split(engine).images.mean(axis=0)
    return settings


def _command_explain(args: argparse.Namespace) -> int:
    import os

    import numpy as np

    from cnnviz.ui.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from cnnviz.cli.explain_figure import AttributionFigure
    from cnnviz.cli.inspection import check_out_folder, read_input
    from cnnviz.engines.registry import load_engine, resolve_model_path
    from cnnviz.science.attribution import AttributionUnavailable, explain
    from cnnviz.ui.app import quiet_qt_messages
    from cnnviz.ui.export import render_widget, write_text

    methods, everything = chosen_methods(args.method)
    out = Path(args.out)
    check_out_folder(out, args.overwrite, "explanation")
    engine = load_engine(resolve_model_path(args.model))
    image, label, source, conversion = read_input(engine, args)
    probabilities = engine.predict(image)[0]
    predicted = int(np.argmax(probabilities))
    if args.class_index is not None and not 0 <= args.class_index < len(probabilities):
        raise CommandError(f"--class must be in [0, {len(probabilities)}) for this model's "
                           f"{len(probabilities)} classes, received {args.class_index}.")
    print(f"input: {source}" + (f" ({conversion})" if conversion else ""))
    print(f"prediction: class {predicted} ({float(probabilities[predicted]):.1%})")
    settings = _settings(args, engine)
    quiet_qt_messages()
    app = QApplication.instance() or QApplication([])  # noqa: F841 - figures need a Qt application
    out.mkdir(parents=True, exist_ok=True)
    computed = []
    for method in methods:
        try:
            result = explain(engine, image, method, args.class_index, **settings)
        except AttributionUnavailable as error:
            if not everything:
                raise
            print(f"{method}: skipped: {error}")
            continue
        stem = file_stem(method)
        np.save(out / f"{stem}.npy", result.map)
        if result.channels is not None:
            np.save(out / f"{stem}_channels.npy", result.channels)
        figure = AttributionFigure(image[0], result, caption=f"input: {source}")
        path = render_widget(figure, out / f"{stem}.{args.format}", args.format, scale=2.0, title=result.title)
        figure.deleteLater()
        computed.append(method)
        print(f"{method}: class {result.class_index}, wrote {path.name} and {stem}.npy"
              + (f"; {result.notes}" if result.notes else ""))
    np.save(out / "input.npy", image[0])
    if args.sanity or args.label_randomization:
        _sanity(args, engine, image, computed, settings, out, write_text)
    return 0


def _sanity(args, engine, image, computed, settings, out: Path, write_text) -> None:
    """Run the sanity checks for the base methods behind ``computed`` and write their tables."""
    from cnnviz.science.attribution import cascading_randomization, label_randomization

    bases = list(dict.fromkeys(method.partition(":")[2] or "gradient" if method.startswith("smoothgrad") else method
                               for method in computed))
    if not bases:
        raise CommandError("No method was computed, so there is nothing to check; choose another --method.")
    settings = {key: value for key, value in settings.items() if key not in ("seed", "num_samples", "noise")}
    tables = []
    if args.sanity:
        tables.append(("cascading", cascading_randomization(engine, image, bases, seed=args.seed or 0, **settings)))
    if args.label_randomization:
        from cnnviz.science.data import load_test_split

        split = load_test_split(engine, count=512)
        tables.append(("labels", label_randomization(engine, image, split.images, split.labels, bases,
                                                     seed=args.seed or 0, **settings)))
    for name, table in tables:
        write_text(out / f"sanity_{name}.csv", table.to_csv())
        write_text(out / f"sanity_{name}.md", table.to_markdown())
        print(table.to_markdown())
        print(f"wrote sanity_{name}.csv and sanity_{name}.md")


def add_explain_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    explain = commands.add_parser(
        "explain", help="write attribution maps (gradient, Grad-CAM, Integrated Gradients ...) of one input",
        description="Open a model and write, for one input, attribution maps over the input (figures with a "
                    "colour scale and legend) and as .npy arrays; with --sanity, the sanity checks' table.")
    explain.add_argument("--model", required=True, metavar="RUN_DIR_OR_FILE",
                         help="a run folder from cnnviz train, or a .npz / .keras model file")
    source = explain.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", metavar="FILE", help="a picture of a digit or shape (any size, any polarity)")
    source.add_argument("--sample", type=int, metavar="N", help="test sample N of the model's dataset")
    explain.add_argument("--dataset", choices=BUILT_IN_DATASETS, help="dataset for --sample (default: the model's own)")
    explain.add_argument("--method", required=True, action="append", metavar="NAME",
                         help="gradient, gradient-x-input, guided-backprop, grad-cam, grad-cam++, smoothgrad "
                              "(or smoothgrad:BASE), integrated-gradients, occlusion, or all; repeat or separate "
                              "with commas for several")
    explain.add_argument("--layer", metavar="L", help="Grad-CAM's layer (default: the last convolution)")
    explain.add_argument("--class", dest="class_index", type=int, metavar="K",
                         help="the class explained (default: the predicted one)")
    explain.add_argument("--steps", type=int, help="Integrated Gradients: Riemann steps (default 64)")
    explain.add_argument("--rule", choices=("midpoint", "trapezoid"), help="Integrated Gradients: Riemann rule")
    explain.add_argument("--baseline", choices=("black", "blurred", "mean"),
                         help="Integrated Gradients: baseline (black, blurred input, or the test split's mean image)")
    explain.add_argument("--blur-sigma", type=float, help="the blurred baseline's Gaussian σ in pixels (default 5)")
    explain.add_argument("--samples", type=int, help="SmoothGrad: noisy copies (default 25)")
    explain.add_argument("--noise", type=float, help="SmoothGrad: noise σ as a fraction of the input range (0.15)")
    explain.add_argument("--seed", type=int, help="seeds SmoothGrad's noise and the sanity checks (default 0)")
    explain.add_argument("--patch", type=int, help="occlusion: patch side in pixels (default 4)")
    explain.add_argument("--stride", type=int, help="occlusion: patch step in pixels (default 2)")
    explain.add_argument("--fill", type=float, help="occlusion: the patch's value (default 0, black)")
    explain.add_argument("--sanity", action="store_true",
                         help="also run cascading model-parameter randomization; writes sanity_cascading.csv/.md")
    explain.add_argument("--label-randomization", action="store_true",
                         help="also train a copy briefly on shuffled labels (a few seconds); writes sanity_labels.*")
    explain.add_argument("--out", required=True, metavar="DIR", help="the folder to write into (new or empty)")
    explain.add_argument("--overwrite", action="store_true", help="write into a folder that already holds files")
    explain.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="figure format")
    explain.set_defaults(handler=_command_explain)
