"""`bmsguard`: replay events, sweep, list the sample library, check policies, run localcloud, deploy.

Exit codes: 0 all good, 1 a remediation failed (or a sample did not match its documented outcome),
2 bad usage or bad input (the message names the file and field).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bmsguard.errors import InputError

from . import commands
from .commands import EXIT_BAD_INPUT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2 with the usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"bmsguard: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bmsguard", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the function's structured log lines (to stderr)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_replay(sub)
    _add_sweep(sub)
    sub.add_parser("events", help="list the sample event library").set_defaults(func=commands.list_events)
    policy = sub.add_parser("policy", help="policy tools").add_subparsers(dest="policy_command", required=True,
                                                                          parser_class=_Parser)
    check = policy.add_parser("check", help="validate a policy file and print the effective decisions")
    check.add_argument("file")
    check.set_defaults(func=commands.check_policy)
    serve = sub.add_parser("localcloud", help="the emulated cloud (python -m localcloud)", add_help=False)
    serve.add_argument("args", nargs=argparse.REMAINDER)
    serve.set_defaults(func=commands.localcloud)
    _add_deploy_commands(sub)
    return parser


def _add_replay(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="run the real handler on event files against localcloud or --live")
    p.add_argument("events", nargs="*", metavar="EVENT_FILE")
    p.add_argument("--library", action="store_true", help="replay every sample in events/catalogue.yaml "
                   "against its world and check its documented outcome")
    p.add_argument("--world", help="world file to seed localcloud with (shared by all given events)")
    p.add_argument("--policy", help="policy file (default: the shipped default policy)")
    p.add_argument("--dump-world", metavar="FILE", help="write localcloud's end state (world + outbox, traces, calls)")
    p.add_argument("--json", action="store_true", help="print the machine-readable reports")
    p.add_argument("--email", action="store_true", help="also print the email body of every notification")
    p.add_argument("--live", action="store_true", help="use a real account (HUAWEICLOUD_SDK_* variables)")
    p.add_argument("--dry-run", action="store_true", help="force report mode: change nothing")
    p.set_defaults(func=commands.replay)


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="check every BMS in the project now (the timer sweep on demand)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--world", help="world file to seed localcloud with")
    where.add_argument("--live", action="store_true", help="use a real account (HUAWEICLOUD_SDK_* variables)")
    p.add_argument("--policy", help="policy file")
    p.add_argument("--dry-run", action="store_true", help="force report mode: change nothing")
    p.add_argument("--json", action="store_true", help="print the machine-readable report")
    p.set_defaults(func=commands.sweep)


def _add_deploy_commands(sub: argparse._SubParsersAction) -> None:
    try:
        from deploy.commands import add_commands
    except ImportError:  # a checkout without the deploy package still has every other command
        return
    add_commands(sub)


def _route_function_logs(verbose: bool) -> None:
    """The function logs one JSON line per action; on a terminal that is noise unless asked for."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr) if verbose else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors (2) and --help (0) end here, so main() always returns a code
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    _route_function_logs(args.verbose)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"bmsguard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("bmsguard: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
