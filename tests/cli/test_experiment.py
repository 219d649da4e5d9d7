"""``cnnviz experiment``: a sweep writes its tables and report; nothing to sweep is an error."""


from cnnviz.cli import main


def test_experiment_sweep_writes_tables_and_report(tmp_path, capsys):
    out = tmp_path / "experiment"
    assert main(["experiment", "--sweep", "training.learning_rate=0.01,0.001", "--epochs", "1",
                 "--train-subset", "256", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "learning_rate=0.01" in printed and "learning_rate=0.001" in printed
    rows = (out / "custom.csv").read_text().splitlines()
    assert rows[0].startswith("run,training.learning_rate,train_accuracy") and len(rows) == 3
    assert "| learning_rate=0.001 |" in (out / "report.md").read_text()
    assert len(list((out / "runs").iterdir())) == 2


def test_experiment_needs_something_to_sweep(capsys):
    assert main(["experiment"]) == 2
    assert "--preset NAME, or --sweep" in capsys.readouterr().err
