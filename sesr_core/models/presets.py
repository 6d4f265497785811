"""SESR architecture presets and their cost arithmetic (pure Python, no TensorFlow).

The collapsed network is: a 5x5 conv 1 -> f, m 3x3 convs f -> f (each followed by an activation), a 5x5 conv
f -> scale^2, then depth_to_space. Multiply-accumulates are counted per low-resolution pixel, as the paper does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sesr_core.errors import SesrError

SCALES = (2, 4)
ACTIVATIONS = ("prelu", "relu")


@dataclass(frozen=True)
class ModelConfig:
    """Shape of one SESR network: ``m`` 3x3 blocks, ``f`` features, ``p`` expansion channels of the linear blocks."""

    m: int = 5
    f: int = 16
    p: int = 256
    scale: int = 2
    activation: str = "prelu"
    preset: str = "custom"

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise SesrError(f"Scale {self.scale} is not supported; use 2 or 4.")
        if self.activation not in ACTIVATIONS:
            raise SesrError(f"Activation '{self.activation}' is not supported; use prelu or relu.")
        for name in ("m", "f", "p"):
            if getattr(self, name) < 1:
                raise SesrError(f"The model parameter {name} must be at least 1.")

    @property
    def name(self) -> str:
        label = self.preset if self.preset != "custom" else f"m{self.m}f{self.f}p{self.p}"
        return f"SESR-{label}-x{self.scale}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        return cls(**{k: data[k] for k in ("m", "f", "p", "scale", "activation", "preset") if k in data})


PRESETS: dict[str, tuple[int, int, int]] = {
    "M3": (3, 16, 256),
    "M5": (5, 16, 256),
    "M7": (7, 16, 256),
    "M11": (11, 16, 64),
    "XL": (11, 32, 64),
}


def preset_config(name: str, scale: int = 2, activation: str = "prelu") -> ModelConfig:
    """The :class:`ModelConfig` of a named preset (M3, M5, M7, M11, XL; case-insensitive)."""
    key = name.upper()
    if key not in PRESETS:
        raise SesrError(f"Unknown preset '{name}'; choose one of {', '.join(PRESETS)} or give m, f and p.")
    m, f, p = PRESETS[key]
    return ModelConfig(m=m, f=f, p=p, scale=scale, activation=activation, preset=key)


def collapsed_layer_shapes(config: ModelConfig) -> list[tuple[int, int, int]]:
    """(kernel size, in channels, out channels) of each conv in the collapsed network, input to output."""
    f = config.f
    return [(5, 1, f)] + [(3, f, f)] * config.m + [(5, f, config.scale**2)]


def macs_per_pixel(config: ModelConfig) -> int:
    """Multiply-accumulates per low-resolution pixel of the collapsed network."""
    return sum(k * k * cin * cout for k, cin, cout in collapsed_layer_shapes(config))


def collapsed_params(config: ModelConfig) -> int:
    """Parameters of the collapsed network: kernels, biases and (for PReLU) one slope per channel per block."""
    weights = sum(k * k * cin * cout + cout for k, cin, cout in collapsed_layer_shapes(config))
    slopes = config.m * config.f if config.activation == "prelu" else 0
    return weights + slopes


def expanded_params(config: ModelConfig) -> int:
    """Trainable parameters of the expanded (over-parameterised) network."""
    total = 0
    for k, cin, cout in collapsed_layer_shapes(config):
        total += k * k * cin * config.p + config.p + config.p * cout + cout
    return total + (config.m * config.f if config.activation == "prelu" else 0)


def gmac_for_frame(config: ModelConfig, lr_width: int, lr_height: int) -> float:
    """Giga multiply-accumulates to upscale one ``lr_width`` x ``lr_height`` frame."""
    return macs_per_pixel(config) * lr_width * lr_height / 1e9


def start_from_description(source: ModelConfig, target: ModelConfig) -> str:
    """How a ``target`` model starts from a trained ``source``: "fine-tune", an x2 -> x4 transfer, or growth.

    Raises :class:`SesrError` with a sentence when ``target`` cannot start from ``source`` (it is smaller).
    """
    same_shape = (source.m, source.f, source.p) == (target.m, target.f, target.p)
    transfer = f"x{source.scale} -> x{target.scale} transfer (all but the output block)"
    if same_shape:
        return "fine-tune" if source.scale == target.scale else transfer
    if target.m < source.m or target.f < source.f:
        raise SesrError(f"Cannot start from a {source.name} model: {target.name} has fewer blocks or features "
                        f"(m {target.m} < {source.m} or f {target.f} < {source.f}); pick a smaller run to grow from.")
    grow = f"grow {source.name} into {target.name}, starting as the same function"
    return grow if source.scale == target.scale else f"{grow}, with {transfer}"
