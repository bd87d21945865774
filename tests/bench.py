"""`make bench`: figures, not pass/fail. NLU accuracy on held-out phrasings, and speed.

Prints intent accuracy and F1, FAQ answer accuracy, message parse latency,
how fast bin days are worked out for the whole gazetteer, and held-out
residents filing reports against the running stack (tests/report_journeys.py).
"""
from __future__ import annotations

import asyncio
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn.metrics import f1_score  # noqa: E402

from bot import clock  # noqa: E402
from bot.council_data import calendar, gazetteer  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from tests.rasa.test_training_data import examples  # noqa: E402

MODEL = PROJECT_ROOT / "models" / "brackenford.tar.gz"


async def nlu_figures() -> None:
    import logging

    import structlog
    from rasa.core.agent import Agent

    # Figures only: no per-message debug lines from Rasa.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.WARNING)

    started = time.perf_counter()
    agent = Agent.load(str(MODEL))
    load_seconds = time.perf_counter() - started

    gold_intents, predicted_intents, gold_answers, predicted_answers, latencies = [], [], [], [], []
    for intent, texts in examples(PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml").items():
        for text in texts:
            started = time.perf_counter()
            parsed = await agent.parse_message(text)
            latencies.append(time.perf_counter() - started)
            base = intent.split("/")[0]
            gold_intents.append(base)
            predicted_intents.append(parsed["intent"]["name"])
            if base == "faq":
                selected = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
                gold_answers.append(intent)
                predicted_answers.append(selected.get("intent_response_key"))

    def accuracy(gold, predicted):
        return sum(g == p for g, p in zip(gold, predicted)) / len(gold)

    print(f"Held-out phrasings:        {len(gold_intents)}")
    print(f"Intent accuracy:           {accuracy(gold_intents, predicted_intents):.3f}")
    print(f"Intent F1 (weighted):      {f1_score(gold_intents, predicted_intents, average='weighted'):.3f}")
    print(f"Intent F1 (macro):         {f1_score(gold_intents, predicted_intents, average='macro'):.3f}")
    print(f"FAQ answer accuracy:       {accuracy(gold_answers, predicted_answers):.3f} ({len(gold_answers)} questions)")
    print(f"FAQ answer F1 (weighted):  {f1_score(gold_answers, [p or '' for p in predicted_answers], average='weighted'):.3f}")
    print(f"Fallbacks (nlu_fallback):  {predicted_intents.count('nlu_fallback')}")
    # The cost of turning away off-topic questions: council business taken for off-topic.
    council = [i for i, gold in enumerate(gold_intents) if gold != "out_of_scope"]
    turned_away = [i for i in council if predicted_intents[i] == "out_of_scope"]
    print(f"Council phrasings taken for off-topic: {len(turned_away)} of {len(council)}")
    print(f"Model load:                {load_seconds:.1f} s")
    print(f"Parse latency:             median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {sorted(latencies)[int(len(latencies) * 0.95)] * 1000:.1f} ms")
    await understanding_figures(agent)
    # The server-side message limit bounds how long one message can hold a Rasa server.
    from bot.message_limit import max_message_length
    longest = ("my black bin wasnt collected this week at 11 High Street BK1 9RZ and the lid is broken. "
               * 60)[:max_message_length()]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        await agent.parse_message(longest)
        timings.append(time.perf_counter() - started)
    print(f"Parse at the message limit ({len(longest):,} characters): median "
          f"{statistics.median(timings) * 1000:.0f} ms, slowest {max(timings) * 1000:.0f} ms")


async def understanding_figures(agent) -> None:
    """Held-out report messages and off-topic messages: the first message's intent."""
    from tests.report_journeys import OFF_TOPIC, cases

    reports = cases()
    right = [(await agent.parse_message(case["message"]))["intent"]["name"] == f"report_{case['service']}"
             for case in reports]
    print(f"Held-out report messages:  {sum(right)}/{len(right)} understood as the right report "
          f"({sum(right) / len(right):.1%})")
    off_topic = examples(OFF_TOPIC)["out_of_scope"]
    intents = [(await agent.parse_message(text))["intent"]["name"] for text in off_topic]
    rejected = sum(i in ("out_of_scope", "nlu_fallback") for i in intents)
    reports_started = sum(i.startswith("report_") for i in intents)
    print(f"Held-out off-topic:        {rejected}/{len(intents)} rejected ({rejected / len(intents):.1%}; "
          f"{intents.count('out_of_scope')} as off-topic, {intents.count('nlu_fallback')} not understood); "
          f"{reports_started} would start a report")


def calendar_figures() -> None:
    gaz, cal, today = gazetteer(), calendar(), clock.today()
    addresses = [a for pc in gaz.postcodes for a in gaz.addresses_at(pc)]
    started = time.perf_counter()
    for address in addresses:
        cal.next_collections(address, today)
    elapsed = time.perf_counter() - started
    print(f"Bin days, whole gazetteer: {len(addresses)} addresses in {elapsed * 1000:.0f} ms "
          f"({elapsed / len(addresses) * 1000:.2f} ms each)")


def insights_figures(conversations: int = 100_000) -> None:
    """The dashboard on a large history: synthetic facts for 100,000 conversations."""
    import random
    import tempfile
    import time
    from datetime import date, datetime, timedelta
    from pathlib import Path

    import sqlalchemy as sa

    from bot.feedback import FeedbackStore
    from bot.handoff.escalations import EscalationStore, escalations
    from bot.insights.facts import Facts, conversations as conversation_facts, messages
    from bot.insights.figures import Period
    from bot.outbox import Outbox, reports
    from bot.topics import topics
    from bot.web import insights

    random.seed(7)
    titles = [t.title for t in topics().values()]
    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{Path(folder) / 'insights.db'}", future=True)
        Facts(engine), FeedbackStore(engine), EscalationStore(engine), Outbox(engine)
        start = datetime(2026, 8, 1)
        people, said, handed, filed = [], [], [], []
        for number in range(conversations):
            when = start + timedelta(minutes=random.randrange(0, 120 * 24 * 60))
            sender = f"c{number}"
            count = random.randint(1, 4)
            people.append(dict(sender_id=sender, channel="socketio", started_at=when, last_at=when, messages=count,
                               fallbacks=int(random.random() < 0.1), answers=int(random.random() < 0.8)))
            for turn in range(count):
                at = when + timedelta(minutes=turn)
                said.append(dict(event_id=number * 10 + turn, sender_id=sender, at=at, day=at.date(), hour=at.hour,
                                 channel="socketio", topic=random.choice(titles), fallback=False, text=None))
            if random.random() < 0.1:
                handed.append(dict(conversation_id=sender, channel="socketio", reason="asked", topic="", urgent=False,
                                   status="closed", created_at=when, outcome="resolved"))
            if random.random() < 0.05:
                filed.append(dict(reference=f"WEB-{number:06d}", conversation_id=sender, service_code="pothole",
                                  report="{}", state="delivered", attempts=1, next_attempt_at=when, created_at=when,
                                  delivered_at=when + timedelta(seconds=20)))
        with engine.begin() as db:
            for table, rows in ((conversation_facts, people), (messages, said), (escalations, handed),
                                (reports, filed)):
                for first in range(0, len(rows), 20_000):
                    db.execute(table.insert(), rows[first:first + 20_000])
        period = Period(date(2026, 8, 1), date(2026, 11, 30))
        started = time.perf_counter()
        figures = insights.compute(engine, period)
        html = "".join(insights._section(name, figures, "") for name in insights.TABLES)
        elapsed = time.perf_counter() - started
    print(f"Insights dashboard, {conversations:,} conversations ({len(said):,} messages): "
          f"figures and page in {elapsed:.2f} s (target 2 s); {len(html) // 1024} KB of tables and charts")


def stack_figures(publish: bool = True) -> None:
    """Figures that need the whole assistant running: held-out residents' reports, then publish times."""
    import tempfile
    from pathlib import Path

    from tests.stack import Stack

    with tempfile.TemporaryDirectory() as workdir:
        # After 6pm on a collection week, so the held-out missed bins are due to be reported.
        stack = Stack(Path(workdir), rasa_port=35005, actions_port=35055, web_port=38000, backoffice_port=38080,
                      env={"BOT_TODAY": "2026-12-24", "BOT_TIME": "19:00"}).start()
        try:
            held_out_report_figures(stack)
            if publish:
                publish_figures(stack, Path(workdir))
        finally:
            stack.stop()


def load_figures(stack=None) -> None:
    """Closed-loop load (tests/load.py): 20 residents over REST, then over socket.io, for
    `BENCH_LOAD_SECONDS` (60) each; against the embedded stack (`stack` if one is running,
    else one on the bench's ports), then against the cluster's load balancer."""
    import tempfile
    from pathlib import Path
    from urllib.parse import urlsplit

    from tests.load import format_memory, run_load

    seconds, residents = float(os.environ.get("BENCH_LOAD_SECONDS", "60")), 20
    rows = []   # (setup, channel, figures or the reason there are none)

    def port(url):
        return urlsplit(url).port

    def run_both(setup, url, ports):
        for channel in ("rest", "socketio"):
            try:
                rows.append((setup, channel, run_load(url, residents, seconds, channel, ports=ports, verbose=False)))
            except Exception as error:   # figures, not pass/fail: say why and carry on
                rows.append((setup, channel, f"{type(error).__name__}: {error}"))

    def embedded(running):
        run_both("embedded", running.rasa_url, {"rasa": port(running.rasa_url), "actions": port(running.actions_url),
                                                "web": port(running.web_url),
                                                "backoffice": port(running.backoffice_url)})

    print(f"Load, closed loop ({residents} residents each, no think time, {seconds:g} s a run):")
    if stack is not None:
        embedded(stack)
    else:
        from tests.stack import Stack
        with tempfile.TemporaryDirectory() as workdir:
            own = Stack(Path(workdir), rasa_port=35005, actions_port=35055, web_port=38000, backoffice_port=38080,
                        env={"BOT_TODAY": "2026-12-24"})
            try:
                own.start()
                embedded(own)
            except RuntimeError as error:
                rows.append(("embedded", "-", str(error).splitlines()[0]))
            finally:
                own.stop()

    from tests.cluster_stack import ClusterStack
    with tempfile.TemporaryDirectory() as workdir:
        # The production defaults for pulling and rolling out a model (bot/serve.py, bot/model_store.py).
        cluster = ClusterStack(Path(workdir), env={"MODEL_PULL_SECONDS": "10", "MODEL_ROLLOUT_SECONDS": "15"})
        try:
            cluster.start()
            ports = {"haproxy": port(cluster.lb_url),
                     **{f"rasa{n}": port(url) for n, url in enumerate(cluster.rasa_urls, 1)},
                     **{f"actions{n}": port(url) for n, url in enumerate(cluster.actions_urls, 1)},
                     "web": port(cluster.web_url),
                     **{f"worker{n}": port(url) for n, url in enumerate(cluster.worker_urls, 1)},
                     "postgres": port(cluster.database_url), "redis": port(cluster.redis_url)}
            run_both("cluster", cluster.lb_url, ports)
            cluster_publish_figures(cluster, Path(workdir))
        except Exception as error:
            rows.append(("cluster", "-", str(error).splitlines()[0] if str(error) else type(error).__name__))
        finally:
            cluster.stop()

    print(f"  {'setup':9} {'channel':9} {'residents':>9} {'messages/s':>10} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6}")
    for setup, channel, figures in rows:
        if isinstance(figures, str):
            print(f"  {setup:9} {channel:9} not measured: {figures}")
            continue
        ms = ["-" if figures[key] is None else f"{figures[key]:.0f}" for key in ("p50_ms", "p95_ms", "p99_ms")]
        print(f"  {setup:9} {channel:9} {residents:>9} {figures['messages_per_s']:>10.1f} {ms[0]:>8} {ms[1]:>8} "
              f"{ms[2]:>8} {figures['errors']:>6}")
    for setup, channel, figures in rows:
        if not isinstance(figures, str):
            if figures["errors"]:
                print(f"  {setup}/{channel} errors: {figures['error_kinds']}; e.g. {figures['error_samples'][:1]}")
            print(f"  {setup}/{channel} memory after the run (RSS): {format_memory(figures['memory'])}")


def cluster_publish_figures(cluster, workdir) -> None:
    """From "Put live" (and "Roll back") to every Rasa server of the cluster serving the change."""
    import uuid

    import requests
    import sqlalchemy as sa

    from bot.filestore import DatabaseFileStore
    from bot.model_store import ModelStore
    from bot.studio.content import Content
    from bot.studio.publish import Publisher
    from tests.studio.conftest import copy_project

    engine = sa.create_engine(cluster.database_url, future=True)
    content = Content(copy_project(workdir / "cluster-project", with_model=True))
    publisher = Publisher(engine, content, ModelStore(DatabaseFileStore(engine)))

    def answer(url):
        replies = requests.post(f"{url}/webhooks/rest/webhook", timeout=60, json={
            "sender": f"bench-{uuid.uuid4().hex[:8]}", "message": "What time is the library open?"}).json()
        return " ".join(reply.get("text", "") for reply in replies)

    def until_everywhere(words) -> str:
        started, waiting, times = time.monotonic(), list(cluster.rasa_urls), []
        while waiting and time.monotonic() - started < 180:
            for url in [url for url in waiting if words in answer(url)]:
                waiting.remove(url)
                times.append(time.monotonic() - started)
            time.sleep(0.5)
        return ("not served by every server within 180 s" if waiting else
                f"first server {times[0]:.0f} s, every server {times[-1]:.0f} s")

    before = answer(cluster.rasa_urls[0]).split("\n")[0][:40]
    content.set_answer("library_hours", "Our libraries open late on Thursdays.\n\n"
                                        "[Find your library]({council_website}/libraries)")
    item = publisher.start("bench", wait=True)
    print("Publishing to the cluster (2 Rasa servers; a pull every 10 s, one server loading at a time):")
    publisher.go_live(item.id, "bench")
    print(f"  'Put live' to served:   {until_everywhere('open late on Thursdays')}")
    publisher.rollback("bench")
    print(f"  'Roll back' to served:  {until_everywhere(before)}")


def publish_figures(stack, workdir) -> None:
    """From pressing publish to the change being served: an answer edit, and a new phrasing."""
    import time
    import uuid

    import sqlalchemy as sa

    from bot.filestore import LocalFileStore
    from bot.model_store import ModelStore
    from bot.studio.content import Content
    from bot.studio.publish import Publisher, PublishError
    from tests.studio.conftest import copy_project

    project = copy_project(workdir / "studio-project", with_model=True)
    content = Content(project)
    publisher = Publisher(sa.create_engine(f"sqlite:///{workdir / 'studio.db'}", future=True), content,
                          ModelStore(LocalFileStore(stack.files)))

    def publish(edit, check) -> str:
        edit()
        started = time.monotonic()
        item = publisher.start("bench", wait=True)
        if item.state not in ("ready", "needs_confirmation"):
            return f"failed ({item.stage})"
        try:
            publisher.go_live(item.id, "bench", confirmed=True)
        except PublishError as error:
            return f"failed ({error})\n{stack.log_tail(40)}"
        live_at = time.monotonic()
        served = check()
        while not served and time.monotonic() - live_at < 120:   # Rasa pulls the new model
            time.sleep(0.5)
            served = check()
        return (f"{time.monotonic() - started:.0f} s, of which {time.monotonic() - live_at:.1f} s from "
                f"'Put live' to served" + ("" if served else " (change not served)"))

    def says(text, words):
        return words in "".join(r.get("text", "") for r in stack.say(f"bench-{uuid.uuid4().hex[:8]}", text))

    print("Publishing from the studio, from pressing publish to the change being served:")
    answer_time = publish(lambda: content.set_answer(
        "library_hours", "Our libraries have new opening hours.\n\n[Find your library]({council_website}/libraries)"),
        lambda: says("What time is the library open?", "new opening hours"))
    print(f"  answer edit (target 2 minutes):      {answer_time}")
    phrasing_time = publish(lambda: content.add_example("faq/library_hours", "is the reading room open on sundays"),
                            lambda: True)
    print(f"  new phrasing (target 10 minutes):    {phrasing_time}")


def held_out_report_figures(stack) -> None:
    from tests.report_journeys import figures
    figures(stack)


def updates_figures(samples: int = 3) -> None:
    """Seconds from a status change in the back office to the resident's email, with the default polling."""
    import random
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa

    from bot.connectors.base import Report
    from bot.connectors.config import backoffice_config
    from bot.connectors.open311 import Open311Connector
    from bot.outbox import Outbox
    from bot.update_poller import UpdateSettings
    from tests.backoffice_process import API_KEY, BackOfficeProcess, Mailbox, free_port, start_worker

    workdir = Path(tempfile.mkdtemp(prefix="bench-updates-"))
    backoffice = BackOfficeProcess(workdir, port=free_port()).start()
    mailbox = Mailbox(workdir / "mail")
    database = f"sqlite:///{workdir / 'assistant.db'}"
    outbox = Outbox(sa.create_engine(database, future=True))
    connector = Open311Connector(backoffice.url, API_KEY, client_reference_attribute="client_reference")
    worker = start_worker(database, backoffice, mailbox)
    every = UpdateSettings.from_config(backoffice_config()).every_seconds
    timings = []
    try:
        time.sleep(5)    # the worker's first poll
        for number in range(samples):
            entry = outbox.add(Report(reference="", service_code="pothole", lat=51.65, long=-3.39,
                                      address_string="Station Road", attributes={"usrn": "40500008", "size": "small"},
                                      email=f"bench{number}@example.com"))
            outbox.deliver(entry.reference, connector)
            time.sleep(random.uniform(0, every))      # changes come at any moment of the polling cycle
            before = len(mailbox.messages())
            changed = time.perf_counter()
            backoffice.cli("status", outbox.get(entry.reference).backoffice_reference, "fixed")
            while len(mailbox.messages()) == before and time.perf_counter() - changed < 3 * every:
                time.sleep(0.2)
            timings.append(time.perf_counter() - changed)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        mailbox.stop()
        backoffice.stop()
    print(f"Status change to resident's email (polling every {every:g} s, {samples} changes): "
          f"median {statistics.median(timings):.1f} s, slowest {max(timings):.1f} s")


SECTIONS = {
    "calendar": calendar_figures,
    "insights": insights_figures,
    "nlu": lambda: asyncio.run(nlu_figures()),
    "reports": lambda: stack_figures(publish=False),
    "stack": stack_figures,
    "load": load_figures,
    "updates": updates_figures,
}

if __name__ == "__main__":
    # `python -m tests.bench reports nlu` prints just those; no argument, everything but "reports"
    # (which "stack" includes).
    import sys
    chosen = sys.argv[1:] or [name for name in SECTIONS if name != "reports"]
    for name in chosen:
        SECTIONS[name]()
