"""The Train page's Export menu through AppTest: the files are there, named after the run, and hold the run."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from explorer.runs import export
from ui import router
from ui.train import export_menu

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_the_export_menu_offers_the_runs_files_and_they_hold_the_run():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page(router.TRAIN.path)
    at.query_params.update({"n_samples": "200", "epochs": "2", "hidden": "8"})
    at.run()
    at.button(key="train.step").click().run()
    assert not at.exception
    labels = {button.label for button in at.download_button}
    assert {"Run report (JSON)", "Metrics per epoch (CSV)", "PyTorch script (.py)"} <= labels
    run = at.session_state["train.run"]
    files = {item.key: item for item in export_menu.files(run)}
    stem = export.file_stem(run.config)
    assert files["report"].file_name == f"{stem}.json" and stem.startswith("normexp-moons-")
    report = json.loads(files["report"].make())
    assert report["final"]["epochs_run"] == 1 and report["config"]["hidden"] == [8]
    assert files["metrics"].make().splitlines()[1].startswith("1,")
    script = files["script"].make()
    compile(script, "script.py", "exec")
    assert "nn.Linear(X_train.shape[1], 8)" in script and "EPOCHS = 2" in script
    page = files["charts"].make()
    assert page.count('"$schema"') + page.count('"mark"') > 0 and "vegaEmbed" in page
    assert "</script>" not in page.split("const specs = ")[1].split(";\n")[0]  # data cannot close the script
