"""The terminal's progress bar for ``cnnviz train``: one redrawn line per batch on a terminal,
one line per epoch in a log."""

import io

from cnnviz.cli.progress import ProgressBar
from cnnviz.core.results import EpochResult, StepResult


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as ``sys.stderr`` does in a console."""

    def isatty(self) -> bool:
        return True


def step(epoch: int, batch: int, elapsed: float) -> StepResult:
    return StepResult(epoch=epoch, batch=batch, num_batches=4, loss=0.5, accuracy=0.75, samples_seen=32 * batch,
                      elapsed=elapsed, learning_rate=0.001)


def epoch_end(val_loss: float | None) -> EpochResult:
    return EpochResult(epoch=0, num_epochs=2, loss=0.25, accuracy=0.9, val_loss=val_loss,
                       val_accuracy=None if val_loss is None else 0.875, samples_seen=128, elapsed=75.0)


def test_on_a_terminal_each_batch_redraws_the_line_with_its_eta():
    stream = Terminal()
    bar = ProgressBar(total_epochs=2, stream=stream, width=8)
    bar.step(step(epoch=0, batch=1, elapsed=10.0))
    # 2 of 8 batches took 10 s: 6 more take 30 s.
    assert stream.getvalue() == "\repoch 1/2 [####----] 2/4 loss 0.5000 acc 0.750 ETA 0:30  "
    bar.epoch(epoch_end(val_loss=0.3))
    last_line = stream.getvalue().split("\r")[-1]
    assert last_line.startswith("epoch 1/2 - loss 0.2500 - acc 0.9000 - val_loss 0.3000 - val_acc 0.8750 - 1:15")
    assert last_line.endswith("\n")


def test_in_a_log_only_epochs_are_written():
    stream = io.StringIO()
    bar = ProgressBar(total_epochs=2, stream=stream)
    bar.step(step(epoch=0, batch=3, elapsed=5.0))
    assert stream.getvalue() == ""
    bar.epoch(epoch_end(val_loss=None))
    assert stream.getvalue() == "epoch 1/2 - loss 0.2500 - acc 0.9000 - 1:15\n"
