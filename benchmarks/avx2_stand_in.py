"""benchmarks/speed.py with OpenVINO and numpy held to AVX2, as a stand-in for an AVX2-only machine.

    python benchmarks/avx2_stand_in.py [speed.py's options, e.g. --repeats 11 --video-frames 24]

On an AVX-512 machine this re-runs itself with ``ONEDNN_MAX_CPU_ISA=AVX2`` (OpenVINO's CPU plugin then uses its
AVX2 kernels: ``jit_avx2_I8`` in the layer profile), ``NPY_DISABLE_CPU_FEATURES`` (numpy's AVX-512 loops off) and
``OPENBLAS_CORETYPE=Haswell`` (OpenBLAS's AVX2 kernels), with its own user data folder so that auto's cached choice
of the uncapped machine is not reused (the engine asks OpenVINO for f32, as a CPU without bf16 would compile).
XNNPACK reads CPUID itself and cannot be capped, and neither is x264: only the
OpenVINO rows (and the colour work) stand in for an AVX2 machine; LiteRT's rows, and therefore auto's pick, are
the real machine's. Never write its output to docs/benchmarks.md as a measurement of an AVX2 machine.
"""

from __future__ import annotations

import os
import runpy
import sys
import tempfile
from pathlib import Path

CAPS = {
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    "OPENBLAS_CORETYPE": "Haswell",
}
SPEED = Path(__file__).resolve().parent / "speed.py"


def main() -> int:
    if "--write-doc" in sys.argv:
        raise SystemExit("The stand-in is not an AVX2 machine: its numbers go in a note by hand, not in the tables.")
    if any(os.environ.get(name) != value for name, value in CAPS.items()):
        home = tempfile.mkdtemp(prefix="sesr-avx2-stand-in-")
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]],
                  {**os.environ, **CAPS, "SESR_STUDIO_HOME": home})
    print(f"AVX2 stand-in: {' '.join(f'{k}={v}' for k, v in CAPS.items())}; LiteRT and x264 not capped.\n",
          flush=True)
    sys.argv = [str(SPEED), *sys.argv[1:]]
    runpy.run_path(str(SPEED), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
