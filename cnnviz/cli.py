"""The ``cnnviz`` command line: the desktop application without a command, and ``summary``,
``data``, ``train``, ``inspect``, ``experiment``, ``bench`` and the science commands
(:mod:`cnnviz.cli_science`); every command has ``--help``.

Commands import what they need when they run, so ``cnnviz --help`` stays fast
and never loads Qt or TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from cnnviz import __version__


class CommandError(Exception):
    """A user-facing failure: printed as one readable line, exit status 2."""


def _load_config(path: str | None):
    from cnnviz.core.config import ModelConfig, reference_config
    from cnnviz.core.validation import validate

    config = reference_config() if path is None else ModelConfig.load(path)
    return validate(config)


def _command_summary(args: argparse.Namespace) -> int:
    from cnnviz.core.summary import summarize

    summary = summarize(_load_config(args.config))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        title = args.config or "the default model (the report's reference CNN)"
        print(f"Model: {title}")
        print(summary.to_text())
    return 0


def _command_data(args: argparse.Namespace) -> int:
    from cnnviz.core.datasets import DatasetUnavailableError, list_datasets, load_dataset

    if args.download:
        for info in list_datasets(data_dir=args.data_dir):
            if info.name in ("mnist", "fashion-mnist") and not info.available:
                try:
                    load_dataset(info.name, "test", data_dir=args.data_dir, allow_download=True)
                except DatasetUnavailableError as error:
                    print(f"{info.name}: download failed. {error}", file=sys.stderr)
    infos = list_datasets(data_dir=args.data_dir)
    if args.json:
        print(json.dumps([info.__dict__ for info in infos], indent=2))
        return 0
    for info in infos:
        if info.available:
            sizes = f"{info.num_train:,} train / {info.num_test:,} test"
            print(f"{info.name:<14} available    {sizes:<26} {info.source}")
        else:
            reason = info.source.replace("\n", "\n" + " " * 15)
            print(f"{info.name:<14} unavailable  {reason}")
        print(f"{'':<14} {info.description}")
    return 0


def _command_train(args: argparse.Namespace) -> int:
    import time

    from cnnviz.core.results import EpochResult
    from cnnviz.core.runs import RunDirectory
    from cnnviz.core.training_data import prepare_training_data
    from cnnviz.core.validation import validate
    from cnnviz.engines.registry import create_engine
    from cnnviz.progress import ProgressBar
    from cnnviz.service.runner import RecordingStopped, train_run

    config = _load_config(args.config)
    overrides = {name: getattr(args, name) for name in
                 ("dataset", "epochs", "batch_size", "learning_rate", "optimizer", "seed",
                  "train_subset", "validation_split") if getattr(args, name) is not None}
    config = validate(config.with_training(**overrides))
    training = config.training
    data = prepare_training_data(training, data_dir=args.data_dir, allow_download=args.download)
    engine = create_engine(args.engine, config)
    run = RunDirectory(args.out) if args.out else RunDirectory.create(None, args.engine, training.dataset)
    if not args.json:
        print(f"Training {args.engine} engine on {training.dataset} ({len(data.train_labels):,} train, "
              f"{len(data.val_labels):,} validation, {len(data.test_labels):,} test images) for "
              f"{training.epochs} epoch(s); run folder {run.path}", file=sys.stderr)
    progress = ProgressBar(training.epochs, stream=sys.stderr)
    start = time.perf_counter()
    last_epoch = None
    for result in train_run(engine, data, run, epochs=training.epochs, batch_size=training.batch_size,
                            seed=training.seed):
        if isinstance(result, RecordingStopped):
            print(f"\nwarning: {result.message}", file=sys.stderr)
        elif isinstance(result, EpochResult):
            last_epoch = result
            if args.json:
                print(json.dumps({"event": "epoch", **result.__dict__}), flush=True)
            else:
                progress.epoch(result)
        elif not args.json:
            progress.step(result)
    train_loss, train_accuracy = engine.evaluate(data.train_images, data.train_labels)
    test_loss, test_accuracy = engine.evaluate(data.test_images, data.test_labels)
    final = {"train_loss": train_loss, "train_accuracy": train_accuracy, "test_loss": test_loss,
             "test_accuracy": test_accuracy, "epochs": training.epochs,
             "seconds": round(time.perf_counter() - start, 3), "run_dir": str(run.path)}
    try:
        run.update_info(status="finished", **{key: value for key, value in final.items() if key != "run_dir"},
                        last_epoch=last_epoch.__dict__ if last_epoch else None)
    except OSError as error:
        print(f"warning: could not write {run.path / 'run.json'}: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps({"event": "finished", **final}))
    else:
        print(f"final training accuracy {train_accuracy:.4f} (loss {train_loss:.4f}); "
              f"test accuracy {test_accuracy:.4f} (loss {test_loss:.4f})")
        print("(the epoch lines average the batches while learning, with dropout on; the final figures "
              "evaluate the trained model on every image, without dropout)")
        print(f"run folder: {run.path}")
    return 0


def _command_inspect(args: argparse.Namespace) -> int:
    import os

    import numpy as np

    from cnnviz.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import preprocess_batch, preprocess_image
    from cnnviz.engines.registry import load_engine, resolve_model_path
    from cnnviz.service.inspection import run_inspection
    from cnnviz.ui.export import export_all
    from cnnviz.ui.images import read_image_file

    engine = load_engine(resolve_model_path(args.model))
    label = None
    if args.image:
        image = preprocess_image(read_image_file(args.image)).input
        source = args.image
    else:
        dataset_name = args.dataset or (engine.config.training.dataset if engine.config else "mnist-sample")
        dataset = load_dataset(dataset_name, "test")
        if not 0 <= args.sample < len(dataset):
            raise CommandError(f"--sample must be in [0, {len(dataset)}) for the {dataset_name} test split, "
                               f"received {args.sample}.")
        image = preprocess_batch(dataset.images[args.sample:args.sample + 1])
        label = int(dataset.labels[args.sample])
        source = f"{dataset_name} test sample {args.sample} (label {dataset.class_names[label]})"
    result = run_inspection(engine, image, label=label, class_index=args.class_index)
    from cnnviz.app import quiet_qt_messages

    quiet_qt_messages()
    app = QApplication.instance() or QApplication([])  # noqa: F841 - figures need a Qt application
    index = export_all(result, args.out, args.format)
    predicted = int(np.argmax(result.probabilities))
    print(f"input: {source}")
    print(f"prediction: class {predicted} ({float(result.probabilities[predicted]):.1%})")
    print(f"wrote {sum(1 for _ in index.parent.iterdir())} files to {index.parent} (open {index.name})")
    return 0


def _command_experiment(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from cnnviz.core.experiments import (
        PRESETS, ExperimentSpec, RunOutcome, expand, outcomes_csv, parse_sweep, report_markdown,
    )
    from cnnviz.core.training_data import prepare_training_data
    from cnnviz.engines.registry import create_engine
    from cnnviz.service.runner import ExperimentStep, run_experiment

    if args.preset and args.sweep:
        raise CommandError("Give either --preset or --sweep, not both.")
    names = (list(PRESETS) if args.preset == "report" else [args.preset]) if args.preset else ["custom"]
    results = {}
    out = Path(args.out) if args.out else None
    for name in names:
        if name == "custom":
            if not args.sweep:
                raise CommandError("Name what to sweep: --preset NAME, or --sweep setting=v1,v2 (once or twice).")
            spec = ExperimentSpec("custom", _load_config(args.config), tuple(parse_sweep(text) for text in args.sweep))
        else:
            spec = PRESETS[name]
        overrides = {key: value for key, value in (("epochs", args.epochs), ("train_subset", args.train_subset),
                                                   ("dataset", args.dataset)) if value is not None}
        if overrides:
            spec = replace(spec, base=spec.base.with_training(**overrides))
        runs = expand(spec)
        print(f"experiment {name}: {len(runs)} runs on the {args.engine} engine "
              f"({spec.base.training.dataset}, {spec.base.training.epochs} epoch(s) each)", file=sys.stderr)
        outcomes = []
        events = run_experiment(runs, lambda config: create_engine(args.engine, config),
                                lambda training: prepare_training_data(training),
                                run_root=(out / "runs") if out else None)
        for event in events:
            if isinstance(event, RunOutcome):
                outcomes.append(event)
                test = "—" if event.test_accuracy is None else f"{event.test_accuracy:.2%}"
                print(f"  {event.run.label:<32} train {event.train_accuracy:.2%}  test {test}  "
                      f"loss {event.final_loss if event.final_loss is not None else float('nan'):.4f}  "
                      f"{event.seconds:.1f} s" + ("  DIVERGED" if event.diverged else ""), flush=True)
            elif isinstance(event, ExperimentStep) and not args.quiet and sys.stderr.isatty():
                step = event.step
                print(f"\r  run {event.run_index + 1}/{len(runs)} epoch {step.epoch + 1} batch {step.batch + 1}/"
                      f"{step.num_batches} loss {step.loss:.4f}   ", end="", file=sys.stderr, flush=True)
        results[name] = outcomes
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name.replace(' ', '-')}.csv").write_text(outcomes_csv(outcomes), encoding="utf-8")
    if out:
        (out / "report.md").write_text(report_markdown(results) + "\n", encoding="utf-8")
        print(f"wrote the results and report.md to {out}")
    return 0


def _command_bench(args: argparse.Namespace) -> int:
    from cnnviz.bench import run

    results = run(args.benchmarks or ["speed", "accuracy", "fashion", "latency", "ui"], quick=args.quick,
                  out=lambda line: print(line, flush=True))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="cnnviz",
        description="Build, train and look inside small convolutional networks. "
                    "Without a command, opens the desktop application.",
    )
    parser.add_argument("--version", action="version", version=f"cnnviz {__version__}")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="open the application with the bundled model and a sample digit, write a PNG "
                             "of the window and exit (works without a display); with --all, FILE is a "
                             "folder that gets one PNG per tab and sub-tab")
    parser.add_argument("--all", action="store_true",
                        help="with --screenshot DIR: train briefly, run every analysis and write every page")
    parser.add_argument("--size", metavar="WxH", help="the window's size for --screenshot, e.g. 1366x768")
    parser.add_argument("--settings", metavar="FILE", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print the layer table of a model configuration",
        description="Print each layer's name, output shape and parameter count, with totals, "
                    "computed from the configuration alone (Keras's numbers).")
    summary.add_argument("--config", metavar="FILE",
                         help="a model configuration in JSON (default: the report's reference model)")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    summary.set_defaults(handler=_command_summary)

    data = commands.add_parser(
        "data", help="list the datasets and where each was found",
        description="List every dataset, its size and where it was found, or what was tried and "
                    "how to get it.")
    data.add_argument("--data-dir", metavar="DIR",
                      help="a folder holding MNIST or Fashion-MNIST IDX files "
                           "(train-images-idx3-ubyte[.gz] ...)")
    data.add_argument("--download", action="store_true",
                      help="download full MNIST and Fashion-MNIST into the Keras cache when missing "
                           "(needs a network connection)")
    data.add_argument("--json", action="store_true", help="print the list as JSON")
    data.set_defaults(handler=_command_data)

    train = commands.add_parser(
        "train", help="train a model and write a run folder",
        description="Train a model (default: the report's reference CNN) with the chosen engine, "
                    "showing progress, and write a run folder with the configuration, the per-batch "
                    "and per-epoch history (CSV), checkpoints and the final weights. Options given "
                    "here override the configuration file's training settings.")
    train.add_argument("--engine", choices=("numpy", "keras"), default="numpy", help="engine (default numpy)")
    train.add_argument("--config", metavar="FILE", help="a model configuration in JSON")
    train.add_argument("--dataset", choices=("mnist-sample", "mnist", "fashion-mnist", "shapes"))
    train.add_argument("--epochs", type=int, metavar="N")
    train.add_argument("--batch-size", type=int, metavar="N")
    train.add_argument("--learning-rate", type=float, metavar="LR")
    train.add_argument("--optimizer", choices=("sgd", "momentum", "adam"))
    train.add_argument("--seed", type=int)
    train.add_argument("--train-subset", type=int, metavar="N", help="train on the first N images only")
    train.add_argument("--validation-split", type=float, metavar="F",
                       help="fraction of the training images held out for validation")
    train.add_argument("--data-dir", metavar="DIR", help="a folder holding MNIST or Fashion-MNIST IDX files")
    train.add_argument("--download", action="store_true",
                       help="download full MNIST or Fashion-MNIST when missing (needs a network)")
    train.add_argument("--out", metavar="DIR",
                       help="the run folder (default: a new folder under the user data folder's runs/)")
    train.add_argument("--json", action="store_true",
                       help="print one JSON object per epoch and a final one, instead of a progress bar")
    train.set_defaults(handler=_command_train)

    inspect = commands.add_parser(
        "inspect", help="write every layer's feature maps, kernels, spectra and gradients for one input",
        description="Open a model, run one input through it and write every layer's feature maps, "
                    "kernels, spectra and gradients as figures, with the arrays and an index page.")
    inspect.add_argument("--model", required=True, metavar="RUN_DIR_OR_FILE",
                         help="a run folder from cnnviz train, or a .npz / .keras model file")
    source = inspect.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", metavar="FILE", help="a picture of a digit or shape (any size, any polarity)")
    source.add_argument("--sample", type=int, metavar="N", help="test sample N of the model's dataset")
    inspect.add_argument("--dataset", choices=("mnist-sample", "mnist", "fashion-mnist", "shapes"),
                         help="dataset for --sample (default: the model's own)")
    inspect.add_argument("--class", dest="class_index", type=int, metavar="K",
                         help="gradients of class K's score instead of the loss")
    inspect.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    inspect.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="figure format")
    inspect.set_defaults(handler=_command_inspect)

    experiment = commands.add_parser(
        "experiment", help="sweep one or two settings and compare the runs",
        description="Train one run per combination of values and print a results table (training and "
                    "test accuracy, final loss, time, diverged). --preset report runs the report's "
                    "§3.2.1 experiments and, with --out, writes report.md placing our table beside the "
                    "report's numbers.")
    experiment.add_argument("--preset", choices=["report", "hidden units", "learning rate", "initialization"],
                            help="a preset (quote names with spaces); 'report' runs all three")
    experiment.add_argument("--sweep", action="append", metavar="SETTING=V1,V2",
                            help="e.g. training.learning_rate=0.005,0.05,0.7 or layers.dense.units=50,100 "
                                 "(once or twice)")
    experiment.add_argument("--config", metavar="FILE", help="base configuration for --sweep")
    experiment.add_argument("--engine", choices=("numpy", "keras"), default="numpy")
    experiment.add_argument("--epochs", type=int, metavar="N", help="epochs per run")
    experiment.add_argument("--train-subset", type=int, metavar="N", help="training images per run")
    experiment.add_argument("--dataset", choices=("mnist-sample", "mnist", "fashion-mnist", "shapes"))
    experiment.add_argument("--out", metavar="DIR", help="write CSV tables, report.md and the runs' folders here")
    experiment.add_argument("--quiet", action="store_true", help="no per-batch progress line")
    experiment.set_defaults(handler=_command_experiment)

    from cnnviz.cli_science import add_science_commands

    add_science_commands(commands)

    bench = commands.add_parser(
        "bench", help="compare the engines' speed, accuracy and inspection latency",
        description="Run benchmarks side by side in one process and print ratios: training speed "
                    "(one epoch of 60,000 images at batch 128, NumPy engine vs Keras, alternating), "
                    "accuracy on the bundled sample, accuracy on Fashion-MNIST, and inspection latency.")
    bench.add_argument("benchmarks", nargs="*", choices=["speed", "accuracy", "fashion", "latency", "ui", []],
                       metavar="NAME", help="speed, accuracy, fashion, latency, ui (default: all)")
    bench.add_argument("--quick", action="store_true", help="a short smoke run with small sizes")
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.set_defaults(handler=_command_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from cnnviz.app import parse_size, run_app

        if (args.all or args.size) and not args.screenshot:
            parser.error("--all and --size go with --screenshot: cnnviz --screenshot DIR --all --size 1366x768")
        try:
            size = parse_size(args.size) if args.size else None
        except ValueError as error:
            parser.error(str(error))
        return run_app(screenshot=args.screenshot, settings_file=args.settings, all_pages=args.all, size=size)
    try:
        return args.handler(args)
    except (ValueError, OSError, RuntimeError, CommandError) as error:
        # ConfigError, dataset and file errors carry a message written for the user.
        print(f"cnnviz {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cnnviz {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
