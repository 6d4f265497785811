"""Argument parsing and dispatch for ``sesr``: a user error is one sentence and a non-zero exit, not a traceback."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from sesr_core import __version__
from sesr_core.cli import eval_cmd, info_cmd, models_cmd, train_cmd, upscale_cmd, video_cmd
from sesr_core.errors import SesrError
from sesr_core.stop_signals import handling_stop_signals, signal_name

COMMANDS = (info_cmd, train_cmd, eval_cmd, models_cmd, upscale_cmd, video_cmd)
EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one sentence naming the command and where to get help."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: {message[0].upper() + message[1:]} (see {self.prog} --help).\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sesr", description="SESR Studio: super-efficient super-resolution on the CPU.")
    parser.add_argument("--version", action="version", version=f"sesr {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(commands)
    _register_optional(commands)
    return parser


def _register_optional(commands) -> None:
    """Commands of the export extra (they need TensorFlow only when they run)."""
    from sesr_core.cli import export_cmd

    export_cmd.register(commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sesr``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USER_ERROR
    if not os.environ.get("SESR_DEBUG"):
        warnings.simplefilter("ignore")  # library warnings are for developers; every user-facing fault is a sentence
    with handling_stop_signals() as stops:
        try:
            return int(args.run(args) or 0)
        except SesrError as err:
            print(f"sesr {args.command}: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as stop:
            stops.received = stops.received or getattr(stop, "signum", None)
            by = f" by {signal_name(stops.received)}" if stops.received else ""
            print(f"sesr {args.command}: stopped{by}; nothing was left half-written.", file=sys.stderr)
            return stops.exit_status
        except Exception as err:
            if os.environ.get("SESR_DEBUG"):
                raise
            print(f"sesr {args.command}: internal error ({type(err).__name__}: {err}); run again with SESR_DEBUG=1 "
                  "for the details and please report it.", file=sys.stderr)
            return 3
