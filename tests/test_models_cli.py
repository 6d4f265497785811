"""``sesr models``: list as JSON, import, rename and delete user models; shipped models are protected."""

from __future__ import annotations

import json

import pytest

from sesr_core.cli import main
from sesr_core.models.catalog import list_models


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SESR_STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def models_json(capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["models", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_rename_delete(user_home, tiny_models, capsys):
    shipped = len(models_json(capsys))
    assert main(["models", "import", str(tiny_models.path(2, "int8")), "--name", "mine"]) == 0
    listed = {m["name"]: m for m in models_json(capsys)}
    assert listed["mine"]["scale"] == 2 and listed["mine"]["precision"] == "int8"
    assert listed["mine"]["macs_per_pixel"] > 0 and not listed["mine"]["default"]
    assert set(listed["mine"]) >= {"name", "path", "scale", "preset", "precision", "default", "macs_per_pixel",
                                   "params", "set5_psnr"}
    assert (user_home / "models" / "mine.tflite").is_file()

    assert main(["models", "rename", "mine", "ours"]) == 0
    assert "ours" in {m["name"] for m in models_json(capsys)}
    assert not (user_home / "models" / "mine.tflite").exists()
    assert main(["models", "delete", "ours"]) == 0
    assert len(models_json(capsys)) == shipped


def test_refusals_are_one_sentence(user_home, tmp_path, capsys):
    fake = tmp_path / "fake.tflite"
    fake.write_bytes(b"not a model at all")
    assert main(["models", "import", str(fake)]) == 1
    assert "not a valid TFLite model" in capsys.readouterr().err
    assert main(["models", "delete", "no-such-model"]) == 1
    assert "no model named 'no-such-model'" in capsys.readouterr().err
    shipped = [m for m in list_models() if m.shipped]
    if shipped:
        assert main(["models", "delete", shipped[0].name]) == 1
        assert "shipped model" in capsys.readouterr().err
