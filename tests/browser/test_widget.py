"""The chat widget in a real browser (Debian's Chromium, driven by Playwright), against the running stack."""
import json
import re
import sqlite3
import time

import pytest
from playwright.sync_api import expect

from bot.settings import PROJECT_ROOT, council
from tests.browser.support import TITLE, ask, assistant_messages, axe_violations, log

def test_faq_answer_with_a_safe_link_and_feedback(page, stack):
    page.get_by_role("button", name=TITLE).click()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    expect(page.get_by_label("Your message")).to_be_focused()
    ask(page, "How do I pay my council tax?")
    link = log(page).get_by_role("link", name=re.compile("Pay your council tax online"))
    expect(link).to_have_attribute("href", f"{council().website}/council-tax/pay")
    expect(log(page).get_by_text("You said:").first).to_be_attached()
    log(page).get_by_role("group", name="Was this helpful?").last.get_by_role("button", name="No").click()
    expect(log(page).get_by_text("Thank you for your feedback.")).to_be_visible()
    session = json.loads(page.evaluate("sessionStorage.getItem('council-chat:session')"))
    rows = []
    for _ in range(50):   # the widget posts the answer in the background
        with sqlite3.connect(stack.database) as db:
            rows = db.execute("SELECT helpful FROM feedback WHERE conversation_id = ?", (session,)).fetchall()
        if rows:
            break
        time.sleep(0.1)
    assert rows == [(0,)]


def test_bin_day_with_buttons_survives_a_reload(page):
    page.get_by_role("button", name=TITLE).click()
    ask(page, "when is my bin day")
    expect(log(page)).to_contain_text("What is your postcode?")
    ask(page, "BK5 9GZ")
    choice = log(page).get_by_role("button", name="3 Pit Head Close")
    choice.click()
    expect(log(page)).to_contain_text("Your next bin collections at 3 Pit Head Close")
    expect(choice).to_be_disabled()
    page.reload()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    expect(log(page)).to_contain_text("Your next bin collections at 3 Pit Head Close")
    expect(log(page).get_by_role("button", name="3 Pit Head Close")).to_be_disabled()
    # The same conversation carries on: the address is remembered.
    ask(page, "which bin goes out this week")
    expect(assistant_messages(page).filter(has_text="Your next bin collections at 3 Pit Head Close")).to_have_count(2)


def test_keyboard_only(page):
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cw-launcher')"):
            break
    launcher = page.get_by_role("button", name=TITLE)
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your message")).to_be_focused()
    page.keyboard.type("what can you do")
    page.keyboard.press("Enter")
    bin_button = log(page).get_by_role("button", name="Check my bin day")
    expect(bin_button).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent === 'Check my bin day'"):
            break
    expect(bin_button).to_be_focused()
    page.keyboard.press("Enter")
    expect(log(page)).to_contain_text("What is your postcode?")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_hidden()
    expect(launcher).to_be_focused()
    # Focus is visible: the yellow GOV.UK outline on the focused launcher.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(255, 221, 0)"


def test_html_from_anyone_is_shown_as_text(page):
    page.get_by_role("button", name=TITLE).click()
    ask(page, "<img src=x onerror=\"window.pwned=1\"><b>bold</b>")
    expect(log(page).locator(".cw-msg--user .cw-text").last).to_have_text("<img src=x onerror=\"window.pwned=1\"><b>bold</b>")
    expect(assistant_messages(page).last).to_be_visible()
    assert page.evaluate("window.pwned") is None
    assert log(page).locator("img, b").count() == 0


def test_no_accessibility_violations(page):
    assert axe_violations(page) == []                      # closed: the launcher on the page
    page.get_by_role("button", name=TITLE).click()
    ask(page, "what can you do")
    expect(log(page).get_by_role("button", name="Check my bin day")).to_be_visible()
    ask(page, "how do i pay council tax")
    expect(log(page).get_by_role("group", name="Was this helpful?").last).to_be_visible()
    assert axe_violations(page) == []                      # open, with buttons, links and feedback


