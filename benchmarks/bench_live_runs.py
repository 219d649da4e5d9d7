"""The live-update delay of History: from a writer process renaming an epoch's ``run.json`` into place to
the History panel's run list showing that epoch, with the file-system watcher and with polling alone.

A writer subprocess (:mod:`cnnviz.bench.live_writer`) appends epochs to a run folder at a steady pace
and prints the moment each epoch became complete (just after ``run.json`` was renamed); the panel, in
this process on the offscreen platform, watches the folder as the app does (a poll every 2 s
besides the watcher) or by polling alone (as on a network share that sends no notifications). The
two modes alternate, round by round, so both see the same machine. Prints the median and 95th
percentile delay of each mode and their ratio. Run from the repository root::

    PYTHONPATH=. python3 benchmarks/bench_live_runs.py            # 4 rounds of 12 epochs each way
    PYTHONPATH=. python3 benchmarks/bench_live_runs.py --quick    # 2 rounds of 6 epochs each way
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def one_round(app, folder: Path, use_file_watcher: bool, epochs: int, interval: float, poll_ms: int) -> list[float]:
    """Delays (seconds) of every epoch of one writer run, seen by a panel in the given mode."""
    from cnnviz.ui.history.panel import HistoryPanel

    panel = HistoryPanel(use_file_watcher=use_file_watcher, poll_ms=poll_ms)
    panel.resize(1000, 650)
    panel.set_runs_root(folder)
    panel.show()
    run = folder / f"run-{time.time_ns()}"
    shown: dict[int, float] = {}

    def on_scanned(_scan) -> None:  # connected after the panel's own slot: the table is already updated
        now = time.time()
        table = panel.run_table
        for row in range(table.rowCount()):
            if run.name in table.item(row, 0).toolTip():
                for epoch in range(1, int(table.item(row, 4).text()) + 1):
                    shown.setdefault(epoch, now)

    panel.watcher.sig_runs_scanned.connect(on_scanned)
    app.processEvents()
    writer = subprocess.Popen([sys.executable, "-m", "cnnviz.bench.live_writer", str(run), "--epochs", str(epochs),
                               "--interval", str(interval), "--batches", "4"], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    completed: dict[int, float] = {}

    def read_writer() -> None:
        assert writer.stdout is not None
        for line in writer.stdout:
            words = line.split()
            if words[:1] == ["complete"]:
                completed[int(words[1])] = float(words[2])

    reader = threading.Thread(target=read_writer, daemon=True)
    reader.start()
    deadline = time.time() + epochs * interval + 60
    while time.time() < deadline and (writer.poll() is None or len(shown) < epochs):
        app.processEvents()
        time.sleep(0.002)
    reader.join(timeout=5)
    panel.stop_watching()
    panel.deleteLater()
    app.processEvents()
    missing = [epoch for epoch in range(1, epochs + 1) if epoch not in shown or epoch not in completed]
    if missing:
        raise RuntimeError(f"epochs {missing} were never shown (or never completed)")
    return [shown[epoch] - completed[epoch] for epoch in range(1, epochs + 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per mode (default 4, quick 2)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per round (default 12, quick 6)")
    parser.add_argument("--interval", type=float, default=0.7, help="seconds per epoch of the writer")
    parser.add_argument("--poll-ms", type=int, default=2000, help="the polling period (the app's: 2000)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 4)
    epochs = args.epochs or (6 if args.quick else 12)

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    delays: dict[str, list[float]] = {"watching": [], "polling only": []}
    with tempfile.TemporaryDirectory(prefix="cnnviz-live-") as scratch:
        for round_index in range(rounds):
            for mode in (("watching", "polling only") if round_index % 2 == 0 else ("polling only", "watching")):
                folder = Path(scratch) / f"{round_index}-{mode.replace(' ', '-')}"
                folder.mkdir()
                found = one_round(app, folder, mode == "watching", epochs, args.interval, args.poll_ms)
                delays[mode] += found
                print(f"round {round_index + 1} {mode:>12}: median {statistics.median(found) * 1000:7.1f} ms, "
                      f"max {max(found) * 1000:7.1f} ms", flush=True)
    print(f"\n{len(delays['watching'])} epochs each; writer: one epoch every {args.interval} s; "
          f"poll every {args.poll_ms} ms")
    for mode, found in delays.items():
        print(f"{mode:>12}: median {statistics.median(found) * 1000:7.1f} ms, "
              f"p95 {percentile(found, 0.95) * 1000:7.1f} ms")
    ratio = statistics.median(delays["polling only"]) / statistics.median(delays["watching"])
    print(f"polling only / watching (median): {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
