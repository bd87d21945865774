"""The load benchmark (tests/load.py) only ever sends to this machine."""
import socket
import threading

import pytest

from tests import load

ELSEWHERE = [
    "http://10.0.0.5:5005",
    "http://example.org:5005",
    "https://council.example.gov.uk",
    "http://127.0.0.1.nip.io:5005",
    "http://localhost.example.com:5005",
    "http://127.0.0.1@example.org:5005",     # the host is example.org
    "http://0.0.0.0:5005",
    "ftp://127.0.0.1:5005",
    "127.0.0.1:5005",                        # no scheme: not a URL we understand
]


@pytest.fixture
def nothing_leaves(monkeypatch):
    """Record (and stop) any connection, HTTP request or resident thread."""
    attempts = []

    def refuse(what):
        def call(*args, **kwargs):
            attempts.append(what)
            raise AssertionError(f"{what} was attempted")
        return call

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(load.requests.Session, "request", refuse("HTTP request"))
    monkeypatch.setattr(threading.Thread, "start", refuse("a resident thread"))
    return attempts


@pytest.mark.parametrize("channel", ["rest", "socketio"])
@pytest.mark.parametrize("url", ELSEWHERE)
def test_run_load_refuses_anything_but_loopback_before_sending(url, channel, nothing_leaves):
    with pytest.raises(ValueError, match="only sent to this machine"):
        load.run_load(url, residents=2, seconds=1, channel=channel, verbose=False)
    assert nothing_leaves == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:5005", "http://localhost:5005/", "http://LOCALHOST:5005"])
def test_loopback_urls_are_accepted(url):
    assert load.check_loopback(url) == url.rstrip("/")
