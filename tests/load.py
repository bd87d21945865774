"""A bounded, closed-loop load benchmark against a running assistant, on this machine only.

`residents` simulated residents, each in its own thread, each sending its next
message as soon as the reply to the previous one arrived (no think time), for
`seconds`. Each resident goes through whole conversations, each with a fresh
sender id: an FAQ question, a bin-day look-up (question, postcode, the first
address button), a pothole report up to "Send report", and a status question
with the reference a report got.

    python -m tests.load --url http://127.0.0.1:5005 --residents 20 --seconds 60 --channel rest

Bounded: only loopback URLs are accepted (nothing is sent anywhere else), every
request has a timeout, no message is sent after `seconds` or past
`max_messages`, and a resident whose turn is under way when time is up is
waited for at most the turn's timeouts. Figures, not pass/fail: messages/s
(answered messages finished within `seconds`), latency percentiles, errors
(HTTP errors, timeouts, empty replies, a flow that did not go as scripted, a
socket.io connection refused), and the memory (RSS) of the processes listening
on the ports given.

Latency is per message, from sending it to the last reply of that turn.
- REST: the HTTP response.
- socket.io: the last `bot_uttered` of the turn. A turn is over when the server
  has acknowledged the `user_uttered` event (python-socketio sends the ack when
  Rasa's handler returns: every reply of the turn emitted, the tracker saved)
  and no further reply came for `SETTLE_SECONDS` after the ack and the last
  reply; that quiet window is not counted in latency, but it is a pause
  before each resident's next message, so socket.io's messages/s are lower
  than REST's at the same load. (With several Rasa servers, replies go
  through Redis and can trail the ack.) The time to the ack, and the time
  to open each conversation's websocket and session, are reported apart.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import threading
import time
import uuid
from typing import Callable, Dict, List, Optional
from urllib.parse import urlsplit

import requests

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
TURN_TIMEOUT = 30.0         # seconds a message may take before it counts as timed out
CONNECT_TIMEOUT = 10.0
# socket.io: quiet time after the ack and the last reply, not counted in latency. With several Rasa
# servers replies go through Redis and can trail the ack by more than 100 ms under load; a shorter
# window splits a turn's replies across two turns.
SETTLE_SECONDS = 0.3
FIRST_REPLY_AFTER_ACK = 2.0  # socket.io: acked but no reply yet (replies through Redis): wait this long
DEFAULT_MAX_MESSAGES = 100_000
ERROR_PAUSE = 0.5           # seconds a resident waits after a failed conversation

# Held-out and training phrasings of FAQ questions (tests/nlu/test_nlu.yml, data/nlu/faq.yml).
FAQ_QUESTIONS = [
    "How do I pay my council tax?",
    "what time does the tip close",
    "How do I apply for a blue badge?",
    "how can i pay my council tax bill online",
    "is the tip open on sunday",
    "am i eligible for a blue badge",
]
# Bin day: a postcode with several addresses, so the resident picks one from the buttons
# (tests/integration/test_conversations.py::test_bin_day_with_address_buttons).
BIN_QUESTION = "when is my bin collected"
BIN_POSTCODE = "BK5 9GZ"
# A pothole report in one message, then the form
# (tests/integration/test_reports.py::test_pothole_in_one_message_then_status).
POTHOLE_SCRIPT = [
    "there's a huge pothole outside 14 Station Road, deep hole in the middle of the road",
    "jo@example.com Jo Bloggs",
    ">Send report",
]
REFERENCE = re.compile(r"\*\*([A-Z]{2,5}-[A-Z0-9]{3,10})\*\*")
# Conversations in the order each resident goes through them (each starts at a different point).
ROTATION = ("faq", "bin_day", "faq", "pothole", "status")


class TurnError(Exception):
    """A message that failed: `kind` is http, timeout, empty, connect or unexpected."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


class Stopped(Exception):
    """The run's time (or message count) is up: the conversation ends here."""


