"""What the browser tests share: Chromium's flags, axe-core, and the widget's controls."""
from bot.settings import PROJECT_ROOT, council

AXE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TITLE = council().assistant_name


def log(page):
    return page.get_by_role("log", name="Conversation")


def ask(page, text):
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def assistant_messages(page):
    return page.locator(".cw-msg--bot")


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
