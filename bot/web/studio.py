"""The content studio (`/studio`, role `editor`): answers, phrasings, new topics,
the inbox of what residents said, and publishing. Every route serves both a
plain form (redirecting back) and JSON (for the page script and the tests).
"""
from __future__ import annotations

from html import escape
from typing import Any, List, Optional

from sanic import Blueprint, response
from sanic.request import Request

from bot.studio import checks
from bot.studio.audit import default_audit
from bot.studio.content import OTHER_INTENTS, Content, ContentError
from bot.studio.inbox import default_inbox
from bot.studio.publish import PublishError, default_publisher
from bot.staff.sessions import StaffSession
from bot.staff.web import staff_header, staff_only
from bot.web.blocking import blocking
from bot.web.forms import body, done
from bot.web.pages import page, rows, tag

STATE_WORDS = {"checking": "Checking the content", "training": "Training", "evaluating": "Testing",
               "ready": "Ready to put live", "needs_confirmation": "Worse than the live model: confirm first",
               "live": "Live: every assistant server answers with it within a minute", "failed": "Failed", "replaced": "Replaced by a later publish",
               "rolled_back": "Rolled back"}



def _hidden(session: StaffSession) -> str:
    return f'<input type="hidden" name="csrf_token" value="{session.csrf_token}">'


def _form(action: str, session: StaffSession, inner: str, label: str, css: str = "button") -> str:
    return (f'<form method="post" action="{action}" class="inline-form">{_hidden(session)}{inner}'
            f'{tag("button", label, type="submit", class_=css)}</form>')


def _percent(value: Optional[float]) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _studio_page(session: StaffSession, template: str, title: str, trusted=(), **values) -> str:
    return page(template, title, layout="staff_layout.html", layout_html=staff_header(session),
                trusted=trusted, **values)


def _topic_options(content_topics, selected: str = "") -> str:
    options = [f'<option value="faq/{t.key}"{" selected" if f"faq/{t.key}" == selected else ""}>'
               f'{escape(t.title)}</option>' for t in content_topics]
    return "".join(options)


def _publish_summary(publisher) -> str:
    latest = publisher.recent(1)
    if not latest:
        return tag("p", "Nothing has been published from the studio yet.")
    item = latest[0]
    return (f'<p>Latest publish: {tag("a", STATE_WORDS.get(item.state, item.state), href=f"/studio/publishes/{item.id}")}'
            f' (started by {tag("span", item.started_by)}).</p>')


