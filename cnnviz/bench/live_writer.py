"""A stand-in for a training script in another process: it writes a run folder epoch by epoch, as
:class:`cnnviz.core.runs.RunDirectory` does, and prints when each epoch became complete.

Used by the tests of History's live runs and by ``benchmarks/bench_live_runs.py``::

    python3 -m cnnviz.bench.live_writer RUN_FOLDER --epochs 5 --interval 0.5 --batches 4

Each epoch writes its batches, a small checkpoint and kernel snapshot, both histories and finally
``run.json`` with ``epochs_completed`` raised; then a line ``complete EPOCHS TIME`` (``TIME`` from
``time.time()``, just after ``run.json`` was renamed into place) goes to standard output. Writing
only the history during an epoch (``--steps-midway``) lets a reader see a batch curve grow too.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import write_atomically
from cnnviz.core.runs import RunDirectory


def _checkpoint(epoch: int) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, kernel=np.full((3, 3, 1, 2), float(epoch), np.float32))
    return buffer.getvalue()


def write_run(path: Path, epochs: int, interval: float, batches: int, steps_midway: bool = False) -> None:
    """Write a run of ``epochs`` epochs of ``batches`` batches into ``path``, one epoch every ``interval``
    seconds."""
    run = RunDirectory(path, mode="overwrite", command="cnnviz.bench.live_writer")
    try:
        run.update_info(engine="numpy", dataset="live-writer", status="running", epochs_planned=epochs,
                        epochs_completed=0)
        write_atomically(run.checkpoint_path(-1), _checkpoint(-1))
        started = time.time()
        for epoch in range(epochs):
            for batch in range(batches):
                loss = 2.0 / (1.0 + epoch + batch / batches)
                run.record_step(StepResult(epoch, batch, batches, loss, 1.0 - loss / 2.5, (batch + 1) * 32,
                                           time.time() - started, 0.001))
                if steps_midway:
                    run.flush()
                time.sleep(interval / batches)
            write_atomically(run.checkpoint_path(epoch), _checkpoint(epoch))
            run.save_kernels(epoch, {"conv2d": np.full((3, 3, 1, 2), float(epoch), np.float32)})
            loss = 2.0 / (2.0 + epoch)
            run.record_epoch(EpochResult(epoch, epochs, loss, 1.0 - loss / 2.5, loss * 1.1, 1.0 - loss / 2.2,
                                         batches * 32 * (epoch + 1), time.time() - started))
            print(f"complete {epoch + 1} {time.time():.6f}", flush=True)
        run.close(status="finished")
    except BaseException:
        run.close(status="stopped")
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the run folder to write (replaced if it holds a run)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds per epoch")
    parser.add_argument("--batches", type=int, default=4, help="batches per epoch")
    parser.add_argument("--steps-midway", action="store_true", help="rewrite the step history after each batch")
    parser.add_argument("--start-delay", type=float, default=0.0, help="seconds to wait before writing")
    args = parser.parse_args(argv)
    time.sleep(args.start_delay)
    write_run(Path(args.run), args.epochs, args.interval, args.batches, args.steps_midway)
    return 0


if __name__ == "__main__":
    sys.exit(main())
