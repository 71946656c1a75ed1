"""The HTTP server adapter: one loopback port for every service, dispatching by path through the same
core as the in-process adapter. ``GET /_localcloud/world`` answers the dump."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
WORLD_PATH = "/_localcloud/world"


class LocalCloudServer:
    """Serves ``cloud`` on 127.0.0.1:``port`` (0: a free port) from a background thread."""

    def __init__(self, cloud: Any, port: int = 0):
        self.cloud = cloud
        self._httpd = ThreadingHTTPServer((LOOPBACK, port), _handler_for(cloud))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> LocalCloudServer:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="localcloud-server", daemon=True)
        self._thread.start()
        self.cloud.server_endpoint = self.endpoint
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        self.cloud.server_endpoint = ""

    def __enter__(self) -> LocalCloudServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _handler_for(cloud: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
        server_version = "localcloud"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.command == "GET" and url.path == WORLD_PATH:
                self._answer(200, {"Content-Type": "application/json"}, json.dumps(cloud.dump()).encode())
                return
            response = cloud.dispatcher.handle(self.command, url.path or "/", url.query, dict(self.headers.items()),
                                               body)
            self._answer(response.status, response.headers, response.body)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Quiet: the call log (``cloud.calls``) records every request."""

    return Handler