def blueprint(content: Optional[Content] = None) -> Blueprint:
    studio = Blueprint("studio")
    files = content or Content()

    def audit(session: StaffSession, action: str, target: str, before: Optional[str] = None,
              after: Optional[str] = None) -> None:
        default_audit().record(session.member.username, action, target, before, after)

    async def change(request: Request, session: StaffSession, back: str, action: str, target: str, work):
        """Run one content change: audit it, and answer in plain words if it cannot be made."""
        try:
            before, after = await blocking(work)
        except ContentError as error:
            return done(request, back, {"error": str(error)}, status=400)
        await blocking(audit, session, action, target, before, after)
        return done(request, back, {"status": "saved"})

    # Overview --------------------------------------------------------------------------

    @studio.get("/studio")
    @staff_only("editor")
    async def overview(request: Request, session: StaffSession):
        topics = await blocking(files.topics)
        inbox = await blocking(default_inbox().messages)
        recent = await blocking(default_audit().recent, 15)
        publisher = default_publisher()
        table = rows([[tag("a", t.title, href=f"/studio/topics/{t.key}"), tag("span", t.group),
                       str(len(t.examples)), "Yes" if t.urgent else ""] for t in topics])
        changes = rows([[tag("span", f"{r['at']:%d %b %H:%M}"), tag("span", r["username"]), tag("span", r["action"]),
                         tag("span", r["target"])] for r in recent]) or '<tr><td colspan="4">No changes yet.</td></tr>'
        rollback = _form("/studio/rollback", session, "", "Roll back to the previous model",
                         "button button--secondary")
        return response.html(_studio_page(
            session, "studio_overview.html", "Content studio",
            trusted=("topics", "changes", "publish", "publish_form", "rollback"),
            topics=table, changes=changes, inbox_count=str(len(inbox)), publish=_publish_summary(publisher),
            publish_form=_form("/studio/publish", session, "", "Check and publish"), rollback=rollback))

    @studio.get("/studio/api/topics")
    @staff_only("editor", api=True)
    async def topics_api(request: Request, session: StaffSession):
        return response.json({"topics": [t.to_dict() for t in await blocking(files.topics)]})

    # One topic ---------------------------------------------------------------------------

    @studio.get("/studio/topics/<key:str>")
    @staff_only("editor")
    async def topic_page(request: Request, session: StaffSession, key: str):
        try:
            topic = await blocking(files.topic, key)
        except ContentError as error:
            return done(request, "/studio", {"error": str(error)}, status=404)
        topics = await blocking(files.topics)
        problems = checks.answer_problems(topic.title, topic.answer)
        base = f"/studio/topics/{key}"
        example_rows = []
        for index, text in enumerate(topic.examples):
            field_id = f"example-{index}"
            edit = _form(f"{base}/examples/edit", session,
                         f'<input type="hidden" name="old" value="{escape(text, quote=True)}">'
                         f'<label class="visually-hidden" for="{field_id}">Example {index + 1}</label>'
                         f'<input id="{field_id}" name="new" value="{escape(text, quote=True)}" class="example-input">',
                         "Save", "button button--secondary")
            remove = _form(f"{base}/examples/remove", session,
                           f'<input type="hidden" name="text" value="{escape(text, quote=True)}">', "Remove",
                           "button button--secondary")
            move = _form(f"{base}/examples/move", session,
                         f'<input type="hidden" name="text" value="{escape(text, quote=True)}">'
                         f'<label class="visually-hidden" for="move-{index}">Move example {index + 1} to</label>'
                         f'<select id="move-{index}" name="to">{_topic_options(topics, f"faq/{key}")}</select>',
                         "Move", "button button--secondary")
            example_rows.append([edit, remove, move])
        return response.html(_studio_page(
            session, "studio_topic.html", topic.title,
            trusted=("problems", "examples", "csrf_field"),
            key=key, title_text=topic.title, answer=topic.answer, question=topic.question,
            problems="".join(f"<li>{tag('span', p)}</li>" for p in problems),
            examples=rows(example_rows), count=str(len(topic.examples)), minimum=str(checks.MIN_EXAMPLES),
            csrf_field=_hidden(session)))

    @studio.get("/studio/api/topics/<key:str>")
    @staff_only("editor", api=True)
    async def topic_api(request: Request, session: StaffSession, key: str):
        try:
            topic = await blocking(files.topic, key)
        except ContentError as error:
            return response.json({"error": str(error)}, status=404)
        return response.json({**topic.to_dict(), "problems": checks.answer_problems(topic.title, topic.answer)})

    @studio.post("/studio/topics/<key:str>/answer")
    @staff_only("editor")
    async def set_answer(request: Request, session: StaffSession, key: str):
        text = str(body(request).get("answer") or "")
        return await change(request, session, f"/studio/topics/{key}", "edit answer", key,
                            lambda: files.set_answer(key, text))

    @studio.post("/studio/topics/<key:str>/examples")
    @staff_only("editor")
    async def add_example(request: Request, session: StaffSession, key: str):
        text = str(body(request).get("text") or "")
        return await change(request, session, f"/studio/topics/{key}", "add example", key,
                            lambda: files.add_example(f"faq/{key}", text))

    @studio.post("/studio/topics/<key:str>/examples/edit")
    @staff_only("editor")
    async def edit_example(request: Request, session: StaffSession, key: str):
        data = body(request)
        old, new = str(data.get("old") or ""), str(data.get("new") or "")
        return await change(request, session, f"/studio/topics/{key}", "edit example", key,
                            lambda: files.edit_example(f"faq/{key}", old, new))

    @studio.post("/studio/topics/<key:str>/examples/remove")
    @staff_only("editor")
    async def remove_example(request: Request, session: StaffSession, key: str):
        text = str(body(request).get("text") or "")
        return await change(request, session, f"/studio/topics/{key}", "remove example", key,
                            lambda: files.remove_example(f"faq/{key}", text))

    @studio.post("/studio/topics/<key:str>/examples/move")
    @staff_only("editor")
    async def move_example(request: Request, session: StaffSession, key: str):
        data = body(request)
        text, target = str(data.get("text") or ""), str(data.get("to") or "")
        return await change(request, session, f"/studio/topics/{key}", "move example", f"{key} -> {target}",
                            lambda: files.move_example(text, f"faq/{key}", target))

    # Other responses ---------------------------------------------------------------------

    @studio.get("/studio/responses")
    @staff_only("editor")
    async def responses_page(request: Request, session: StaffSession):
        items = []
        for index, item in enumerate(await blocking(files.responses)):
            if not item.editable:
                continue
            items.append(
                f'<form method="post" action="/studio/responses/{item.name}" class="staff-form response-form">'
                f'{_hidden(session)}<div class="field">{tag("label", item.name, for_=f"response-{index}")}'
                f'<textarea id="response-{index}" name="text" rows="3">{escape(item.text)}</textarea>'
                '</div><button type="submit" class="button button--secondary">Save</button></form>')
        return response.html(_studio_page(session, "studio_responses.html", "Other responses",
                                          trusted=("responses",), responses="".join(items)))

    @studio.post("/studio/responses/<name:str>")
    @staff_only("editor")
    async def set_response(request: Request, session: StaffSession, name: str):
        text = str(body(request).get("text") or "")
        return await change(request, session, "/studio/responses", "edit response", name,
                            lambda: files.set_response(name, text))

    # New topic -------------------------------------------------------------------------------

    @studio.get("/studio/new-topic")
    @staff_only("editor")
    async def new_topic_form(request: Request, session: StaffSession):
        return response.html(_studio_page(session, "studio_new_topic.html", "New topic", trusted=("csrf_field",),
                                          csrf_field=_hidden(session), minimum=str(checks.MIN_EXAMPLES),
                                          tests=str(checks.MIN_TEST_PHRASINGS)))

    @studio.post("/studio/new-topic")
    @staff_only("editor")
    async def new_topic(request: Request, session: StaffSession):
        data = body(request)

        def lines(value: Any) -> List[str]:
            return value if isinstance(value, list) else str(value or "").splitlines()
        key = str(data.get("key") or "").strip().lower()

        def work():
            topic = files.add_topic(key, str(data.get("title") or ""), str(data.get("question") or ""),
                                    str(data.get("group") or ""), str(data.get("answer") or ""),
                                    lines(data.get("examples")), lines(data.get("test_phrasings")))
            return None, topic.title
        reply = await change(request, session, "/studio/new-topic", "new topic", key, work)
        if reply.status == 303:
            return response.redirect(f"/studio/topics/{key}", status=303)
        return reply

    # Inbox -------------------------------------------------------------------------------------

    @studio.get("/studio/inbox")
    @staff_only("editor")
    async def inbox_page(request: Request, session: StaffSession):
        messages = await blocking(default_inbox().messages)
        topics = await blocking(files.topics)
        options = _topic_options(topics) + "".join(f'<option value="{i}">Out of scope (decline politely)</option>'
                                                   for i in OTHER_INTENTS)
        body_rows = []
        for index, message in enumerate(messages):
            teach = _form("/studio/inbox/decide", session,
                          f'<input type="hidden" name="key" value="{message.key}">'
                          '<input type="hidden" name="decision" value="taught">'
                          f'<label class="visually-hidden" for="teach-{index}">Topic for message {index + 1}</label>'
                          f'<select id="teach-{index}" name="intent">{options}</select>', "Teach")
            ignore = _form("/studio/inbox/decide", session,
                           f'<input type="hidden" name="key" value="{message.key}">'
                           '<input type="hidden" name="decision" value="ignored">', "Ignore",
                           "button button--secondary")
            body_rows.append([tag("span", message.text), tag("span", message.why), tag("span", message.guess),
                              teach, ignore])
        return response.html(_studio_page(session, "studio_inbox.html", "What residents said",
                                          trusted=("messages",), messages=rows(body_rows),
                                          empty="" if messages else "Nothing to look at. Well done."))

    @studio.get("/studio/api/inbox")
    @staff_only("editor", api=True)
    async def inbox_api(request: Request, session: StaffSession):
        return response.json({"messages": [m.to_dict() for m in await blocking(default_inbox().messages)]})

    @studio.post("/studio/inbox/decide")
    @staff_only("editor")
    async def decide(request: Request, session: StaffSession):
        data = body(request)
        key, decision, intent = str(data.get("key") or ""), str(data.get("decision") or ""), data.get("intent")
        inbox = default_inbox()
        message = await blocking(inbox.find, key)
        if message is None:
            return done(request, "/studio/inbox", {"error": "That message is no longer in the inbox."}, status=404)
        if decision == "out_of_scope":
            decision, intent = "taught", "out_of_scope"
        if decision == "taught":
            if not intent:
                return done(request, "/studio/inbox", {"error": "Choose a topic."}, status=400)
            try:
                # The masked text is what is kept: personal data never becomes training data.
                await blocking(files.add_example, str(intent), message.text)
            except ContentError as error:
                return done(request, "/studio/inbox", {"error": str(error)}, status=400)
            await blocking(audit, session, "teach from inbox", str(intent), None, message.text)
        elif decision != "ignored":
            return done(request, "/studio/inbox", {"error": "Choose Teach, Out of scope or Ignore."}, status=400)
        await blocking(inbox.decide, key, decision, session.member.username, intent)
        return done(request, "/studio/inbox", {"status": "saved", "example": message.text if intent else None})

    # Publishing ------------------------------------------------------------------------------

    async def publisher_step(request: Request, session: StaffSession, action: str, work, back: str,
                             target=None, status: int = 200):
        """Start, put live or roll back: audited, and refused in plain words when it cannot be done."""
        try:
            item = await blocking(work)
        except PublishError as error:
            return done(request, back, {"error": str(error)}, status=409)
        await blocking(audit, session, action, f"publish {item.id}")
        return done(request, target(item) if target else back, {"publish": item.to_dict()}, status=status)

    @studio.post("/studio/publish")
    @staff_only("editor")
    async def publish(request: Request, session: StaffSession):
        return await publisher_step(request, session, "publish",
                                    lambda: default_publisher().start(session.member.username), "/studio",
                                    target=lambda item: f"/studio/publishes/{item.id}", status=202)

    @studio.get("/studio/publishes/<publish_id:int>")
    @staff_only("editor")
    async def publish_page(request: Request, session: StaffSession, publish_id: int):
        item = await blocking(default_publisher().get, publish_id)
        if item is None:
            return done(request, "/studio", {"error": "There is no such publish."}, status=404)
        results = ""
        if item.accuracy is not None:
            results = ("<table class=\"staff-table\"><caption class=\"visually-hidden\">Test results</caption>"
                       "<thead><tr><th scope=\"col\">Measure</th><th scope=\"col\">Live model</th>"
                       "<th scope=\"col\">New model</th></tr></thead><tbody>" + rows([
                           ["Test phrasings understood", _percent(item.baseline_accuracy), _percent(item.accuracy)],
                           ["Test conversations that fail", str(item.baseline_stories_failed
                                                                if item.baseline_stories_failed is not None
                                                                and item.baseline_stories_failed < 10 ** 6 else "-"),
                            str(item.stories_failed)]]) + "</tbody></table>")
        actions = ""
        if item.state == "ready":
            actions = _form(f"/studio/publishes/{item.id}/live", session, "", "Put live")
        elif item.state == "needs_confirmation":
            actions = _form(f"/studio/publishes/{item.id}/live", session,
                            '<div class="radio"><input type="checkbox" id="confirm" name="confirm" value="yes" '
                            'required><label for="confirm">I understand the new model does worse, '
                            'and I want it live anyway</label></div>', "Put live anyway")
        return response.html(_studio_page(
            session, "studio_publish.html", "Publish", trusted=("problems", "results", "actions"),
            id=str(item.id), state=item.state, state_text=STATE_WORDS.get(item.state, item.state), stage=item.stage,
            progress=str(item.progress), problems="".join(f"<li>{tag('span', p)}</li>" for p in item.problems),
            results=results, actions=actions))

    @studio.get("/studio/api/publishes/<publish_id:int>")
    @staff_only("editor", api=True)
    async def publish_api(request: Request, session: StaffSession, publish_id: int):
        item = await blocking(default_publisher().get, publish_id)
        if item is None:
            return response.json({"error": "There is no such publish."}, status=404)
        return response.json({"publish": item.to_dict(), "state_text": STATE_WORDS.get(item.state, item.state)})

    @studio.post("/studio/publishes/<publish_id:int>/live")
    @staff_only("editor")
    async def go_live(request: Request, session: StaffSession, publish_id: int):
        confirmed = str(body(request).get("confirm") or "").lower() in ("yes", "true", "on", "1")
        return await publisher_step(
            request, session, "put live",
            lambda: default_publisher().go_live(publish_id, session.member.username, confirmed),
            f"/studio/publishes/{publish_id}")

    @studio.post("/studio/rollback")
    @staff_only("editor")
    async def rollback(request: Request, session: StaffSession):
        return await publisher_step(request, session, "roll back",
                                    lambda: default_publisher().rollback(session.member.username), "/studio")

    return studio

