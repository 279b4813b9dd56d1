"""Hostile content from a source, served by the mirror into a real ingest (SQLite and PostgreSQL),
then published: script tags, event handlers, javascript: URLs, CSS (style attributes and tags,
expression()) and tracking pixels in titles and summaries are inert in the feeds, the index page
and the email; a newline in a title cannot add an email header; NUL, other control characters and
the bidirectional overrides reach none of them."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime

from lxml import etree, html
from mirror_fixture import FIXTURES, start_mirror
from reliability import cycle, settings_for

from feeds.build import build_site
from feeds.publish import write_site
from pipeline.briefing import run_briefing
from pipeline.settings import Settings
from pipeline.site import load_site_data
from tests.smtp_server import smtp_server
from vocabulary.weeks import format_week

ATTACK_TITLE = ('Evil <script>alert("t1")</script><img src="http://tracker.example/t.gif" onerror="alert(2)">'
                '<a href="javascript:alert(3)" style="color:red">headline</a>\r\nBcc: evil@example.org')
ATTACK_SUMMARY = (
    '<p onclick="alert(4)">Summary</p><script>alert("s1")</script><style>body{background:url(//tracker.example/s)}</style>'
    '<a href="javascript:alert(5)">click</a><a href=" JaVaScRiPt:alert(6)">spaced</a>'
    '<div style="width:expression(alert(7));background:url(http://tracker.example/bg.png)">css</div>'
    '<img src="http://tracker.example/pixel.gif" width="1" height="1"><img src="https://tracker.example/p2">'
    '<iframe src="http://evil.example/"></iframe><object data="http://evil.example/x.swf"></object>'
    '<svg onload="alert(8)"><use href="http://evil.example/#x"/></svg><form action="http://evil.example/"><input></form>'
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==">data</a>'
)
EVIL_ATLEU_TITLE = '<img src=x onerror=alert(10)>ATLEU\x00\u202e\u2066\x1b\nX-Injected: yes'
# what must reach no database, feed, page or email (JSON carries them all; XML only the overrides)
UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_feed() -> str:
    rss = (FIXTURES / "sentencing_council" / "feed" / "page-1.xml").read_text(encoding="utf-8")
    first = rss.index("<item>")
    item = ("<item><title><![CDATA[" + ATTACK_TITLE + "]]></title>"
            "<link>https://www.sentencingcouncil.org.uk/news/item/hostile-item/</link>"
            f"<pubDate>{datetime.now(UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            "<description><![CDATA[" + ATTACK_SUMMARY + "]]></description>"
            "<content:encoded><![CDATA[" + ATTACK_SUMMARY + "]]></content:encoded></item>")
    return rss[:first] + item + rss[first:]


def hostile_atleu() -> str:
    data = json.loads((FIXTURES / "atleu" / "cases-news.page-1.json").read_text(encoding="utf-8"))
    data["items"][0]["title"] = EVIL_ATLEU_TITLE
    data["items"][0]["excerpt"] = ATTACK_SUMMARY + "<p>NUL\x00 and\u202e overrides\u2067</p>"
    return json.dumps(data)


def hostile_parliament() -> str:
    """The 2026 question read by id, its heading, member and answer hostile, its steps in this week."""
    data = json.loads((FIXTURES / "parliament" / "questions" / "1905117.json").read_text(encoding="utf-8"))
    value = data["value"]
    today = datetime.now(UTC).date().isoformat() + "T00:00:00"
    value.update(heading=ATTACK_TITLE, dateAnswered=today, dateAnswerCorrected=today,
                 answerText="<p>Parliament " + ATTACK_SUMMARY + " NUL\x00 and\u202e on modern slavery.</p>" + value["answerText"])
    value["askingMember"]["name"] = EVIL_ATLEU_TITLE
    return json.dumps(data)


def hostile_nca() -> str:
    feed = (FIXTURES / "nca" / "news.rss.xml").read_text(encoding="utf-8")
    item = ("<item><title><![CDATA[NCA " + ATTACK_TITLE + " modern slavery]]></title>"
            "<link>https://www.nationalcrimeagency.gov.uk/news/hostile-item</link>"
            f"<pubDate>{datetime.now(UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            "<description><![CDATA[" + ATTACK_SUMMARY + " modern slavery]]></description></item>")
    return feed.replace("<item>", item + "<item>", 1)


def hostile_glaa() -> str:
    page = (FIXTURES / "glaa" / "latest.html").read_text(encoding="utf-8")
    return page.replace("CEO Stakeholder blog - November 2025</a>",
                        "GLAA <script>alert(11)</script><img src=x onerror=alert(12)>\u202e blog</a>", 1)


def problems_in_html(doc, where: str, *, own_style_ok: bool = True) -> list[str]:  # type: ignore[no-untyped-def]
    """Everything active or remote that survived in an HTML document or fragment."""
    found = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().split("}")[-1]
        if tag in ("script", "iframe", "object", "embed", "form", "input", "base", "frame", "applet"):
            found.append(f"{where}: <{tag}> survived")
        if tag == "style":
            css = (el.text or "").lower()
            if not own_style_ok or "tracker" in css or "expression(" in css or "url(" in css:
                found.append(f"{where}: source <style> survived: {css[:80]!r}")
        for name, value in el.attrib.items():
            name_l, value_l = name.lower(), re.sub(r"\s", "", value).lower()
            if name_l.startswith("on"):
                found.append(f"{where}: event handler {name}={value!r} on <{tag}>")
            if name_l == "style" and ("expression(" in value_l or "url(" in value_l or "tracker" in value_l):
                found.append(f"{where}: style attribute {value!r}")
            if name_l in ("href", "src", "action", "data", "xlink:href", "formaction") and \
                    value_l.startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"{where}: {name}={value!r} on <{tag}>")
            if tag == "img" and name_l == "src" and value_l.startswith(("http:", "https:", "//")):
                found.append(f"{where}: remote image (tracking pixel) {value!r}")
    return found


def html_fragments_of_feed(data: bytes) -> list[tuple[str, str]]:
    """(where, HTML) of every element a feed reader renders as HTML: RSS description/content, Atom html content."""
    root = etree.fromstring(data)
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        is_html = local in ("description", "encoded") or (
            local in ("summary", "content", "title", "subtitle") and el.get("type") in ("html", "xhtml"))
        if is_html and el.text:
            out.append((local, el.text))
        if local == "title":
            out.append(("title (as a reader may render it)", el.text or ""))
    return out


def test_hostile_titles_and_summaries_are_inert_everywhere(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        mirror.put_response("/sentencing_council/feed/", hostile_feed(), content_type="application/rss+xml")
        mirror.put_response("/atleu/cases-news?format=json", hostile_atleu(), content_type="application/json")
        mirror.put_response("/parliament/api/writtenquestions/questions/1905117?expandMember=true&sessionStatus=Any",
                            hostile_parliament(), content_type="application/json")
        mirror.put_response("/nca/news?format=feed&type=rss", hostile_nca(), content_type="application/rss+xml")
        mirror.put_response("/glaa/whats-new/latest-press-releases/", hostile_glaa(), content_type="text/html")
        settings = settings_for(mirror, db_url, tmp_path / "var")
        reports = cycle(settings, engine)
        assert all(r.status == "ok" for r in reports.values()), {n: r.error for n, r in reports.items()}

    files = build_site(load_site_data(engine), site_url="https://msbrief.example.org/", max_entries=500)
    write_site(settings.public_dir, files)
    problems: list[str] = []
    saw_item = False
    for name, data in files.items():
        if name.endswith(".xml"):
            for where, fragment in html_fragments_of_feed(data):
                saw_item |= "headline" in fragment or "Summary" in fragment
                problems += problems_in_html(html.fragment_fromstring(fragment, create_parent="div"),
                                             f"{name} {where}", own_style_ok=False)
        elif name.endswith(".html"):
            problems += problems_in_html(html.fromstring(data), name)
    assert saw_item, "the hostile item never reached the feeds: the test proves nothing"
    index = files["index.html"].decode("utf-8")
    assert "Evil" in index or "headline" in index, "the hostile item is not on the index page"

    week = format_week(datetime.now(UTC).date())
    with smtp_server(tmp_path, mode="plain", auth=False) as server:
        brief = Settings(database_url=db_url, output_dir=tmp_path / "var", smtp_url=f"smtp+plain://127.0.0.1:{server.port}",
                         recipients=["staff@example.org"], mail_from="msbrief <briefing@example.org>",
                         briefing_window_weeks=100_000, briefing_off_topic="list")  # every hostile item is news
        outcome = run_briefing(engine, brief, week=week, send=True, now=datetime.now(UTC))
        assert outcome.ok, outcome.summary
        assert len(server.handler.messages) == 1
        received = server.handler.messages[0]
    assert Counter(received.rcpt_tos) == Counter(["staff@example.org"]), received.rcpt_tos
    msg = received.message()
    names = {k.lower() for k in msg.keys()}
    assert "bcc" not in names and "x-injected" not in names, f"a title added email headers: {sorted(names)}"
    assert all("evil@example.org" not in str(v) for v in msg.values()), msg.items()
    raw_headers = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in raw_headers and b"\nX-Injected:" not in raw_headers, raw_headers
    body_html = msg.get_body(preferencelist=("html",)).get_content()
    assert "headline" in body_html or "Evil" in body_html, "the hostile item is not in the email"
    problems += problems_in_html(html.fromstring(body_html), "email html")
    # the new sources' hostile items reached the feeds and the email's "In Parliament"
    parliament_part = body_html.split("In Parliament</h2>", 1)[1].split("</h2>", 1)[0]
    assert "Parliament " in parliament_part and "headline" in parliament_part, "the hostile answer is not in the email"
    assert any(b"NCA Evil" in data for name, data in files.items() if "source-nca" in name)
    assert any(b"GLAA" in data and b"blog" in data for name, data in files.items() if "source-glaa" in name)
    for name, data in files.items():
        found = UNWANTED.search(data.decode("utf-8"))
        assert not found, f"{name}: a control or override character {found[0]!r} was published"
    body_text = msg.get_body(preferencelist=("plain",)).get_content()
    for where, text in (("email text", body_text), ("email html", body_html), ("email subject", str(msg["Subject"]))):
        found = UNWANTED.search(text)
        assert not found, f"{where}: a control or override character {found[0]!r} was sent"
    assert not problems, "hostile content survived:\n" + "\n".join(problems)
