"""The bundle's entry point: ``sesr-studio`` opens the window, ``sesr-studio COMMAND ...`` is the ``sesr`` CLI."""

import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())
