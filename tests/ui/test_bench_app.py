"""The window-against-command-line training benchmark (``cnnviz bench app``) runs both paths."""

from __future__ import annotations

import os
import threading

import pytest

from cnnviz.bench import app_training
from cnnviz.core.config import reference_config


def test_both_paths_train_an_epoch_and_every_round_is_reported(qapp):
    lines: list[str] = []
    result = app_training.app_vs_cli(lines.append, rounds=2, num_samples=200, batch_sizes=(64,))
    entry = result["batches"]["64"]
    for name in ("app", "cli", "app_cpu", "cli_cpu"):
        assert len(entry["seconds"][name]) == 2
        assert all(value > 0 for value in entry["seconds"][name])
    assert entry["ratios"] == pytest.approx([a / c for a, c in zip(entry["seconds"]["app"], entry["seconds"]["cli"])])
    assert [line.split(":")[0].strip() for line in lines if " round " in line] == ["batch 64 round 1",
                                                                                    "batch 64 round 2"]


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="needs thread priorities")
def test_the_command_line_loop_can_run_at_the_workers_priority(tmp_path, monkeypatch):
    seen = []
    original = app_training._cli_epoch

    def recording(*args):
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return original(*args)

    monkeypatch.setattr(app_training, "_cli_epoch", recording)
    data, dataset = app_training.training_data(100)
    config = reference_config().with_training(batch_size=32, epochs=1, dataset=dataset, train_subset=100)
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    wall, cpu = app_training.cli_epoch(config, data, tmp_path / "run", niceness=min(own + 3, 19))
    assert wall > 0 and cpu > 0
    assert seen == [min(own + 3, 19)]
    assert (tmp_path / "run" / "config.json").exists()
