"""``cnnviz experiment``: sweep one or two settings, train a run per combination and compare them."""

from __future__ import annotations

import argparse
import sys

from cnnviz.cli.common import CommandError, load_config


def parse_input_shape(text: str) -> tuple[int, int, int]:
    """``"HxWxC"`` (C = 1 grey or 3 colour) as ``(height, width, channels)``."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        shape = tuple(int(part) for part in parts)
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) <= 0 or shape[2] not in (1, 3):
        raise CommandError(f"--input-shape takes HEIGHTxWIDTHxCHANNELS with 1 (grey) or 3 (colour) channels, "
                           f"e.g. 28x28x1 or 64x48x3; received {text!r}.")
    return shape


def _command_experiment(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from cnnviz.core.datasets.image_folder import scan_image_folder
    from cnnviz.core.datasets.registry import is_image_folder_name
    from cnnviz.core.experiments import (
        PRESET_GROUPS,
        PRESETS,
        ExperimentSpec,
        RunOutcome,
        expand,
        outcomes_csv,
        parse_sweep,
        report_markdown,
        with_data,
    )
    from cnnviz.core.training_data import check_classes_fit, output_units, prepare_training_data
    from cnnviz.core.validation import find_problems
    from cnnviz.engines.registry import create_engine
    from cnnviz.service.runner import ExperimentStep, run_experiment

    if args.preset and args.sweep:
        raise CommandError("Give either --preset or --sweep, not both.")
    # The runs' input shape: --input-shape, else the configuration's (--config), else each preset's own.
    input_shape = parse_input_shape(args.input_shape) if args.input_shape else (
        load_config(args.config).input_shape if args.config else None)
    names = list(PRESET_GROUPS.get(args.preset, [args.preset])) if args.preset else ["custom"]
    results = {}
    out = Path(args.out) if args.out else None
    for name in names:
        if name == "custom":
            if not args.sweep:
                raise CommandError("Name what to sweep: --preset NAME, or --sweep setting=v1,v2 (once or twice).")
            spec = ExperimentSpec("custom", load_config(args.config), tuple(parse_sweep(text) for text in args.sweep))
        else:
            spec = PRESETS[name]
        overrides = {key: value for key, value in (("epochs", args.epochs), ("train_subset", args.train_subset),
                                                   ("iterations", args.iterations)) if value is not None}
        if args.epochs is not None and args.iterations is None:
            overrides["iterations"] = None  # epochs asked for: the run trains by epochs
        if overrides:
            spec = replace(spec, base=spec.base.with_training(**overrides))
        spec = with_data(spec, args.dataset, input_shape)
        problems = find_problems(spec.base)
        if problems:
            raise CommandError(f"The experiment's base model does not fit its input: {problems[0].message}")
        if is_image_folder_name(spec.base.training.dataset):
            check_classes_fit(spec.base.training.dataset, scan_image_folder(spec.base.training.dataset).class_names,
                              output_units(spec.base))
        shape = "×".join(map(str, spec.base.input_shape))
        runs = expand(spec)
        print(f"experiment {name}: {len(runs)} runs on the {args.engine} engine "
              f"({spec.base.training.dataset} at {shape}, {_length(spec.base.training)} each)", file=sys.stderr)
        outcomes = []
        events = run_experiment(runs, lambda config: create_engine(args.engine, config),
                                lambda training, input_shape, num_outputs: prepare_training_data(
                                    training, input_shape=input_shape, num_outputs=num_outputs),
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
            (out / f"{name.replace(':', '').replace(' ', '-')}.csv").write_text(outcomes_csv(outcomes),
                                                                                 encoding="utf-8")
    if out:
        (out / "report.md").write_text(report_markdown(results) + "\n", encoding="utf-8")
        print(f"wrote the results and report.md to {out}")
    return 0


def _length(training) -> str:
    """How long each run trains: epochs, or iterations (of the full batch)."""
    if training.iterations is None:
        return f"{training.epochs} epoch(s)"
    return f"{training.iterations:,} iteration(s)" + (" of the full batch" if training.full_batch else "")


def add_experiment_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    experiment = commands.add_parser(
        "experiment", help="sweep one or two settings and compare the runs",
        description="Train one run per combination of values and print a results table (training and "
                    "test accuracy, final loss, time, diverged). --preset report runs the report's "
                    "§3.2.1 experiments on the reference CNN, --preset report-network on the report's own "
                    "784-100-10 network (full-batch gradient descent, 1,500 iterations), and, with --out, "
                    "writes report.md placing our table beside the report's numbers.")
    from cnnviz.core.experiments import PRESET_GROUPS, PRESETS

    experiment.add_argument("--preset", choices=[*PRESET_GROUPS, *PRESETS],
                            help="a preset (quote names with spaces); 'report' runs the three on the reference "
                                 "CNN, 'report-network' the three on the report's own 784-100-10 network "
                                 "(full-batch gradient descent, 1,500 iterations)")
    experiment.add_argument("--sweep", action="append", metavar="SETTING=V1,V2",
                            help="e.g. training.learning_rate=0.005,0.05,0.7 or layers.dense.units=50,100 "
                                 "(once or twice)")
    experiment.add_argument("--config", metavar="FILE", help="base configuration for --sweep")
    experiment.add_argument("--engine", choices=("numpy", "keras"), default="numpy")
    experiment.add_argument("--epochs", type=int, metavar="N", help="epochs per run")
    experiment.add_argument("--iterations", type=int, metavar="N",
                            help="steps (batches) per run instead of epochs; a full-batch preset's iteration "
                                 "is one epoch")
    experiment.add_argument("--train-subset", type=int, metavar="N", help="training images per run")
    experiment.add_argument("--dataset", metavar="NAME|FOLDER",
                            help="mnist-sample, mnist, fashion-mnist, shapes, shapes-colour, cifar10, or a folder "
                                 "with one sub-folder of pictures per class (read at the runs' input shape)")
    experiment.add_argument("--input-shape", metavar="HxWxC",
                            help="the runs' input shape, e.g. 64x64x3 (default: --config's input_shape, else "
                                 "each preset's 28x28x1); datasets of another shape are fitted to it")
    experiment.add_argument("--out", metavar="DIR", help="write CSV tables, report.md and the runs' folders here")
    experiment.add_argument("--quiet", action="store_true", help="no per-batch progress line")
    experiment.set_defaults(handler=_command_experiment)
