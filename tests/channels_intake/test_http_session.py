"""Replies to a platform reuse kept-alive connections (one TLS handshake per connection, not one per reply: a
burst's acknowledgements go out on a few connections), and a connection the platform closed is replaced."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels_intake.adapters.base import http_session, post_json


class Platform(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platforms' APIs
    disable_nagle_algorithm = True
    peers: list = []
    cookies: list = []
    close_next = False

    def do_POST(self):  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Platform.peers.append(self.client_address)
        Platform.cookies.append(self.headers.get("Cookie"))
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "sessionid=of-one-account; Path=/")
        if Platform.close_next:
            Platform.close_next = False
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def platform():
    Platform.peers, Platform.cookies = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_replies_reuse_one_kept_alive_connection(platform):
    for n in range(5):
        assert post_json(f"{platform}/send", {"n": n}, timeout=5) == {"ok": True}
    assert len(Platform.peers) == 5 and len(set(Platform.peers)) == 1


def test_a_connection_the_platform_closed_is_replaced(platform):
    post_json(f"{platform}/send", {"n": 0}, timeout=5)
    Platform.close_next = True
    post_json(f"{platform}/send", {"n": 1}, timeout=5)  # answered, then closed by the platform
    assert post_json(f"{platform}/send", {"n": 2}, timeout=5) == {"ok": True}  # a new connection, no error
    assert len(set(Platform.peers)) == 2


def test_the_session_keeps_no_cookie_between_calls(platform):
    post_json(f"{platform}/send", {"account": "a"}, timeout=5)  # the answer sets a cookie
    post_json(f"{platform}/send", {"account": "b"}, timeout=5)
    assert Platform.cookies == [None, None] and len(http_session().cookies) == 0