def check_loopback(url: str) -> str:
    """`url` without a trailing slash, if it is http(s) on 127.0.0.1 or localhost; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"Load is only sent to this machine (http://127.0.0.1 or http://localhost), not {url!r}")
    return url.rstrip("/")


# ---------------------------------------------------------------- figures

class Figures:
    """What every resident measured, under one lock."""

    def __init__(self, deadline: float, max_messages: int):
        self.lock = threading.Lock()
        self.deadline = deadline
        self.max_messages = max_messages
        self.sent = 0
        self.latencies: List[float] = []       # seconds, turns that got their replies
        self.done: List[float] = []            # socket.io: seconds to the server's ack (turn handled)
        self.connects: List[float] = []        # socket.io: seconds to connect and get a session
        self.in_window = 0                     # of those, finished before the deadline
        self.errors: Dict[str, int] = {}
        self.samples: List[str] = []
        self.conversations: Dict[str, int] = {}
        self.references: List[str] = []
        self.late_replies = 0                  # socket.io replies that came after their turn was over

    def may_send(self) -> bool:
        with self.lock:
            if time.monotonic() >= self.deadline or self.sent >= self.max_messages:
                return False
            self.sent += 1
            return True

    def answered(self, latency: float, finished: float, done: Optional[float] = None) -> None:
        with self.lock:
            self.latencies.append(latency)
            if done is not None:
                self.done.append(done)
            if finished <= self.deadline:
                self.in_window += 1

    def failed(self, error: TurnError) -> None:
        with self.lock:
            self.errors[error.kind] = self.errors.get(error.kind, 0) + 1
            if len(self.samples) < 5:
                self.samples.append(str(error)[:300])

    def finished(self, kind: str) -> None:
        with self.lock:
            self.conversations[kind] = self.conversations.get(kind, 0) + 1


def percentile(values: List[float], share: float) -> Optional[float]:
    """Nearest-rank percentile (`share` in 0..100) of `values`; None if there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


# ---------------------------------------------------------------- memory

