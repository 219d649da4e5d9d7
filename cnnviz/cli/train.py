"""``cnnviz train``: train a model with progress on the terminal and write a run folder."""

from __future__ import annotations

import argparse
import json
import sys

from cnnviz.cli.common import load_config


def _command_train(args: argparse.Namespace) -> int:
    import time

    from cnnviz.cli.progress import ProgressBar
    from cnnviz.core.memory import set_memory_limit_mb
    from cnnviz.core.results import EpochResult
    from cnnviz.core.runs import RunDirectory
    from cnnviz.core.training_data import prepare_training_data
    from cnnviz.core.validation import validate
    from cnnviz.engines.registry import create_engine
    from cnnviz.service.runner import RecordingStopped, train_run

    set_memory_limit_mb(args.memory_limit)
    config = load_config(args.config)
    overrides = {name: getattr(args, name) for name in
                 ("dataset", "epochs", "batch_size", "learning_rate", "optimizer", "seed",
                  "train_subset", "validation_split") if getattr(args, name) is not None}
    config = validate(config.with_training(**overrides))
    training = config.training
    data = prepare_training_data(training, data_dir=args.data_dir, allow_download=args.download)
    engine = create_engine(args.engine, config)
    data = data.fitted(engine.input_shape)
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


def add_train_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
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
    train.add_argument("--memory-limit", type=float, metavar="MB",
                       help="the most memory (MiB) a configuration may need to train; by default half of what "
                            "the machine has available (also $CNNVIZ_MEMORY_LIMIT_MB)")
    train.add_argument("--json", action="store_true",
                       help="print one JSON object per epoch and a final one, instead of a progress bar")
    train.set_defaults(handler=_command_train)
