"""History's run details name the devices a run trained on, as run.json records them."""

import json

from cnnviz.core.run_info import RunInfo
from cnnviz.ui.history.run_summary import run_details_html


def write_run(folder, **info):
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"engine": "keras", "dataset": "shapes-colour",
                                                 "status": "finished", **info}))
    return RunInfo(folder)


def test_the_details_name_the_device_when_the_run_recorded_one(tmp_path):
    details = run_details_html(write_run(tmp_path / "mirrored", device="2 × GPU, MirroredStrategy"))
    assert "keras engine on 2 × GPU, MirroredStrategy · shapes-colour" in details
    older = run_details_html(write_run(tmp_path / "older"))
    assert "keras engine · shapes-colour" in older and "engine on" not in older
