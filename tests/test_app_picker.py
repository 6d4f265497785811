"""The model picker on its own: models offered by purpose, sorted by cost, twins under the advanced switch, times."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

pytest_plugins = ("tests.app_fixtures",)


@pytest.fixture
def picker(qtbot, app_home):
    from app.catalog_store import CatalogStore
    from app.widgets.model_picker import ModelPicker

    widget = ModelPicker(CatalogStore())
    qtbot.addWidget(widget)
    return widget


def test_the_picker_offers_models_by_purpose_without_twins(picker):
    assert picker.rows() == [("Recommended", "SESR-M5-x2"), ("Photo", "SESR-M5-x2-photo")]
    assert picker.entry().name == "SESR-M5-x2"
    picker.set_scale(4)
    assert picker.rows() == [("Recommended", "SESR-M5-x4"), ("Photo", "SESR-M5-x4-photo")]
    assert "int8" not in picker.details.text() and "MACs" not in picker.details.text()


def test_the_advanced_switch_shows_twins_and_experimental_models_by_cost(picker):
    picker.advanced.setChecked(True)
    rows = picker.rows()
    names = [name for _title, name in rows]
    assert ("All models (advanced)", None) in rows
    rest = names[names.index(None) + 1:]
    assert rest == ["SESR-M5-x2-fp32", "SESR-M5-x2-photo-fp32", "SESR-M11-x2", "SESR-M11-x2-fp32", "SESR-XL-x2",
                    "SESR-XL-x2-fp32"]  # M5 before M11: cost, not name
    picker.advanced.setChecked(False)
    picker.select("SESR-XL-x2")  # choosing a model not offered turns the switch on
    assert picker.advanced.isChecked() and picker.entry().name == "SESR-XL-x2"


def test_the_technical_details_are_one_click_away(qtbot, picker):
    picker.show()
    assert not picker.technical.isVisible()
    picker.details_button.click()
    assert picker.technical.isVisible()
    assert "int8" in picker.technical.text() and "MACs per pixel" in picker.technical.text()
    assert "on Set5" in picker.technical.text()
    tooltip = picker.model_combo.itemData(0, 3)  # Qt.ToolTipRole
    assert "SESR-M5-x2" in tooltip and "MACs" in tooltip


def test_sharper_and_faster_need_a_real_difference(app_home):
    from dataclasses import replace

    from app.model_choices import FASTER, SHARPER, choices
    from sesr_core.models.catalog import list_models

    entries = list_models()
    assert {c.group for c in choices(entries, 2)} == {"Recommended", "Photo"}  # XL is only 0.06 dB better
    better = [replace(e, set5_psnr=e.set5_psnr + 0.2, experimental=False) if e.name == "SESR-XL-x2" else e
              for e in entries]
    offered = {c.group: c.entry.name for c in choices(better, 2)}
    assert offered[SHARPER] == "SESR-XL-x2" and FASTER not in offered


def test_the_estimate_uses_auto_timings_scaled_by_the_queue(picker, monkeypatch):
    from app.jobs import runtime_bridge

    picker.reload()
    assert "measured on first use" in picker.details.text()
    monkeypatch.setattr(runtime_bridge, "engine_timings", lambda _path, _threads: {"LiteRT int8": 900.0,
                                                                                 "OpenVINO int8": 450.0})
    picker.reload()
    assert "about 3 s per 12 MP photo" in picker.details.text()  # 450 ms per 1080p frame x 12 MP / 2.07 MP
    picker.set_workload(4 * 2_073_600, 4)
    assert "about 2 s for these 4 images" in picker.details.text()
    assert "about 2 s for these 4 images" in picker.model_combo.itemData(0, 257)  # DETAILS_ROLE


def test_an_automatic_row_can_sit_on_top(picker):
    from app.widgets.model_picker import AUTOMATIC

    picker.set_automatic(True)
    assert picker.rows()[0] == ("Automatic (per image)", AUTOMATIC)
    picker.model_combo.setCurrentIndex(0)
    assert picker.is_automatic() and picker.entry() is None
    picker.set_automatic(False)
    assert not picker.is_automatic() and picker.entry().name == "SESR-M5-x2"
