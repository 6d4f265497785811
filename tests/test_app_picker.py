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


def _catalog(scale: int):
    from sesr_core.models.catalog import list_models

    return [e for e in list_models() if e.scale == scale]


def test_the_picker_offers_models_by_purpose_without_twins(picker):
    for scale in (2, 4):
        picker.set_scale(scale)
        models = {e.name: e for e in _catalog(scale)}
        rows = picker.rows()
        titles = [title for title, _name in rows]
        assert rows[0] == ("Recommended", next(e.name for e in models.values() if e.default and e.purpose == "clean"))
        assert ("Photo", next(e.name for e in models.values() if e.default and e.purpose == "photo")) in rows
        assert set(titles) <= {"Recommended", "Faster", "Sharper", "Photo"}
        offered = [models[name] for _title, name in rows]
        assert all(e.precision == "int8" and not e.experimental for e in offered), "no twins, nothing experimental"
        recommended = offered[0]
        for title, name in rows:
            if title == "Sharper":  # only a real difference on the same data set earns the word
                assert models[name].set5_psnr >= recommended.set5_psnr + 0.1
    picker.set_scale(2)
    assert picker.entry().name == picker.rows()[0][1]
    assert "int8" not in picker.details.text() and "MACs" not in picker.details.text()


def test_the_advanced_switch_shows_twins_and_experimental_models_by_cost(picker):
    picker.advanced.setChecked(True)
    rows = picker.rows()
    names = [name for _title, name in rows]
    assert ("All models (advanced)", None) in rows
    rest = names[names.index(None) + 1:]
    models = {e.name: e for e in _catalog(2)}
    assert set(names) - {None} == set(models), "every x2 model is offered somewhere"
    assert any(name.endswith("-fp32") for name in rest) and any(models[n].experimental for n in rest)
    costs = [models[name].macs_per_pixel for name in rest]
    assert costs == sorted(costs)  # M5 before M11: cost, not name
    experimental = next(n for n in rest if models[n].experimental)
    picker.advanced.setChecked(False)
    picker.select(experimental)  # choosing a model not offered turns the switch on
    assert picker.advanced.isChecked() and picker.entry().name == experimental


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
    from sesr_core.models.catalog import experimental_names, list_models

    def scored(xl_gain_db: float):
        """The shipped catalog with SESR-XL-x2 set ``xl_gain_db`` above the recommended M5, flags recomputed."""
        entries = list_models()
        base = next(e for e in entries if e.name == "SESR-M5-x2").set5_psnr
        entries = [replace(e, set5_psnr=base + xl_gain_db) if e.name == "SESR-XL-x2" else e for e in entries]
        flagged = experimental_names(entries)
        return [replace(e, experimental=e.name in flagged) for e in entries]

    offered = {c.group: c.entry.name for c in choices(scored(0.05), 2)}
    assert SHARPER not in offered and FASTER not in offered  # 0.05 dB is not worth eight times the cost
    offered = {c.group: c.entry.name for c in choices(scored(0.2), 2)}
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
    assert picker.automatic and picker.entry() is None
    picker.set_automatic(False)
    assert not picker.automatic and picker.entry().name == "SESR-M5-x2"
