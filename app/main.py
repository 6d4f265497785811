"""``sesr-studio``: open the window; ``--screenshots DIR`` renders every page to PNG; ``sesr-studio COMMAND ...``
with a ``sesr`` subcommand acts as the ``sesr`` CLI (the desktop bundle ships one executable for both).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from app import APP_NAME, ORGANIZATION, __version__


def sesr_commands() -> set[str]:
    """The ``sesr`` CLI's subcommand names."""
    from sesr_core.cli.main import build_parser

    for action in build_parser()._actions:  # noqa: SLF001 - argparse keeps subcommands here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return set(action.choices)
    return set()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sesr-studio", description=f"{APP_NAME}: super-resolution on the CPU, with a window. Give a sesr "
        "command (e.g. 'sesr-studio upscale in.png -o out.png') to run the command line instead.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--screenshots", metavar="DIR", help="render every page to PNG files in DIR and exit")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="colour scheme (default: follow the system)")
    parser.add_argument("paths", nargs="*", help="images, folders, videos or .tflite models to open")
    return parser


def create_application(argv: Sequence[str]):
    """The QApplication with names, icon-less defaults and the theme applied."""
    from PySide6.QtWidgets import QApplication

    from app.theme import apply_theme, follow_system_scheme

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    apply_theme(app)
    follow_system_scheme(app)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sesr-studio``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] in sesr_commands():
        from sesr_core.cli import main as cli_main

        return cli_main(argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.theme != "system":
        import os

        os.environ["SESR_STUDIO_THEME"] = args.theme
    if args.screenshots:
        from app.screenshots import take_screenshots

        app = create_application([])
        return take_screenshots(app, Path(args.screenshots))
    app = create_application([])
    from app.window import MainWindow

    window = MainWindow()
    window.show()
    if args.paths:
        window.open_paths([Path(p).expanduser().resolve() for p in args.paths])
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
