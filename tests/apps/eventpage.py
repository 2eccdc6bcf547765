"""A local web page that reports what reaches it, written by the page itself to a file.

The page posts every mousedown (with screenX/screenY) and the textarea's value to this
server, which appends them as JSON lines. Tests read that file: the app's own output,
not our screenshots.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>deskhand event page</title>
<style>html,body{margin:0;height:100%;background:#f4f4f4;font:20px sans-serif}
textarea{position:absolute;left:40px;top:40px;width:600px;height:120px;font-size:20px}
#pw{position:absolute;left:40px;top:220px;width:300px;height:26px;font-size:20px}</style></head>
<body>
<textarea id="box"></textarea>
<input id="pw" type="password" autocomplete="off">
<script>
let seq=0;
function post(rec){rec.seq=++seq;fetch('/event',{method:'POST',body:JSON.stringify(rec)});}
document.addEventListener('mousedown', e => post({type:'mousedown', screenX:e.screenX, screenY:e.screenY,
  dpr: window.devicePixelRatio, button:e.button}));
document.getElementById('box').addEventListener('input', e => post({type:'value', value:e.target.value}));
window.addEventListener('load', () => post({type:'ready', w:screen.width, h:screen.height,
  dpr: window.devicePixelRatio}));
</script></body></html>"""


class EventPage:
    """Serves PAGE on 127.0.0.1 and appends what the page posts to `log`."""

    def __init__(self, log: Path) -> None:
        self.log = log
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = PAGE.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                with page.log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(json.loads(data), ensure_ascii=False) + "\n")
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> EventPage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]