def _status_kb(pid: int, field: str) -> int:
    try:
        for line in open(f"/proc/{pid}/status", encoding="ascii", errors="replace"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children() -> Dict[int, List[int]]:
    tree: Dict[int, List[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(parent, []).append(int(name))
    return tree


def _is_python(pid: int) -> bool:
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe")).startswith("python")
    except OSError:
        return False


def process_memory(ports: Dict[str, int]) -> Dict[str, Optional[dict]]:
    """For each named port, the process listening on it: {pid, rss_mb, peak_mb}, or None if none is found.

    The project's processes (`python -m bot.cli serve ROLE`, which becomes the role's
    Python process) count their child processes too; other servers (HAProxy,
    PostgreSQL, Redis) only the listening process, as their children share its memory.
    """
    from tests.cluster_stack import listening_pid

    tree = None
    found: Dict[str, Optional[dict]] = {}
    for name, port in ports.items():
        pid = listening_pid(port)
        if pid is None:
            found[name] = None
            continue
        pids = [pid]
        if _is_python(pid):
            tree = tree if tree is not None else _children()
            stack = list(tree.get(pid, []))
            while stack:
                child = stack.pop()
                pids.append(child)
                stack.extend(tree.get(child, []))
        found[name] = {"pid": pid, "processes": len(pids),
                       "rss_mb": sum(_status_kb(p, "VmRSS") for p in pids) / 1024,
                       "peak_mb": sum(_status_kb(p, "VmHWM") for p in pids) / 1024}
    return found


# ---------------------------------------------------------------- channels

class RestResident:
    """One resident over the REST channel: one HTTP session, a fresh sender per conversation."""

    def __init__(self, base_url: str):
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.http = requests.Session()
        self.sender = ""

    def new_conversation(self) -> None:
        self.sender = f"load-{uuid.uuid4().hex[:12]}"

    last_done: Optional[float] = None

    def turn(self, text: str) -> "tuple[list, float]":
        sent = time.monotonic()
        try:
            reply = self.http.post(self.url, json={"sender": self.sender, "message": text},
                                   timeout=(CONNECT_TIMEOUT, TURN_TIMEOUT))
        except requests.Timeout as error:
            raise TurnError("timeout", f"{text!r}: {error}")
        except requests.RequestException as error:
            raise TurnError("http", f"{text!r}: {error}")
        latency = time.monotonic() - sent
        if not reply.ok:
            raise TurnError("http", f"{text!r}: HTTP {reply.status_code} {reply.text[:200]}")
        try:
            replies = reply.json()
        except ValueError:
            raise TurnError("http", f"{text!r}: not JSON: {reply.text[:200]}")
        return replies, latency

    def end_conversation(self) -> None:
        pass

    def close(self) -> None:
        self.http.close()


def _aiohttp_websocket_compat() -> None:
    """Let python-engineio 4.15's websocket client run on aiohttp 3.9 (Rasa 3.6's pin).

    engineio passes `timeout=aiohttp.ClientWSTimeout(ws_close=...)` to `ws_connect`, a class
    aiohttp only has from 3.10; aiohttp 3.9 takes the same close timeout as a number under
    the same keyword. Only this process (the load generator) is affected.
    """
    import aiohttp

    if not hasattr(aiohttp, "ClientWSTimeout"):
        aiohttp.ClientWSTimeout = lambda ws_close=10.0, ws_receive=None: ws_close


class SocketIOResident:
    """One resident over socket.io, as the widget speaks it: a websocket and a session per conversation.

    python-socketio's synchronous `Client` needs the `websocket-client` package for
    websockets, which the project does not install (without it, it stays on long
    polling); its `AsyncClient` (websockets through aiohttp, a Rasa dependency) is
    driven here from this resident's own thread and event loop.
    """

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.loop = asyncio.new_event_loop()
        self.client = None
        self.session = ""
        self.inbox: List["tuple[float, dict]"] = []
        self.arrived: Optional[asyncio.Event] = None
        self.late = 0
        self.last_done: Optional[float] = None   # the last turn: send to the server's ack

    def _run(self, coroutine, timeout: float):
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, timeout))

    def new_conversation(self) -> None:
        try:
            self._run(self._connect(), CONNECT_TIMEOUT + 5)
        except TurnError:
            raise
        except Exception as error:   # socketio.exceptions.ConnectionError, timeouts, refused
            self.end_conversation()
            raise TurnError("connect", f"{type(error).__name__}: {error}")

    async def _connect(self) -> None:
        import socketio

        _aiohttp_websocket_compat()
        self.client = socketio.AsyncClient(reconnection=False)
        self.arrived = asyncio.Event()
        self.inbox = []
        confirmed = asyncio.get_running_loop().create_future()

        def bot_uttered(message):
            self.inbox.append((time.monotonic(), message))
            self.arrived.set()

        def session_confirm(*data):
            if not confirmed.done():
                confirmed.set_result(data)

        self.client.on("bot_uttered", bot_uttered)
        self.client.on("session_confirm", session_confirm)
        self.session = uuid.uuid4().hex
        await self.client.connect(self.base_url, transports=["websocket"], wait_timeout=CONNECT_TIMEOUT)
        await self.client.emit("session_request", {"session_id": self.session})
        await asyncio.wait_for(confirmed, CONNECT_TIMEOUT)

    def turn(self, text: str) -> "tuple[list, float]":
        try:
            return self._run(self._turn(text), TURN_TIMEOUT + 1)
        except asyncio.TimeoutError:
            raise TurnError("timeout", f"{text!r}: no complete answer in {TURN_TIMEOUT:g} s")

    async def _turn(self, text: str) -> "tuple[list, float]":
        self.late += len(self.inbox)          # replies of an earlier turn that came after it was over
        self.inbox = []
        self.arrived.clear()
        loop = asyncio.get_running_loop()
        acked = loop.create_future()

        def ack(*_):
            if not acked.done():
                acked.set_result(time.monotonic())

        sent = time.monotonic()
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session}, callback=ack)
        try:
            ack_at = await asyncio.wait_for(acked, TURN_TIMEOUT)
        except asyncio.TimeoutError:
            raise TurnError("timeout", f"{text!r}: not acknowledged in {TURN_TIMEOUT:g} s "
                                       f"({len(self.inbox)} replies came)")
        if not self.inbox:                     # acked before the first reply (replies through Redis)
            try:
                await asyncio.wait_for(self.arrived.wait(), FIRST_REPLY_AFTER_ACK)
            except asyncio.TimeoutError:
                raise TurnError("empty", f"{text!r}: acknowledged, but no reply")
        while True:                            # stragglers: quiet for SETTLE_SECONDS
            quiet_until = max(ack_at, self.inbox[-1][0]) + SETTLE_SECONDS
            if time.monotonic() >= quiet_until:
                break
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), quiet_until - time.monotonic())
            except asyncio.TimeoutError:
                pass
        replies = [message for _, message in self.inbox]
        latency = self.inbox[-1][0] - sent
        self.last_done = ack_at - sent
        self.inbox = []
        return replies, latency

    def end_conversation(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            try:
                self._run(client.disconnect(), 5)
            except Exception:
                pass

    def close(self) -> None:
        self.end_conversation()
        try:
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.wait(pending, timeout=5))
        except Exception:
            pass
        self.loop.close()


CHANNELS = {"rest": RestResident, "socketio": SocketIOResident}


# ---------------------------------------------------------------- conversations

def _texts(replies: list) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies)


def _buttons(replies: list) -> list:
    """The buttons offered: `buttons` over REST, `quick_replies` over socket.io."""
    return [b for r in replies for b in (r.get("buttons") or r.get("quick_replies") or [])]


