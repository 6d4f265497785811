"""The training spec: everything that defines a run, serialised as JSON in the run folder (no TensorFlow here)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.imaging.degradation import Degradation, parse_degradation
from sesr_core.models.jpeg_variants import LOSSLESS, VARIANT_QUALITIES, lossiness
from sesr_core.models.presets import ModelConfig, preset_config

LR_SCHEDULES = ("constant", "cosine", "step")
STRATEGIES = ("default", "mirrored", "multi-worker")
SPEC_FILE = "spec.json"
# Scales at which new QAT runs pin the int8 residual to whole grey levels unless told otherwise: measured at x2
# (+0.019 dB); at x4 the learnt residual range exceeds the +-0.5 the grid holds.
RESIDUAL_GRID_SCALES = (2,)


def default_residual_grid(qat: bool, scale: int) -> bool:
    """Whether a new run pins the int8 residual to the image grid when its user does not say."""
    return qat and scale in RESIDUAL_GRID_SCALES


@dataclass(frozen=True)
class TrainSpec:
    """One training run. ``steps`` fp32 steps, then ``qat_steps`` quantisation-aware steps when ``qat``.

    The last ``qat_frozen_steps`` of QAT (default: a quarter) run with the activation ranges refined and then frozen,
    so the weights learn the ranges the int8 file will have (see :mod:`sesr_core.training.range_search`).
    ``qat_residual_grid`` pins the output block's int8 output to whole grey levels (see :mod:`sesr_core.training.qat`);
    off in runs made before it existed, whose QAT checkpoints learnt a range there.
    ``degrade`` is a random degradation recipe for the LR side of every training patch and ``val_degrade`` a fixed
    one for the validation images (text forms of :class:`sesr_core.imaging.degradation.Degradation`; None: clean).
    ``jpeg_aware`` trains a network that takes each patch's JPEG quality as a condition (see
    :mod:`sesr_core.models.jpeg_variants`); its QAT and export happen in one QAT-only run per quality, whose spec
    names the quality in ``jpeg_variant`` (see :mod:`sesr_core.training.jpeg_aware_runs`).
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    data_dirs: tuple[str, ...] = ()
    val_dir: str | None = None
    steps: int = 1000
    batch_size: int = 32
    patch_size: int = 64
    learning_rate: float = 5e-4
    lr_schedule: str = "cosine"
    warmup_steps: int = 0
    final_lr_fraction: float = 0.01
    linear_block: str = "collapsed"
    qat: bool = False
    qat_steps: int = 0
    qat_learning_rate: float = 5e-5
    qat_frozen_steps: int | None = None
    qat_residual_grid: bool = False
    init_from: str | None = None
    hr_rescales: tuple[float, ...] = ()
    degrade: str | None = None
    val_degrade: str | None = None
    jpeg_aware: bool = False
    jpeg_variant: int | None = None
    strategy: str = "default"
    eval_every: int = 500
    checkpoint_every: int = 500
    keep_checkpoints: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        checks = [
            (self.steps >= 0 and self.qat_steps >= 0, "The number of steps cannot be negative."),
            (self.steps + self.qat_steps > 0, "Give at least one training step (--steps, or --qat-steps with --qat)."),
            (self.batch_size >= 1, "The batch size must be at least 1."),
            (self.patch_size >= 8, "The patch size must be at least 8 low-resolution pixels."),
            (self.learning_rate > 0, "The learning rate must be positive."),
            (self.lr_schedule in LR_SCHEDULES,
             f"Unknown schedule '{self.lr_schedule}'; use {', '.join(LR_SCHEDULES)}."),
            (self.linear_block in ("collapsed", "expanded"), "The linear block form must be collapsed or expanded."),
            (self.strategy in STRATEGIES, f"Unknown strategy '{self.strategy}'; use {', '.join(STRATEGIES)}."),
            (not self.qat or self.model.activation == "relu",
             "Quantisation-aware training needs ReLU activations (int8 has no PReLU here); use activation relu."),
            (self.qat or self.qat_steps == 0, "--qat-steps needs --qat."),
            (self.qat or not self.qat_residual_grid, "--qat-residual-grid needs --qat."),
            (self.qat_frozen_steps is None or 0 <= self.qat_frozen_steps <= self.qat_steps,
             "--qat-frozen-steps must be between 0 and the number of QAT steps."),
            (self.eval_every >= 1 and self.checkpoint_every >= 1, "Evaluation and checkpoint intervals must be >= 1."),
            (self.jpeg_variant is None or (self.jpeg_aware and self.jpeg_variant in (*VARIANT_QUALITIES, LOSSLESS)),
             f"A JPEG variant run needs --jpeg-aware and one of the qualities {VARIANT_QUALITIES} or {LOSSLESS}."),
        ]
        for ok, message in checks:
            if not ok:
                raise SesrError(message)
        for name in ("degrade", "val_degrade"):
            text = getattr(self, name)
            recipe = parse_degradation(text) if text is not None else None
            object.__setattr__(self, name, None if recipe is None or recipe.is_clean else recipe.text())
        if self.val_degrade and not parse_degradation(self.val_degrade).is_fixed:
            raise SesrError(f"--val-degrade takes single values (e.g. jpeg=75), not ranges: '{self.val_degrade}'.")
        needs_jpeg = self.jpeg_aware and self.jpeg_variant is None
        if needs_jpeg and (self.degradation is None or self.degradation.jpeg is None):
            raise SesrError("--jpeg-aware trains on JPEG patches of many qualities: give --degrade a JPEG range, "
                            "e.g. --degrade jpeg=25-98@0.7 (or --degrade photo-aware).")

    @property
    def degradation(self) -> Degradation | None:
        """The training recipe, or None for clean bicubic pairs."""
        return parse_degradation(self.degrade) if self.degrade else None

    @property
    def val_degradation(self) -> Degradation | None:
        """The fixed degradation of the validation images, or None."""
        return parse_degradation(self.val_degrade) if self.val_degrade else None

    @property
    def val_jpeg_quality(self) -> int | None:
        """The JPEG quality of the validation images (None: not JPEG), a JPEG-aware model's condition there."""
        jpeg = self.val_degradation.jpeg if self.val_degradation else None
        return round(jpeg.low) if jpeg else None

    @property
    def variant_lossiness(self) -> float:
        """The lossiness a JPEG-aware network is folded at for this run's QAT and export (0: lossless)."""
        return lossiness(self.jpeg_variant)

    @property
    def trains_variants(self) -> bool:
        """Whether this run's QAT happens in one run per JPEG quality (a JPEG-aware run's fp32 phase)."""
        return self.jpeg_aware and self.jpeg_variant is None and self.qat

    @property
    def total_steps(self) -> int:
        return self.steps + (self.qat_steps if self.qat and not self.trains_variants else 0)

    @property
    def frozen_range_steps(self) -> int:
        """How many of the last QAT steps train with refined, frozen activation ranges."""
        if not self.qat:
            return 0
        return self.qat_steps // 4 if self.qat_frozen_steps is None else self.qat_frozen_steps

    def to_dict(self) -> dict:
        data = asdict(self)
        data["data_dirs"] = list(self.data_dirs)
        data["hr_rescales"] = list(self.hr_rescales)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainSpec:
        data = dict(data)
        data["model"] = ModelConfig.from_dict(data["model"])
        data["data_dirs"] = tuple(data.get("data_dirs", ()))
        data["hr_rescales"] = tuple(data.get("hr_rescales", ()))
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, run_dir: Path) -> None:
        (Path(run_dir) / SPEC_FILE).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> TrainSpec:
        path = Path(run_dir) / SPEC_FILE
        if not path.is_file():
            raise SesrError(f"'{run_dir}' is not a training run folder (it has no {SPEC_FILE}); check the path.")
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as err:
            raise SesrError(f"The run spec '{path}' is damaged ({err}); start a new run.") from err

    def with_changes(self, **changes) -> TrainSpec:
        return replace(self, **changes)