@pytest.mark.parametrize("width,height,zoom", [(320, 640, 1), (1280, 900, 4)])
def test_reflow_at_320_px_and_400_percent(browser, stack, width, height, zoom):
    # 400% zoom of a 1280 px window is a 320 px wide layout viewport.
    context = browser.new_context(viewport={"width": width // zoom, "height": height // zoom},
                                  device_scale_factor=zoom)
    page = context.new_page()
    page.goto(stack.web_url + "/")
    page.get_by_role("button", name=TITLE).click()
    ask(page, "how do i pay council tax")
    expect(log(page).get_by_role("link", name=re.compile("Pay your council tax online"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.get_by_role("button", name="Send").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    context.close()


def test_launcher_and_controls_meet_target_size(page):
    sizes = page.evaluate("""() => [...document.querySelectorAll('.cw button')].filter(b => b.checkVisibility())
        .map(b => { const r = b.getBoundingClientRect(); return [r.width, r.height]; })""")
    assert sizes and all(w >= 24 and h >= 24 for w, h in sizes)


def test_report_from_the_street_with_location_and_photo(browser, stack, tmp_path):
    import requests
    from PIL import Image

    from bot.council_data import gazetteer
    spot = next(a for a in gazetteer().addresses_on("40500008") if a.line == "14 Station Road")
    photo = tmp_path / "pothole.jpg"
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (120, 90), "grey").save(photo, format="JPEG", exif=exif)

    context = browser.new_context(geolocation={"latitude": spot.lat, "longitude": spot.lon},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.goto(stack.web_url + "/")
    page.get_by_role("button", name=TITLE).click()
    ask(page, "I want to report a pothole")
    log(page).get_by_role("button", name="Use my location").click()
    expect(log(page)).to_contain_text("I found you on Station Road, near 14 Station Road.")
    log(page).get_by_role("button", name="Bigger than a car tyre").click()
    log(page).get_by_role("button", name="No").last.click()
    with page.expect_file_chooser() as chooser:
        log(page).get_by_role("button", name="Add a photo").click()
    chooser.value.set_files(str(photo))
    expect(log(page)).to_contain_text("Your photo is added to the report.")
    ask(page, "Right in the middle of the lane")
    log(page).get_by_role("button", name="Stay anonymous").click()
    expect(log(page)).to_contain_text("Photo")
    log(page).get_by_role("button", name="Send report").click()
    expect(log(page)).to_contain_text("Your reference is")
    reference = re.search(r"BRK-\d+", log(page).inner_text()).group(0)
    case = requests.get(f"{stack.backoffice_url}/requests/{reference}.json", timeout=10).json()[0]
    assert case["address"] == "near 14, Station Road, Brackenford"
    assert (case["lat"], case["long"]) == (round(spot.lat, 6), round(spot.lon, 6))
    image = requests.get(case["media_url"], timeout=10)
    assert image.ok and image.headers["Content-Type"] == "image/jpeg"
    assert not Image.open(__import__("io").BytesIO(image.content)).getexif()   # camera details stripped
    context.close()


def test_download_transcript_and_start_again(page):
    page.get_by_role("button", name=TITLE).click()
    ask(page, "are you a bot")
    expect(assistant_messages(page).last).to_contain_text("automated assistant")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download conversation").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "You said: are you a bot" in text and f"{TITLE} said: I'm an automated assistant" in text
    old_session = page.evaluate("sessionStorage.getItem('council-chat:session')")
    page.get_by_role("button", name="Start again").click()
    expect(log(page)).not_to_contain_text("are you a bot")
    assert page.evaluate("sessionStorage.getItem('council-chat:session')") != old_session
    assert page.context.cookies() == []


def test_news_of_a_report_reaches_a_widget_opened_again_in_the_same_tab(page, stack):
    from tests.integration.test_report_updates import set_status
    page.get_by_role("button", name=TITLE).click()
    ask(page, "there's a pothole outside 5 Chapel Row about the size of a dinner plate")
    log(page).get_by_role("button", name="Stay anonymous").click()
    log(page).get_by_role("button", name="Send report").click()
    expect(log(page)).to_contain_text("Your reference is")
    reference = re.search(r"BRK-\d+", log(page).inner_text()).group(0)
    page.goto("about:blank")                        # the resident browses away: no chat open
    set_status(stack, reference, "action_scheduled", "Booked for Tuesday.")
    news = f"News of your pothole report {reference}: it has had the work booked in."
    for _ in range(100):                            # the worker polls every second in the tests
        with sqlite3.connect(stack.database) as db:
            if db.execute("SELECT count(*) FROM report_updates WHERE reference = ?", (reference,)).fetchone()[0]:
                break
        time.sleep(0.2)
    page.goto(stack.web_url + "/")                  # back, in the same tab
    expect(log(page)).to_contain_text(news)
    expect(assistant_messages(page).filter(has_text=news)).to_have_count(1)


def test_only_genuine_paths_count_as_this_sites_links(browser):
    """Browsers read a backslash as "/": `/\\evil.example/x` is another host, like `//evil.example/x`.
    The widget's own renderer, on a page of its own (no stack needed)."""
    widget = (PROJECT_ROOT / "bot" / "web" / "static" / "widget" / "widget.js").read_text(encoding="utf-8")
    page_html = '<!doctype html><title>Council</title><script src="/widget.js" data-mode="preview"></script>'
    context = browser.new_context()
    page = context.new_page()
    page.route("https://council.test/**", lambda route: route.fulfill(
        status=200, body=widget if route.request.url.endswith(".js") else page_html,
        content_type="text/javascript" if route.request.url.endswith(".js") else "text/html"))
    page.goto("https://council.test/")
    links = ["/council-tax/pay", "https://www.example.gov.uk/x", "/\\evil.example/x", "//evil.example/x",
             "/\\/evil.example", "/\t/evil.example", "javascript:alert(1)"]
    hrefs = page.evaluate("""links => links.map(link => {
        const a = window.CouncilChatMarkdown("[here](" + link + ")").querySelector("a");
        return a && a.getAttribute("href"); })""", links)
    context.close()
    assert hrefs == ["/council-tax/pay", "https://www.example.gov.uk/x", None, None, None, None, None]


def test_a_message_is_kept_when_the_chat_cannot_connect(browser):
    """The socket.io client failed to load: the widget says the message was not sent and keeps it (issue 15)."""
    widget = (PROJECT_ROOT / "bot" / "web" / "static" / "widget" / "widget.js").read_text(encoding="utf-8")
    page_html = '<!doctype html><html lang="en"><title>Council</title><script src="/widget/widget.js"></script>'

    def serve(route):
        url = route.request.url
        if url.endswith("/widget/widget.js"):
            route.fulfill(status=200, body=widget, content_type="text/javascript")
        elif url.endswith(".js") or url.endswith(".css"):
            route.fulfill(status=404, body="")   # socket.io's client (and the styles) cannot load
        else:
            route.fulfill(status=200, body=page_html, content_type="text/html")

    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("https://council.test/**", serve)
    page.goto("https://council.test/")
    page.click(".cw-launcher")
    page.fill("#cw-input", "when is my bin day")
    page.keyboard.press("Enter")
    expect(page.locator(".cw-status")).to_contain_text("not sent")
    assert page.input_value("#cw-input") == "when is my bin day"
    assert errors == []
    context.close()