def _button(replies: list, title: Optional[str] = None) -> str:
    """The payload of the button called `title` (the first button if None)."""
    for button in _buttons(replies):
        if title is None or button.get("title") == title:
            return button["payload"]
    offered = [b.get("title") for b in _buttons(replies)]
    raise TurnError("unexpected", f"no button {title or '(any)'!r}; offered {offered}; said {_texts(replies)[:200]!r}")


def _faq(say: Callable[[str], list], rng: random.Random, figures: Figures) -> None:
    say(rng.choice(FAQ_QUESTIONS))


def _bin_day(say, rng, figures) -> None:
    say(BIN_QUESTION)
    replies = say(BIN_POSTCODE)
    say(_button(replies))


def _pothole(say, rng, figures) -> None:
    replies: list = []
    for step in POTHOLE_SCRIPT:
        replies = say(_button(replies, step[1:]) if step.startswith(">") else step)
    found = REFERENCE.search(_texts(replies))
    if not found:
        raise TurnError("unexpected", f"no reference after 'Send report': {_texts(replies)[:200]!r}")
    with figures.lock:
        figures.references.append(found.group(1))


def _status(say, rng, figures) -> bool:
    with figures.lock:
        reference = rng.choice(figures.references) if figures.references else None
    if reference is None:
        return False
    replies = say(f"what's happening with my report {reference}?")
    # A report filed first with our WEB- reference is told by the back office's once delivered.
    if reference not in _texts(replies) and not re.search(r"\bBRK-\d+\b", _texts(replies)):
        raise TurnError("unexpected", f"status of {reference}: {_texts(replies)[:200]!r}")
    return True


CONVERSATIONS = {"faq": _faq, "bin_day": _bin_day, "pothole": _pothole, "status": _status}


def _resident(number: int, channel: str, base_url: str, figures: Figures, stop: threading.Event) -> None:
    rng = random.Random(number)
    client = CHANNELS[channel](base_url)

    def say(text: str) -> list:
        if stop.is_set() or not figures.may_send():
            raise Stopped()
        replies, latency = client.turn(text)
        finished = time.monotonic()
        if not replies:
            raise TurnError("empty", f"{text!r}: no reply")
        figures.answered(latency, finished, client.last_done)
        return replies

    try:
        position = number % len(ROTATION)
        while not stop.is_set() and time.monotonic() < figures.deadline:
            kind = ROTATION[position]
            position = (position + 1) % len(ROTATION)
            if kind == "status":
                with figures.lock:
                    if not figures.references:
                        continue
            try:
                opened = time.monotonic()
                client.new_conversation()
                if channel == "socketio":
                    with figures.lock:
                        figures.connects.append(time.monotonic() - opened)
                CONVERSATIONS[kind](say, rng, figures)
                figures.finished(kind)
            except Stopped:
                break
            except TurnError as error:
                figures.failed(error)
                stop.wait(ERROR_PAUSE)       # a server that fails at once is not hammered in a tight loop
            except Exception as error:     # a bug here must not stop the other residents
                figures.failed(TurnError("unexpected", f"{type(error).__name__}: {error}"))
                stop.wait(ERROR_PAUSE)
            finally:
                client.end_conversation()
    finally:
        with figures.lock:
            figures.late_replies += getattr(client, "late", 0)
        client.close()


