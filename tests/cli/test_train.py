"""``cnnviz train``: a short run writes its run folder and reports its accuracy."""

import json

from cnnviz.cli import main
from cnnviz.core.runs import RunInfo


def test_train_writes_a_run_folder_and_json_lines(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--train-subset", "96", "--batch-size", "32", "--validation-split", "0",
                 "--out", str(out), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [event["event"] for event in events] == ["epoch", "finished"]
    assert events[1]["run_dir"] == str(out) and 0 <= events[1]["test_accuracy"] <= 1
    run = RunInfo(out)
    assert run.status == "finished" and run.num_epochs == 1 and run.has_initial
    assert len(run.step_history()) == 3 and len(run.epoch_history()) == 1
    assert run.checkpoint_at(0) is not None and (out / "model.npz").is_file()
    assert run.info["device"].startswith("CPU, ") and run.info["device"].endswith(("thread", "threads"))


def test_train_refuses_devices_for_the_numpy_engine_and_a_malformed_request(tmp_path, capsys, monkeypatch):
    assert main(["train", "--devices", "2", "--out", str(tmp_path / "run")]) == 2
    assert "--devices chooses the Keras engine's devices; give --engine keras" in capsys.readouterr().err
    monkeypatch.setenv("CNNVIZ_DEVICES", "all of them")
    assert main(["train", "--engine", "keras", "--out", str(tmp_path / "run")]) == 2
    assert "$CNNVIZ_DEVICES must be auto, cpu, gpu or a number of devices" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_train_refuses_an_invalid_setting(tmp_path, capsys):
    assert main(["train", "--epochs", "0", "--out", str(tmp_path / "run")]) == 2
    assert "epochs must be a positive integer" in capsys.readouterr().err


def test_train_refuses_a_configuration_over_the_memory_limit_and_names_the_flag(tmp_path, capsys):
    from cnnviz.core.memory import set_memory_limit_mb

    try:
        assert main(["train", "--memory-limit", "1", "--out", str(tmp_path / "run")]) == 2
    finally:
        set_memory_limit_mb(None)
    err = capsys.readouterr().err
    assert "cnnviz train: error: Training this model needs about" in err
    assert "more than the 1 MiB cnnviz allows (set with --memory-limit)" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()
