"""The ``quality-gates`` commands inside Airflow's own CLI (``airflow quality-gates ...``),
registered through the provider metadata's ``cli`` entry.

The commands are translated from the one argparse definition in ``quality_gates.cli``, so the
standalone ``quality-gates`` script and ``airflow quality-gates`` cannot drift apart.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

COMMAND = "quality-gates"
_ARG_FIELDS = ("help", "default", "nargs", "type", "choices", "required", "metavar", "dest")


def get_cli_commands() -> list[Any]:
    """Airflow's ``cli`` provider hook: a list of Airflow ``CLICommand``."""
    from airflow.cli.cli_config import GroupCommand

    from quality_gates.cli import build_parser

    parser = build_parser()
    return [
        GroupCommand(
            name=COMMAND,
            help="Data-quality gates: results store, schema inference, backtests",
            subcommands=_commands(parser),
            description=parser.description,
        )
    ]


def _commands(parser: argparse.ArgumentParser) -> list[Any]:
    from airflow.cli.cli_config import ActionCommand, GroupCommand

    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    commands: list[Any] = []
    for name, sub in subparsers.choices.items():
        if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
            commands.append(GroupCommand(name=name, help=helps.get(name) or name, subcommands=_commands(sub)))
        else:
            commands.append(
                ActionCommand(
                    name=name,
                    help=helps.get(name) or name,
                    func=_runner(sub.get_default("handler")),
                    args=[_arg(a) for a in sub._actions if not isinstance(a, argparse._HelpAction)],
                )
            )
    return commands


def _arg(action: argparse.Action) -> Any:
    from airflow.cli.cli_config import Arg

    options: dict[str, Any] = {f: getattr(action, f) for f in _ARG_FIELDS if getattr(action, f, None) is not None}
    if not action.option_strings:  # a positional: argparse takes its name, not dest=
        options.pop("dest", None)
        options.pop("required", None)
    if isinstance(action, argparse._StoreTrueAction):
        options = {"help": action.help, "action": "store_true"}
    return Arg(tuple(action.option_strings) or (action.dest,), **options)


def _runner(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> None:
        from quality_gates.cli import run as run_command

        args.handler = handler
        code = run_command(args)
        if code:
            sys.exit(code)

    run.__name__ = getattr(handler, "__name__", "run")
    return run
