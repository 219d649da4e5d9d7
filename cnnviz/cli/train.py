"""``cnnviz train``: train a model with progress on the terminal and write a run folder.

The run folder is owned (locked) for the whole run, so a second ``cnnviz train`` into it is
refused; an existing run is never overwritten unless ``--overwrite`` says so, and ``--resume``
continues one from its last complete epoch. Ctrl-C and SIGTERM end the run as ``interrupted``
(resumable); a file that cannot be written ends it with a message naming the file and the cause.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cnnviz.cli.common import CommandError, load_config

if TYPE_CHECKING:
    from cnnviz.core.config import ModelConfig
    from cnnviz.core.runs import RunDirectory

_TRAINING_OPTIONS = ("dataset", "batch_size", "learning_rate", "optimizer", "seed", "train_subset",
                     "validation_split")
"""Options that change how a run trains: a resumed run keeps its own."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: ends the run like Ctrl-C does, between two statements."""


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` (Ctrl-C raises KeyboardInterrupt anyway)."""

    def handler(signum, frame) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _resume_setup(args: argparse.Namespace) -> tuple[ModelConfig, str, int | None]:
    """The run's configuration, engine and the epochs to reach, for ``--resume``."""
    from cnnviz.core.runs import RunInfo

    given = [f"--{name.replace('_', '-')}" for name in (*_TRAINING_OPTIONS, "config")
             if getattr(args, name) is not None]
    if given:
        raise CommandError(f"--resume continues the run with its own settings, so {', '.join(given)} cannot be "
                           "given with it; only --epochs N (the total number of epochs to reach).")
    if args.out:
        raise CommandError("--resume names the run folder to continue; leave out --out.")
    run = RunInfo(args.resume)
    config = run.config()
    if config is None:
        raise CommandError(f"There is no run to resume in {args.resume} (no readable config.json). cnnviz runs "
                           "lists the run folders.")
    engine = run.engine if run.engine in ("numpy", "keras") else "numpy"
    if args.engine is not None and args.engine != engine:
        raise CommandError(f"The run {args.resume} was trained with the {engine} engine; resume it with that "
                           "engine (leave out --engine).")
    planned = run.info.get("epochs_planned")
    return config, engine, args.epochs if args.epochs is not None else (
        planned if isinstance(planned, int) else None)


def _open_run(args: argparse.Namespace, engine: str, dataset: str) -> RunDirectory:
    from cnnviz.core.datasets.registry import dataset_label
    from cnnviz.core.runs import RunDirectory

    if args.resume:
        return RunDirectory(args.resume, mode="resume", command="cnnviz train --resume")
    if args.out:
        return RunDirectory(args.out, mode="overwrite" if args.overwrite else "new", command="cnnviz train")
    return RunDirectory.create(None, engine, dataset_label(dataset), command="cnnviz train")


def _check_devices(args: argparse.Namespace, engine_name: str) -> None:
    """Refuse a malformed device request, or one for the NumPy engine, before a run folder is made."""
    from cnnviz.engines.devices import DEVICES_VARIABLE, requested_devices

    if engine_name != "keras":
        if args.devices is not None:
            raise CommandError("--devices chooses the Keras engine's devices; give --engine keras with it (the "
                               "NumPy engine computes on the CPU).")
        return
    try:
        requested_devices(args.devices)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.devices is not None:
        # TensorFlow, imported with the engine, reads settings that depend on the request then.
        os.environ[DEVICES_VARIABLE] = str(args.devices)


def _check_folder_classes(config: ModelConfig) -> None:
    """Refuse an image folder whose classes do not fit the model before a run folder is made (its
    sub-folders are listed, no picture is read); built-in datasets were checked by validation."""
    from cnnviz.core.datasets.image_folder import scan_image_folder
    from cnnviz.core.datasets.registry import is_image_folder_name
    from cnnviz.core.training_data import check_classes_fit, output_units

    dataset = config.training.dataset
    if is_image_folder_name(dataset):
        check_classes_fit(dataset, scan_image_folder(dataset).class_names, output_units(config))


def _command_train(args: argparse.Namespace) -> int:
    from cnnviz.core.memory import set_memory_limit_mb
    from cnnviz.core.validation import validate

    set_memory_limit_mb(args.memory_limit)

    if args.resume and args.overwrite:
        raise CommandError("--resume continues a run and --overwrite replaces it; give one of them.")
    if args.overwrite and not args.out:
        raise CommandError("--overwrite replaces the run in the --out folder; give --out DIR with it.")
    if args.resume:
        config, engine_name, epochs = _resume_setup(args)
        if epochs is not None:
            config = validate(config.with_training(epochs=epochs))
    else:
        config = load_config(args.config)
        overrides = {name: getattr(args, name) for name in ("epochs", *_TRAINING_OPTIONS)
                     if getattr(args, name) is not None}
        config = validate(config.with_training(**overrides))
        engine_name = args.engine or "numpy"
    training = config.training
    _check_devices(args, engine_name)
    if not args.resume:
        _check_folder_classes(config)
    # The folder first: a run in use or an existing one is refused before any data is read.
    run = _open_run(args, engine_name, training.dataset)
    with _terminate_as_interrupt():
        try:
            return _train(args, run, config, engine_name)
        except KeyboardInterrupt as interrupt:
            run.remove_temporaries()
            run.close(status="interrupted")
            done = run.info.get("epochs_completed", 0)
            how = "terminated (SIGTERM)" if isinstance(interrupt, Terminated) else "interrupted"
            print(f"\ncnnviz train: {how}; the run folder {run.path} keeps {done} complete epoch(s). Continue it "
                  f"with: cnnviz train --resume {run.path}", file=sys.stderr)
            return 143 if isinstance(interrupt, Terminated) else 130
        finally:
            run.close()


def _train(args: argparse.Namespace, run: RunDirectory, config: ModelConfig, engine_name: str) -> int:
    """The run itself, inside the folder's lock (see :func:`_command_train`)."""
    import time

    from cnnviz.cli.progress import ProgressBar
    from cnnviz.core.results import EpochResult
    from cnnviz.core.training_data import output_units, prepare_training_data
    from cnnviz.engines.registry import create_engine
    from cnnviz.service.runner import train_run

    training = config.training
    # A dataset made at any shape is made at the model's input shape, any other is fitted to it; one
    # whose classes do not fit the model is refused, saying what to set.
    data = prepare_training_data(training, data_dir=args.data_dir, allow_download=args.download,
                                 input_shape=config.input_shape, num_outputs=output_units(config))
    try:
        engine = create_engine(engine_name, config, devices=args.devices)
    except ValueError as error:  # a device request this machine cannot meet
        raise CommandError(str(error)) from None
    resumed_from = run.resume_point.epochs_completed if run.resume_point is not None else None
    if not args.json:
        print(f"Dataset: {data.source}" + (f" ({data.conversion})" if data.conversion else ""), file=sys.stderr)
        what = (f"Continuing the run from epoch {resumed_from} of" if resumed_from is not None else "Training")
        print(f"{what} {engine_name} engine ({engine.device}) on {training.dataset} ({len(data.train_labels):,} train, "
              f"{len(data.val_labels):,} validation, {len(data.test_labels):,} test images) for "
              f"{_length(training, len(data.train_labels))}; run folder {run.path}", file=sys.stderr)
    progress = ProgressBar(training.epochs_for(len(data.train_labels)), stream=sys.stderr)
    start = time.perf_counter()
    last_epoch = None
    for result in train_run(engine, data, run, epochs=training.epochs, batch_size=training.batch_size,
                            seed=training.seed):
        if isinstance(result, EpochResult):
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
    # A run is finished only once its record says so; a failure here ends with an error, not a result.
    run.update_info(status="finished", **{key: value for key, value in final.items() if key != "run_dir"},
                    last_epoch=last_epoch.__dict__ if last_epoch else None)
    if args.json:
        print(json.dumps({"event": "finished", **final}))
    else:
        print(f"final training accuracy {train_accuracy:.4f} (loss {train_loss:.4f}); "
              f"test accuracy {test_accuracy:.4f} (loss {test_loss:.4f})")
        print("(the epoch lines average the batches while learning, with dropout on; the final figures "
              "evaluate the trained model on every image, without dropout)")
        print(f"run folder: {run.path}")
    return 0


def add_train_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    train = commands.add_parser(
        "train", help="train a model and write a run folder",
        description="Train a model (default: the report's reference CNN) with the chosen engine, "
                    "showing progress, and write a run folder with the configuration, the per-batch "
                    "and per-epoch history (CSV), checkpoints and the final weights. Options given "
                    "here override the configuration file's training settings. The run folder is "
                    "locked while the run writes it; Ctrl-C leaves a run that --resume continues.")
    train.add_argument("--engine", choices=("numpy", "keras"), help="engine (default numpy)")
    train.add_argument("--devices", metavar="auto|cpu|gpu|N",
                       help="the Keras engine's devices: auto (every GPU, MirroredStrategy over several; the CPU "
                            "without one), cpu, gpu, or a count (without GPUs, N splits the CPU into N logical "
                            "devices); default $CNNVIZ_DEVICES or auto")
    train.add_argument("--config", metavar="FILE", help="a model configuration in JSON")
    train.add_argument("--dataset", metavar="NAME|FOLDER",
                       help="mnist-sample, mnist, fashion-mnist, shapes, shapes-colour, cifar10, or a folder with "
                            "one sub-folder of pictures per class (read at the model's input_shape; see "
                            "cnnviz data FOLDER)")
    train.add_argument("--epochs", type=int, metavar="N",
                       help="epochs to train (with --resume: the total the run should reach)")
    train.add_argument("--batch-size", type=int, metavar="N")
    train.add_argument("--learning-rate", type=float, metavar="LR")
    train.add_argument("--optimizer", choices=("sgd", "momentum", "adam"))
    train.add_argument("--seed", type=int)
    train.add_argument("--train-subset", type=int, metavar="N", help="train on the first N images only")
    train.add_argument("--validation-split", type=float, metavar="F",
                       help="fraction of the training images held out for validation")
    train.add_argument("--data-dir", metavar="DIR",
                       help="a folder holding MNIST or Fashion-MNIST IDX files or CIFAR-10 batches")
    train.add_argument("--download", action="store_true",
                       help="download full MNIST, Fashion-MNIST or CIFAR-10 when missing (needs a network)")
    train.add_argument("--out", metavar="DIR",
                       help="the run folder (default: a new folder under the user data folder's runs/); "
                            "refused when it already holds files, unless --overwrite")
    train.add_argument("--memory-limit", type=float, metavar="MB",
                       help="the most memory (MiB) a configuration may need to train; by default half of what "
                            "the machine has available (also $CNNVIZ_MEMORY_LIMIT_MB)")
    train.add_argument("--overwrite", action="store_true",
                       help="with --out: delete the run already in that folder and start afresh")
    train.add_argument("--resume", metavar="RUN_DIR",
                       help="continue the run in RUN_DIR from its last complete epoch, with its settings, "
                            "optimizer state and data order (see cnnviz runs)")
    train.add_argument("--json", action="store_true",
                       help="print one JSON object per epoch and a final one, instead of a progress bar")
    train.set_defaults(handler=_command_train)


def _length(training, num_train: int) -> str:
    """How long the run trains, as the configuration says it: epochs, or iterations of a batch size."""
    batch = "the full batch" if training.full_batch else f"batches of {training.batch_size}"
    if training.iterations is not None:
        return f"{training.iterations:,} iteration(s) on {batch} ({training.epochs_for(num_train):,} epoch(s))"
    return f"{training.epochs} epoch(s)" + (" on the full batch" if training.full_batch else "")