def run_load(base_url: str, residents: int, seconds: float, channel: str = "rest",
             ports: Optional[Dict[str, int]] = None, max_messages: int = DEFAULT_MAX_MESSAGES,
             verbose: bool = True) -> dict:
    """Closed-loop load for `seconds`; the figures (and printed, if `verbose`).

    `ports`: {name: port} of the processes whose memory to report (by default the
    port of `base_url`).
    """
    base_url = check_loopback(base_url)
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if not 1 <= residents <= 1000 or not 0 < seconds <= 3600:
        raise ValueError("1 to 1000 residents, for up to an hour")
    if ports is None:
        parts = urlsplit(base_url)
        ports = {"rasa": parts.port or (443 if parts.scheme == "https" else 80)}

    cpu = os.times()
    started = time.monotonic()
    figures = Figures(started + seconds, max_messages)
    stop = threading.Event()
    threads = [threading.Thread(target=_resident, args=(number, channel, base_url, figures, stop),
                                name=f"resident-{number}", daemon=True) for number in range(residents)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, figures.deadline - time.monotonic()))
    stop.set()
    # A turn under way when time is up may take up to its timeout; no resident is waited for longer.
    give_up = time.monotonic() + TURN_TIMEOUT + CONNECT_TIMEOUT + 10
    for thread in threads:
        thread.join(timeout=max(0.0, give_up - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    window = min(time.monotonic(), figures.deadline) - started
    cpu_end = os.times()
    generator_cpu = (cpu_end.user - cpu.user) + (cpu_end.system - cpu.system)

    with figures.lock:
        latencies, done = list(figures.latencies), list(figures.done)
        result = {
            "url": base_url, "channel": channel, "residents": residents, "seconds": round(window, 1),
            "messages": figures.sent,
            "answered": len(latencies),
            "messages_per_s": round(figures.in_window / window, 2) if window > 0 else 0.0,
            "p50_ms": _ms(percentile(latencies, 50)), "p95_ms": _ms(percentile(latencies, 95)),
            "p99_ms": _ms(percentile(latencies, 99)), "max_ms": _ms(max(latencies) if latencies else None),
            # socket.io: send to the server's acknowledgement (the turn handled, tracker saved)
            "ack_p50_ms": _ms(percentile(done, 50)), "ack_p95_ms": _ms(percentile(done, 95)),
            # socket.io: a new websocket and session for each conversation (not in the latencies)
            "connect_p50_ms": _ms(percentile(figures.connects, 50)),
            "connect_p95_ms": _ms(percentile(figures.connects, 95)),
            "errors": sum(figures.errors.values()) + stuck,
            "error_kinds": {**figures.errors, **({"stuck": stuck} if stuck else {})},
            "error_samples": list(figures.samples),
            "conversations": dict(figures.conversations),
            "reports_filed": len(figures.references),
            "late_replies": figures.late_replies,
            "generator_cpu_s": round(generator_cpu, 1),
            "memory": process_memory(ports),
        }
    if verbose:
        print(format_figures(result))
    return result


def _ms(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds * 1000, 1)


def format_figures(result: dict) -> str:
    def ms(value):
        return "-" if value is None else f"{value:.0f} ms"

    latency = (f"p50 {ms(result['p50_ms'])}, p95 {ms(result['p95_ms'])}, p99 {ms(result['p99_ms'])}, "
               f"max {ms(result['max_ms'])}")
    if result.get("ack_p50_ms") is not None:
        latency += f"; to the server's ack p50 {ms(result['ack_p50_ms'])}, p95 {ms(result['ack_p95_ms'])}"
    lines = [
        f"Load: {result['residents']} residents over {result['channel']} for {result['seconds']:g} s "
        f"against {result['url']}",
        f"  messages:      {result['messages']} ({result['answered']} answered), "
        f"{result['messages_per_s']:.1f} messages/s",
        f"  latency:       {latency}",
    ]
    if result.get("connect_p50_ms") is not None:
        lines.append(f"  connecting:    p50 {ms(result['connect_p50_ms'])}, p95 {ms(result['connect_p95_ms'])} "
                     "(websocket and session, once per conversation; not in the latencies)")
    lines.append(f"  errors:        {result['errors']}" + (f" {result['error_kinds']}" if result["errors"] else ""))
    lines += [f"    e.g. {sample}" for sample in result["error_samples"][:3]]
    conversations = ", ".join(f"{k} {v}" for k, v in sorted(result["conversations"].items())) or "none"
    lines.append(f"  conversations: {conversations}; reports filed {result['reports_filed']}")
    lines.append("  memory (RSS):  " + format_memory(result["memory"]))
    lines.append(f"  load generator CPU: {result['generator_cpu_s']:g} s")
    return "\n".join(lines)


def format_memory(memory: Dict[str, Optional[dict]]) -> str:
    return ", ".join(f"{name} {found['rss_mb']:.0f} MB" + (f" ({found['processes']} processes)"
                                                            if found["processes"] > 1 else "")
                     if found else f"{name} -" for name, found in memory.items()) or "-"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005",
                        help="the Rasa server or load balancer (127.0.0.1 or localhost only)")
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--channel", choices=sorted(CHANNELS), default="rest")
    parser.add_argument("--port", action="append", default=[], metavar="NAME=PORT",
                        help="also report the memory of the process listening on PORT (repeatable)")
    args = parser.parse_args(argv)
    ports = None
    if args.port:
        ports = {}
        for item in args.port:
            name, _, port = item.partition("=")
            ports[name] = int(port)
    try:
        run_load(args.url, args.residents, args.seconds, args.channel, ports=ports)
    except ValueError as error:
        raise SystemExit(str(error))


if __name__ == "__main__":
    main()
