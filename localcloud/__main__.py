"""``python -m localcloud serve --world FILE [--port N] [--dump FILE]``.

Serves the world on 127.0.0.1 until SIGINT/SIGTERM, then writes the dump file when asked.
Exit codes: 0 stopped cleanly, 2 bad arguments, world file or dump path, 1 the port could not be bound
or the dump could not be written.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from localcloud.cloud import LocalCloud
from localcloud.wire import WorldError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description="Emulated Huawei Cloud APIs.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a world over HTTP on 127.0.0.1")
    serve.add_argument("--world", help="world file (YAML or JSON); default: the built-in default world")
    serve.add_argument("--port", type=_port, default=0, help="port to listen on (default: a free port)")
    serve.add_argument("--dump", help="write the final world dump (JSON) here on shutdown")
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    unwritable = _unwritable_dump(args.dump)
    if unwritable:
        print(f"localcloud: --dump {args.dump}: {unwritable}", file=sys.stderr)
        return 2
    try:
        cloud = LocalCloud.from_file(args.world) if args.world else LocalCloud()
    except WorldError as exc:
        print(f"localcloud: {exc}", file=sys.stderr)
        return 2
    return serve(cloud, args.port, args.dump)


def serve(cloud: LocalCloud, port: int, dump_path: str | None) -> int:
    try:
        server = cloud.serve(port)
    except OSError as exc:
        print(f"localcloud: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signal handlers can only be set there
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"localcloud listening on {server.endpoint}", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:  # SIGINT outside the main thread's handlers
        pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if dump_path:
        return _write_dump(cloud, dump_path)
    return 0


def _unwritable_dump(dump_path: str | None) -> str:
    """Why the dump file could not be written at shutdown ("" if it can): checked before serving, so a
    session's end state is not lost to a typo in the path."""
    if not dump_path:
        return ""
    target = Path(dump_path)
    if target.is_dir():
        return "is a directory"
    if not target.resolve().parent.is_dir():
        return f"directory {target.resolve().parent} does not exist"
    return ""


def _write_dump(cloud: LocalCloud, dump_path: str) -> int:
    try:
        Path(dump_path).write_text(json.dumps(cloud.dump(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"localcloud: cannot write the dump to {dump_path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"localcloud: world dumped to {dump_path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