# A new run's defaults, the same for ``sesr train`` and the Train page. Batch 16 of 48-pixel patches rather than 32 of
# 64: measured in docs/training.md, it makes about twice the updates per second on a CPU and reached the same int8
# PSNR (M5 x2: 37.052 dB in 9.5 min against 37.043 dB in 97 min), so a first run on a laptop shows progress soon.
# Evaluating every 100 steps gives a 1,000-step run ten PSNR points to plot and to pick its best checkpoint from
# (an evaluation costs about as much as ten steps); checkpoints every 500 steps (Stop saves one where it stops).
NEW_RUN_MODEL = ("M5", 2)  # preset and scale
NEW_RUN_DEFAULTS: dict[str, object] = {
    "steps": 1000, "batch_size": 16, "patch_size": 48, "learning_rate": 5e-4, "eval_every": 100,
    "checkpoint_every": 500,
}


def default_qat_steps(steps: int) -> int:
    """QAT steps when a QAT run does not say: a fifth of the fp32 steps, at least 100."""
    return max(100, steps // 5)


def new_run_spec(preset: str | None = None, scale: int | None = None, activation: str | None = None,
                 model: ModelConfig | None = None, **overrides) -> TrainSpec:
    """The spec of a new run: :data:`NEW_RUN_DEFAULTS` and the rules below, with ``overrides`` (TrainSpec fields;
    None means "the default").

    The model is ``model`` (with ``activation`` when given), else ``preset`` at ``scale`` (:data:`NEW_RUN_MODEL`).
    The rules for what a user leaves out: ReLU activations with QAT (int8 has no PReLU here), PReLU otherwise;
    :func:`default_qat_steps` with QAT; the int8 residual pinned to the grid where :func:`default_residual_grid`
    says so.
    """
    values = {**NEW_RUN_DEFAULTS, **{k: v for k, v in overrides.items() if v is not None}}
    qat = bool(values.get("qat", False))
    activation = activation or ("relu" if qat else None)
    if model is None:
        model = preset_config(preset or NEW_RUN_MODEL[0], scale or NEW_RUN_MODEL[1], activation or "prelu")
    elif activation is not None:
        model = replace(model, activation=activation)
    values.setdefault("qat_steps", default_qat_steps(int(values["steps"])) if qat else 0)
    values.setdefault("qat_residual_grid", default_residual_grid(qat, model.scale))
    return TrainSpec(model=model, **values)
