"""The console over HTTP on 127.0.0.1, standard library only, for Chromium to show.

>>> import tempfile; from pathlib import Path
>>> store = Store.create(Path(tempfile.mkdtemp()) / "store.json", default_tickets())
>>> with ConsoleServer(store.path) as server:
...     server.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

from deskhand.scenarios.console.app import ConsoleApp, Response
from deskhand.scenarios.console.look import DEFAULT_LOOK, ConsoleLook
from deskhand.scenarios.console.store import Clock, Store, default_tickets

__all__ = ["ConsoleLook", "ConsoleServer", "serve"]

MAX_BODY = 64 * 1024  # bytes; more than any note the pages allow
MAX_DRAIN = 1024 * 1024  # a refused body up to this size is read and dropped
POLL_SECONDS = 0.05  # how soon stop() takes effect


class _HTTPServer(ThreadingHTTPServer):
    """Carries the app to the handler, and whether to print a line per request."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: ConsoleApp, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.verbose = verbose


class _Handler(BaseHTTPRequestHandler):
    """Moves bytes between the socket and ConsoleApp; all decisions are the app's."""

    server_version = "deskhand-console/1"

    def do_GET(self) -> None:
        self._send(self._server().app.handle("GET", self.path))

    def do_POST(self) -> None:
        body = self._read_body()
        if isinstance(body, Response):
            self._send(body)
            return
        content_type = self.headers.get("Content-Type", "")
        self._send(self._server().app.handle("POST", self.path, body, content_type))

    def _read_body(self) -> bytes | Response:
        """The request body, or a 400 page if its length is missing or too large to accept."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if 0 <= length <= MAX_BODY:
            return self.rfile.read(length)
        if MAX_BODY < length <= MAX_DRAIN:
            self._discard(length)  # read it, or closing the socket resets it before the client sees the 400
        else:
            self.close_connection = True
        message = f"The form must be sent with a Content-Length of at most {MAX_BODY} bytes."
        return self._server().app.problem(400, message)

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                break
            length -= len(chunk)

    def _send(self, response: Response) -> None:
        body = response.body.encode("utf-8")
        try:
            self.send_response(response.status)
            if response.location:
                self.send_header("Location", response.location)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")  # Back must show the store's state, not a copy
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _server(self) -> _HTTPServer:
        return cast(_HTTPServer, self.server)

    def log_message(self, format: str, *args: object) -> None:
        if self._server().verbose:
            super().log_message(format, *args)


class ConsoleServer:
    """The console on a free port of 127.0.0.1, serving the store at `store_path` until stopped."""

    def __init__(
        self,
        store_path: Path,
        look: ConsoleLook = DEFAULT_LOOK,
        port: int = 0,
        clock: Clock = time.time,
        verbose: bool = False,
    ) -> None:
        self.app = ConsoleApp(Path(store_path), look, clock)
        self.port = port
        self.verbose = verbose
        self.url = ""
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def look(self) -> ConsoleLook:
        return self.app.look

    def set_look(self, look: ConsoleLook) -> None:
        """Pages loaded from now on use `look`; the store is untouched."""
        self.app.look = look

    def start(self) -> ConsoleServer:
        """Bind and serve in a daemon thread; fails at once if the store cannot be read."""
        if self._httpd is not None:
            raise RuntimeError("console server already started")
        Store.load(self.app.store_path)
        self._httpd = _HTTPServer(("127.0.0.1", self.port), self.app, self.verbose)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(POLL_SECONDS,), name="console-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ConsoleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(store_path: Path, port: int = 0, look: ConsoleLook = DEFAULT_LOOK, seed: int = 0) -> None:
    """Run the console in the foreground for a person to look at; a missing store gets default tickets."""
    if not Path(store_path).exists():
        Store.create(Path(store_path), default_tickets(seed))
    with ConsoleServer(Path(store_path), look, port=port, verbose=True) as server:
        print(f"Support console at {server.url} (store {store_path}); Ctrl+C stops it.", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
