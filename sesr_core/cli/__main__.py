"""``python -m sesr_core.cli``: the same as the ``sesr`` command."""

import sys

from sesr_core.cli.main import main

sys.exit(main())
