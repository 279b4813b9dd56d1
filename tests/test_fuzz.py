"""Bad input, fuzzed (hypothesis) and targeted: the NRM extractor, the date parsing, the feed,
listing and item parsers never raise anything but ParseError, and the extractor never returns a
figure whose number is not in the input. Every adapter end to end, the mirror serving the fuzzed
body over HTTP and the ingest storing what it read in SQLite and in PostgreSQL, fails only that
source, with a scraper's one-line error (never an adapter crash, never a store failure, never SQL).
Fuzzed text in otherwise valid documents (titles, summaries, URLs, dates, validators: any
character, any length) is stored by PostgreSQL exactly as by SQLite. Malformed, truncated,
enormous, wrongly encoded and deeply nested documents, and XML entity bombs, are refused safely:
ParseError, quickly, in bounded memory."""

from __future__ import annotations

import json
import re
import time
import tracemalloc
from xml.sax.saxutils import escape

import pytest
from hostile_cases import measure, squarespace_items
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mirror_fixture import FIXTURES, start_mirror
from reliability import diff, settings_for, snapshot
from source_runs import client as adapter_client

from pipeline import ingest
from pipeline.reports import SourceReport
from scrapers import (
    atleu,
    dates,
    feedread,
    glaa,
    govuk,
    govuk_guidance,
    iasc,
    nca,
    nrm,
    parliament,
    parliament_api,
    sentencing_council,
)
from scrapers.errors import DeadlineExceeded, ParseError
from scrapers.limits import Budget, Deadline, Limits
from scrapers.listing import read_item, read_listing
from scrapers.normalise import load_topics
from store.db import make_engine, upgrade

BULLETINS = FIXTURES / "nrm" / "bulletins"
BULLETIN_TEXT = (BULLETINS / "2023-Q2.txt").read_text(encoding="utf-8") if (BULLETINS / "2023-Q2.txt").exists() \
    else next(BULLETINS.glob("*.txt")).read_text(encoding="utf-8")
TOPICS = load_topics()
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
URL = "https://example.org/x"

text = st.text(max_size=2000)
html_like = st.lists(st.one_of(
    st.sampled_from(["<html>", "<body>", "<main>", "<h1>", "</h1>", "<p>", "</p>", "<ul>", "<li>", "</li>",
                     "<article class=\"news-card\">", "</article>", "<a href=\"/x\">", "</a>", "<time datetime=\"",
                     "\">", "<meta property=\"article:published_time\" content=\"", "<script type=\"application/ld+json\">",
                     "</script>", "Key results", "referrals", "2023", "Quarter 2", "April to June", "17,004",
                     "<h2 id=\"key-results\">Key results</h2>", "\x00", "\ufeff", "&amp;", "&#0;", "&#xD800;"]),
    st.text(max_size=40)), max_size=80).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["title", "base_path", "details", "body", "results", "total", "link", "state", "display_date",
                         "items", "url", "date_published", "first_published_at", "public_updated_at",
                         "release_timestamp", "attachments", "parts", "x"]), children, max_size=6),
    max_leaves=25)
documents = st.one_of(text, html_like, json_values.map(json.dumps), st.binary(max_size=2000))


def only_parse_errors(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run a parser; ParseError is the one exception it may raise. Its result, or None."""
    try:
        return call(*args, **kwargs)
    except ParseError:
        return None


# --- the NRM extractor ------------------------------------------------------------------------

def _numbers_in(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", " ".join(text.split()))


def assert_figures_in_input(extraction, document: str) -> None:  # type: ignore[no-untyped-def]
    """Every numeric figure's value is written in its evidence, and its evidence is in the input."""
    source = _numbers_in(re.sub(r"<[^>]*>", " ", document))
    for f in extraction.figures:
        evidence = _numbers_in(f.evidence)
        assert evidence, f"figure {f.metric} has no evidence"
        if isinstance(f.value, bool) or not isinstance(f.value, (int, float)):
            continue
        value = abs(f.value)  # a decrease is stored negative: "a 1% decrease" is -1
        number = f"{value:g}" if isinstance(value, float) else str(value)
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", evidence), \
            f"figure {f.metric}={f.value!r} is not written in its evidence {f.evidence!r}"
        words = [w for w in re.findall(r"\w+", evidence) if len(w) > 2][:12]
        assert all(w in source for w in words), f"evidence {f.evidence!r} is not from the input"


@FUZZ
@given(documents)
def test_extractor_raises_only_parse_error(document):
    only_parse_errors(nrm.extract, document)


@FUZZ
@given(st.data())
def test_extractor_on_mutated_bulletins_returns_only_figures_from_the_input(data):
    """A real bulletin with random cuts, insertions and changed numbers."""
    doc = BULLETIN_TEXT
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(doc)))
        j = data.draw(st.integers(i, min(len(doc), i + 400)))
        doc = doc[:i] + data.draw(st.sampled_from(["", " 12,345 ", " 99.9% ", "\n", " referrals ", "\u00a0", "<p>"])
                                  | st.text(max_size=20)) + doc[j:]
    doc = re.sub(r"\d[\d,]*", lambda m: m[0] if data.draw(st.booleans()) else str(data.draw(st.integers(0, 99999))),
                 doc, count=30)
    extraction = only_parse_errors(nrm.extract, doc)
    if extraction is not None:
        assert_figures_in_input(extraction, doc)


def test_extractor_on_every_real_bulletin_returns_only_figures_from_the_input():
    for path in sorted(BULLETINS.glob("*.txt")):
        doc = path.read_text(encoding="utf-8")
        assert_figures_in_input(nrm.extract(doc), doc)


# --- dates ------------------------------------------------------------------------------------

@FUZZ
@given(st.one_of(text, json_values, html_like))
def test_date_parsing_never_raises(value):
    for parse in (dates.parse_machine, dates.parse_text, dates.from_permalink, dates.from_epoch_ms):
        result = parse(value)
        assert result is None or result.tzinfo is not None, (parse.__name__, value, result)
    only_parse_errors(dates.from_html, value if isinstance(value, str) else json.dumps(value))
    when = govuk.release_time(value if isinstance(value, str) else "")
    assert when is None or when.tzinfo is not None


# --- feeds, listings and item pages -----------------------------------------------------------

FEED_PARSERS = [feedread.parse_feed, feedread.parse_json_feed, feedread.parse_wp_posts, feedread.parse_squarespace]


@FUZZ
@given(documents)
def test_feed_parsers_raise_only_parse_error(document):
    body = document if isinstance(document, bytes) else document.encode("utf-8", "surrogatepass")
    for parse in FEED_PARSERS:
        only_parse_errors(parse, body, source="fuzz", url=URL)
    feedread.discover_feeds(body, page_url=URL)


@FUZZ
@given(documents)
def test_listing_and_item_parsers_raise_only_parse_error(document):
    for site in SITES:
        only_parse_errors(read_listing, document, page_url=URL, selectors=site.listings.listing, source="fuzz")
        if site.listings.item:
            only_parse_errors(read_item, document, page_url=URL, selectors=site.listings.item, source="fuzz")


# --- every adapter end to end, the mirror serving the bad body --------------------------------

ADAPTER_PATHS = {  # (adapter, folder, the first document it reads, content type)
    "govuk_nrm": (govuk, "govuk_nrm", None, "application/json"),
    "sentencing_council": (sentencing_council, "sentencing_council", "/feed/", "application/rss+xml"),
    "iasc": (iasc, "iasc", "/news-insights/", "text/html; charset=utf-8"),
    "atleu": (atleu, "atleu", "/cases-news?format=json", "application/json"),
    "govuk_guidance": (govuk_guidance, "govuk_guidance", None, "application/json"),
    "parliament": (parliament, "parliament", None, "application/json"),
    "nca": (nca, "nca", "/news", "text/html; charset=utf-8"),
    "glaa": (glaa, "glaa", "/whats-new/latest-press-releases/", "text/html; charset=utf-8"),
}
SITES = (iasc.SITE, sentencing_council.SITE, atleu.SITE, nca.SITE, glaa.SITE)  # the adapters with listings


@pytest.fixture(scope="module")
def fuzz_mirror():  # type: ignore[no-untyped-def]
    with start_mirror() as mirror:
        yield mirror


def _first_path(name: str) -> str:
    _, folder, path, _ = ADAPTER_PATHS[name]
    if path:
        return f"/{folder}{path}"
    from reliability import FAULT_PATHS
    return FAULT_PATHS[(name, "listing")]


# What a source's error may never be: an adapter crash, a store failure, SQL.
NOT_A_SCRAPER_ERROR = re.compile(r"unexpected \w+ in the adapter|could not store what was fetched|\[SQL:|"
                                 r"\bINSERT INTO\b|\bSELECT\b.+\bFROM\b", re.S)


def ingest_settings(mirror, db_url: str, tmp_path, **overrides):  # type: ignore[no-untyped-def]
    """Every source on the mirror; no retries (a refused document is refused again), patient reads."""
    return settings_for(mirror, db_url, tmp_path / "var", read_timeout=5, max_retries=0, **overrides)


def ingest_over(mirror, engine, settings, name: str, responses: dict[str, tuple[bytes | str, str]]) -> SourceReport:  # type: ignore[no-untyped-def]
    """Serve `responses` (path -> body, content type) in place of the recorded ones, then fetch and
    store source `name` as a run does; its report, checked: ok, or failed with a scraper's one line."""
    for path, (body, content_type) in responses.items():
        mirror.put_response(path, body, content_type=content_type)
    try:
        report = ingest.store(engine, None, ingest.fetch(settings, engine, name))
    finally:
        mirror.reset_responses()
    if report.status != "ok":
        error = report.error or ""
        assert error and not NOT_A_SCRAPER_ERROR.search(error), f"{name}: {error}"
        assert "\n" not in error, f"{name}: the error is not one line: {error!r}"
    return report


def ingest_first_document(mirror, engine, settings, name: str, body: bytes) -> SourceReport:  # type: ignore[no-untyped-def]
    _, _, _, content_type = ADAPTER_PATHS[name]
    return ingest_over(mirror, engine, settings, name, {_first_path(name): (body, content_type)})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(ADAPTER_PATHS)), document=documents)
def test_every_adapter_on_a_fuzzed_first_document_fails_only_with_a_scraper_error(fuzz_mirror, engine, db_url,
                                                                                  tmp_path, name, document):
    body = document if isinstance(document, bytes) else document.encode("utf-8", "surrogatepass")
    ingest_first_document(fuzz_mirror, engine, ingest_settings(fuzz_mirror, db_url, tmp_path), name, body)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(document=json_values)
def test_govuk_content_item_parsing_fails_only_with_a_scraper_error(fuzz_mirror, engine, db_url, tmp_path, document):
    """A fuzzed Content API document for a release page and for an announcement."""
    from reliability import FAULT_PATHS
    for path in (FAULT_PATHS[("govuk_nrm", "item")],
                 "/govuk_nrm/api/content/government/statistics/announcements/"
                 "modern-slavery-nrm-and-dtn-statistics-january-to-march-2025"):
        ingest_over(fuzz_mirror, engine, ingest_settings(fuzz_mirror, db_url, tmp_path), "govuk_nrm",
                    {path: (json.dumps(document), "application/json")})


# --- fuzzed text in valid documents: PostgreSQL stores what SQLite stores ----------------------

@pytest.fixture
def sqlite_and_postgresql(tmp_path, pg_admin):  # type: ignore[no-untyped-def]
    """[(url, engine)] of a migrated SQLite database and a migrated PostgreSQL one."""
    from conftest import drop_pg_database, new_pg_database

    urls = [f"sqlite:///{tmp_path / 'alike.db'}", new_pg_database(pg_admin)]
    engines = [make_engine(url) for url in urls]
    for eng in engines:
        upgrade(eng)
    yield list(zip(urls, engines, strict=True))
    for eng in engines:
        eng.dispose()
    drop_pg_database(pg_admin, urls[1])


def _repeated(parts: tuple[str, int, str]) -> str:
    head, times, unit = parts
    return head + unit * times


# Any code point (NUL, controls, lone surrogates, overrides), short or thousands of characters long.
ANY_CHAR = st.characters(exclude_categories=())
XML_CHAR = st.characters(min_codepoint=0x20, exclude_categories=("Cs",)).filter(lambda c: c not in "\ufffe\uffff")
SPECIAL = st.sampled_from(["\x00", "\x1b", "\u202e", "\u2066", "\ud800", "\u00e9", "\U0001d11e", "a", " ", "/", "%"])
XML_SPECIAL = st.sampled_from(["\u202e", "\u2069", "\u00e9", "\U0001d11e", "a", " ", "<", "&", "]]>"])


def fuzzed(chars, special, *, longest: int = 4000):  # type: ignore[no-untyped-def]
    return st.one_of(st.text(chars, max_size=60),
                     st.tuples(st.text(chars, max_size=20), st.integers(0, longest), special).map(_repeated))


HEADER_VALUE = st.one_of(st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF), min_size=1, max_size=40),
                         st.integers(90, 3000).map(lambda n: '"' + "e" * n + '"'))


@st.composite
def fuzzed_source(draw):  # type: ignore[no-untyped-def]
    """(source, {path: (body, content type)}, ETag, Last-Modified): a real document of the source
    with its first item's text fuzzed."""
    name = draw(st.sampled_from(["atleu", "sentencing_council"]))
    if name == "atleu":
        data = json.loads((FIXTURES / "atleu" / "cases-news.page-1.json").read_text(encoding="utf-8"))
        item = data["items"][0]
        item["title"] = draw(fuzzed(ANY_CHAR, SPECIAL))
        item["excerpt"] = draw(fuzzed(ANY_CHAR, SPECIAL))
        item["fullUrl"] = draw(st.one_of(fuzzed(ANY_CHAR, SPECIAL, longest=3000).map(lambda p: "/news/2024/12/5/" + p),
                                         fuzzed(ANY_CHAR, SPECIAL)))
        item["publishOn"] = draw(st.one_of(st.just(item["publishOn"]), st.integers(-2**62, 2**62)))
        responses = {"/atleu/cases-news?format=json": (json.dumps(data), "application/json")}
    else:
        rss = (FIXTURES / "sentencing_council" / "feed" / "page-1.xml").read_text(encoding="utf-8")
        first = rss.index("<item>")
        link = draw(st.one_of(fuzzed(XML_CHAR, XML_SPECIAL, longest=3000).map(
            lambda p: "https://www.sentencingcouncil.org.uk/news/item/" + p), fuzzed(XML_CHAR, XML_SPECIAL)))
        item = (f"<item><title>{escape(draw(fuzzed(XML_CHAR, XML_SPECIAL)))}</title><link>{escape(link)}</link>"
                "<pubDate>Thu, 05 Sep 2024 10:00:00 +0000</pubDate>"
                f"<description>{escape(draw(fuzzed(XML_CHAR, XML_SPECIAL)))}</description></item>")
        responses = {"/sentencing_council/feed/": (rss[:first] + item + rss[first:], "application/rss+xml")}
    return name, responses, draw(HEADER_VALUE), draw(HEADER_VALUE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(case=fuzzed_source())
def test_fuzzed_text_is_stored_by_postgresql_as_by_sqlite(fuzz_mirror, sqlite_and_postgresql, tmp_path, case):
    """One fetch of a source whose first item has fuzzed text and validators, stored in both
    databases: the same outcome, the same rows, and never a store failure."""
    name, responses, etag, last_modified = case
    (sqlite_url, sqlite), (_, postgresql) = sqlite_and_postgresql
    for path, (body, content_type) in responses.items():
        fuzz_mirror.put_response(path, body, content_type=content_type, headers={"ETag": etag},
                                 last_modified=last_modified)
    try:
        fetched = ingest.fetch(ingest_settings(fuzz_mirror, sqlite_url, tmp_path), sqlite, name)
    finally:
        fuzz_mirror.reset_responses()
    reports = [ingest.store(eng, None, fetched) for eng in (sqlite, postgresql)]
    for report in reports:
        assert not NOT_A_SCRAPER_ERROR.search(report.error or ""), f"{name}: {report.error}"
    outcome = [(r.status, r.error, r.new, r.amended, r.warnings) for r in reports]
    assert outcome[0] == outcome[1], f"SQLite and PostgreSQL differ on {name}:\n{outcome[0]}\n{outcome[1]}"
    problem = diff(snapshot(postgresql, (name,)), snapshot(sqlite, (name,)))
    assert not problem, f"PostgreSQL stored otherwise than SQLite:\n{problem}"


BROKEN_LINKS = ["https://www.sentencingcouncil.org.uk:abc/news/x", "https://www.sentencingcouncil.org.uk:99999/x",
                "http://[::1/x", "javascript:alert(1)", "mailto:staff@example.org", "//", "https://", " \t"]


def with_broken_link(name: str, link: str) -> dict[str, tuple[str, str]]:
    """The source's first document, its first item linking to `link`."""
    if name == "sentencing_council":
        rss = (FIXTURES / "sentencing_council" / "feed" / "page-1.xml").read_text(encoding="utf-8")
        first = rss.index("<item>")
        item = (f"<item><title>Broken link</title><link>{escape(link)}</link>"
                "<pubDate>Thu, 05 Sep 2024 10:00:00 +0000</pubDate><description>d</description></item>")
        return {"/sentencing_council/feed/": (rss[:first] + item + rss[first:], "application/rss+xml")}
    if name == "atleu":
        data = json.loads((FIXTURES / "atleu" / "cases-news.page-1.json").read_text(encoding="utf-8"))
        data["items"][0]["fullUrl"] = link
        return {"/atleu/cases-news?format=json": (json.dumps(data), "application/json")}
    if name == "nca":
        feed = (FIXTURES / "nca" / "news.rss.xml").read_text(encoding="utf-8")
        first = "https://www.nationalcrimeagency.gov.uk/news/two-suspected-people-smugglers-arrested"
        return {"/nca/news?format=feed&type=rss": (feed.replace(f"<link>{first}</link>", f"<link>{escape(link)}</link>"),
                                                   "application/rss+xml")}
    if name == "glaa":
        page = (FIXTURES / "glaa" / "latest.html").read_text(encoding="utf-8")
        first = "/whats-new/latest-press-releases/24112025-ceo-stakeholder-blog-november-2025/"
        return {"/glaa/whats-new/latest-press-releases/": (page.replace(f'href="{first}"', f'href="{escape(link)}"'),
                                                           "text/html; charset=utf-8")}
    page = (FIXTURES / "iasc" / "news-insights" / "page-1.html").read_text(encoding="utf-8")
    first = "https://www.antislaverycommissioner.co.uk/news-insights/iasc-bulletin-may-2024"
    return {"/iasc/news-insights/": (page.replace(f'href="{first}"', f'href="{escape(link)}"'), "text/html; charset=utf-8")}


@pytest.mark.parametrize("name", ["sentencing_council", "atleu", "iasc", "nca", "glaa"])
def test_a_broken_item_link_never_crashes_an_adapter(fuzz_mirror, engine, db_url, tmp_path, name):
    """A link with a port that is no number or out of range, an unclosed IPv6 bracket, another
    scheme or nothing at all: stored as written, skipped, or the source fails with a scraper's line."""
    settings = ingest_settings(fuzz_mirror, db_url, tmp_path)
    for link in BROKEN_LINKS:
        ingest_over(fuzz_mirror, engine, settings, name, with_broken_link(name, link))


GUIDANCE_DOC = json.loads((FIXTURES / "govuk_guidance" / "content" /
                           "government--publications--modern-slavery-how-to-identify-and-support-victims.json")
                          .read_text(encoding="utf-8"))


@st.composite
def mutated_guidance_documents(draw) -> dict:  # type: ignore[no-untyped-def]
    """The real statutory guidance document with some of its fields (and redirect/withdrawal ones) fuzzed."""
    doc = json.loads(json.dumps(GUIDANCE_DOC))
    details, note = doc["details"], doc["details"]["change_history"][0]
    places = ([(doc, k) for k in (*doc, "redirects", "withdrawn_notice")] + [(details, k) for k in (*details, "government")]
              + [(note, "public_timestamp"), (note, "note")])
    for _ in range(draw(st.integers(1, 4))):
        target, key = draw(st.sampled_from(places))
        target[key] = draw(st.one_of(json_values, st.sampled_from(
            ["redirect", "", "2025-13-01T00:00:00Z", {"withdrawn_at": "2020-01-01T00:00:00Z", "explanation": "<p>x"},
             [{"path": "/x", "destination": "/government/publications/modern-slavery-duty-to-notify"}],
             {"title": "x", "current": False}, True])))
    return doc


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(document=st.one_of(json_values, mutated_guidance_documents()))
def test_govuk_guidance_document_parsing_fails_only_with_a_scraper_error(fuzz_mirror, engine, db_url, tmp_path,
                                                                       document):
    """A fuzzed Content API document for a watched page, for a listed page and for a redirect item."""
    from reliability import FAULT_PATHS
    old_slug = "/government/publications/national-referral-mechanism-guidance-for-child-first-responders"
    watching = ingest_settings(fuzz_mirror, db_url, tmp_path,
                               govuk_guidance_watch=[*govuk_guidance.DEFAULT_WATCH, old_slug])
    for path in (FAULT_PATHS[("govuk_guidance", "item")],
                 "/govuk_guidance/api/content/government/consultations/transparency-in-supply-chains",
                 "/govuk_guidance/api/content" + old_slug):
        ingest_over(fuzz_mirror, engine, watching, "govuk_guidance", {path: (json.dumps(document), "application/json")})


PARLIAMENT_ITEM = json.loads((FIXTURES / "parliament" / "questions" / "1905117.json").read_text(encoding="utf-8"))
PARLIAMENT_LIST = json.loads((FIXTURES / "parliament" / "lists" / "questions.slavery.tabledWhenFrom.json")
                             .read_text(encoding="utf-8"))


@st.composite
def mutated_parliament_documents(draw) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """("list" or "item", the real-shaped document with some of its fields fuzzed)."""
    which = draw(st.sampled_from(["list", "item"]))
    doc = json.loads(json.dumps(PARLIAMENT_LIST if which == "list" else PARLIAMENT_ITEM))
    value = doc["results"][0]["value"] if which == "list" else doc["value"]
    places = [(doc, k) for k in doc] + [(value, k) for k in value]
    for _ in range(draw(st.integers(1, 4))):
        target, key = draw(st.sampled_from(places))
        target[key] = draw(st.one_of(json_values, st.sampled_from(
            ["2021-13-01T00:00:00", "1899-01-01T00:00:00", "", None, True, -1, 10**30, [], {}, "<script>x</script>"])))
    return which, doc


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(case=mutated_parliament_documents())
def test_parliament_documents_fail_only_with_a_scraper_error(fuzz_mirror, engine, db_url, tmp_path, case):
    """A fuzzed list page or question read by id: the source is stored, or fails with a scraper's line."""
    from reliability import FAULT_PATHS
    which, document = case
    path = FAULT_PATHS[("parliament", "listing" if which == "list" else "item")]
    ingest_over(fuzz_mirror, engine, ingest_settings(fuzz_mirror, db_url, tmp_path), "parliament",
                {path: (json.dumps(document), "application/json")})
    assert parliament_api.listing(PARLIAMENT_LIST, url=URL)[0] >= 1  # the real shape still reads


# --- targeted bad documents -------------------------------------------------------------------

DEEP = 10_000
RSS_ITEM = ("<item><title>Item {n}</title><link>https://example.org/{n}</link>"
            "<pubDate>Mon, 07 Aug 2023 10:00:00 GMT</pubDate><description>{text}</description></item>")


def rss(items: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


BAD_DOCUMENTS = {
    "deep-json-array": b"[" * DEEP + b"]" * DEEP,
    "deep-json-object": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "deep-html": ("<div>" * DEEP + "Key results" + "</div>" * DEEP).encode(),
    "deep-xml": ('<?xml version="1.0"?><rss version="2.0"><channel>' + "<x>" * DEEP + "</x>" * DEEP
                 + "</channel></rss>").encode(),
    "truncated-json": json.dumps({"results": [{"title": "x" * 50}] * 20})[:-37].encode(),
    "truncated-rss": rss(RSS_ITEM.format(n=1, text="a") * 5).encode()[:-60],
    "enormous-rss": rss("".join(RSS_ITEM.format(n=n, text="modern slavery " * 40) for n in range(4000))).encode(),  # ~3 MB
    "enormous-html": ("<html><body>" + "<p>" + "referrals 17,004 " * 300_000 + "</p></body></html>").encode(),
    "latin-1-rss": rss(RSS_ITEM.format(n=1, text="caf\u00e9 \u00a3")).encode("latin-1"),
    "utf-16-rss": rss(RSS_ITEM.format(n=1, text="caf\u00e9")).encode("utf-16"),
    "utf-16-json": json.dumps({"results": [], "title": "caf\u00e9"}).encode("utf-16"),
    "nul-bytes": b"\x00" * 5000 + b"<rss>",
    "binary": bytes(range(256)) * 50,
}


def _bounded(call) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    started = time.process_time()  # CPU: a busy machine does not inflate it
    try:
        call()
    finally:
        elapsed = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_bad_documents_raise_only_parse_error(name):
    body = BAD_DOCUMENTS[name]
    as_text = body.decode("utf-8", "replace")
    calls = [lambda p=p: only_parse_errors(p, body, source="t", url=URL) for p in FEED_PARSERS]
    calls += [lambda: only_parse_errors(nrm.extract, body), lambda: only_parse_errors(nrm.extract, as_text),
              lambda: dates.from_html(as_text), lambda: feedread.discover_feeds(body, page_url=URL)]
    calls += [lambda s=s: only_parse_errors(read_listing, body, page_url=URL, selectors=s.listings.listing, source="t")
              for s in SITES]
    calls += [lambda s=s: only_parse_errors(read_item, body, page_url=URL, selectors=s.listings.item, source="t")
              for s in SITES if s.listings.item]
    for call in calls:
        # CPU time, not wall time: a busy machine slows the clock, never this process's own work
        started = time.process_time()
        call()
        elapsed = time.process_time() - started
        assert elapsed < 20, f"{name}: a parser took {elapsed:.1f}s of CPU"


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_bad_documents_through_every_adapter(fuzz_mirror, engine, db_url, tmp_path, name):
    settings = ingest_settings(fuzz_mirror, db_url, tmp_path)
    for adapter_name in ADAPTER_PATHS:
        ingest_first_document(fuzz_mirror, engine, settings, adapter_name, BAD_DOCUMENTS[name])


def test_wrongly_encoded_feeds_are_read_or_refused_cleanly():
    for name in ("latin-1-rss", "utf-16-rss"):
        page = only_parse_errors(feedread.parse_feed, BAD_DOCUMENTS[name], source="t", url=URL)
        if page is not None:
            assert page.entries[0].title == "Item 1"


# --- XML entity bombs and external entities ---------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>https://x.org/1</link>
<pubDate>Mon, 07 Aug 2023 10:00:00 GMT</pubDate></item></channel></rss>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 50_000 + b'">]><rss version="2.0"><channel>'
             b"<title>" + b"&a;" * 50_000 + b"</title></channel></rss>")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0">'
            b"<channel><title>&xxe;</title><item><title>&xxe;</title><link>https://x.org/1</link></item></channel></rss>")
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd"><rss version="2.0">'
                b"<channel><title>t</title></channel></rss>")
PARAMETER = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
             b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>')
BOMBS = {"billion-laughs": BILLION_LAUGHS, "quadratic-blowup": QUADRATIC, "external-entity": EXTERNAL,
         "external-dtd": EXTERNAL_DTD, "parameter-entity": PARAMETER,
         "billion-laughs-atom": BILLION_LAUGHS.replace(b'<rss version="2.0"><channel>',
                                                       b'<feed xmlns="http://www.w3.org/2005/Atom">')
         .replace(b"</channel></rss>", b"</feed>")}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_xml_bombs_are_refused_quickly_in_bounded_memory(name):
    def parse() -> None:
        with pytest.raises(ParseError, match="unsafe XML refused|not well-formed"):
            feedread.parse_feed(BOMBS[name], source="t", url=URL)

    elapsed, peak = _bounded(parse)
    assert elapsed < 3.0, f"{name} took {elapsed:.2f}s to refuse"  # an expanding bomb takes minutes
    assert peak < 20_000_000, f"{name} used {peak / 1e6:.0f} MB to refuse"


@pytest.mark.parametrize("name", sorted(BOMBS))
@pytest.mark.parametrize("adapter_name", ["sentencing_council", "atleu"])
def test_xml_bombs_in_every_consumed_feed_fail_the_source_cleanly(fuzz_mirror, adapter_name, name):
    """Served where the adapters read RSS/Atom: the source fails (or falls back) with the bomb refused."""
    path = "/sentencing_council/feed/" if adapter_name == "sentencing_council" else "/atleu/cases-news?format=rss"
    module = sentencing_council if adapter_name == "sentencing_council" else atleu
    fuzz_mirror.put_response(path, BOMBS[name], content_type="application/rss+xml")
    if adapter_name == "atleu":  # make the JSON collection absent so that the RSS feed is read
        fuzz_mirror.remove_response("/atleu/cases-news?format=json")
    client = adapter_client(module, fuzz_mirror.url_for(adapter_name))
    started = time.process_time()  # CPU, not wall time: robust on a loaded machine
    try:
        with pytest.raises(ParseError, match="unsafe XML refused|not well-formed"):
            module.collect(client, base_url=fuzz_mirror.url_for(adapter_name), is_known=lambda url: False,
                           topics=TOPICS, backfill=False)
    finally:
        client.close()
        fuzz_mirror.reset_responses()
    assert time.process_time() - started < 5


# --- bounds: refused with one line, in time and memory linear in the input (issue 26) ---------

MB = 1_000_000


def test_attributes_on_one_element_are_refused_in_linear_time_and_bounded_memory():
    """feedparser is quadratic in the attributes of one element (200,000 took minutes): expat
    scans first and refuses the element, in time linear in the input."""
    small, large = (measure(f"from scrapers import feedread\nfrom hostile_cases import attribute_feed\n"
                            f"feedread.parse_feed(attribute_feed({n}), source='t', url='{URL}')", timeout=60)
                    for n in (50_000, 200_000))
    for cost in (small, large):
        assert "MSBRIEF_MAX_ATTRIBUTES" in cost.outcome, cost
        assert cost.peak_mb < 500, cost
    assert large.cpu < 4 * 3 * small.cpu + 1, (small, large)  # four times the input: not sixteen times the time


@pytest.mark.parametrize("size", [1 * MB, 4 * MB, 10 * MB])
def test_unclosed_paragraphs_are_refused_before_a_tree_is_built(size):
    """10 MB of unclosed <p> took 4.6 GB and 80 s: a tree of a kilobyte per element. Refused by its
    tags (or bytes) before BeautifulSoup sees it."""
    cost = measure("from scrapers import iasc\nfrom scrapers.listing import read_listing\n"
                   f"from hostile_cases import unclosed_paragraphs\nread_listing(unclosed_paragraphs({size}), "
                   f"page_url='{URL}', selectors=iasc.SITE.listings.listing, source='t')", timeout=60)
    assert "MSBRIEF_MAX_ELEMENTS" in cost.outcome or "MSBRIEF_MAX_DOCUMENT_BYTES" in cost.outcome, cost
    assert cost.peak_mb < 500 and cost.cpu < 10, cost


def test_escaped_markup_in_a_feed_counts_as_tags():
    """A summary of escaped tags is parsed again as HTML: its tags count against MSBRIEF_MAX_ELEMENTS."""
    body = rss(RSS_ITEM.format(n=1, text="&lt;p&gt;x" * 60_000)).encode()
    with pytest.raises(ParseError, match="MSBRIEF_MAX_ELEMENTS"):
        feedread.parse_feed(body, source="t", url=URL)


def test_items_past_the_page_limit_are_not_read():
    body = rss("".join(RSS_ITEM.format(n=n, text="x") for n in range(30))).encode()
    budget = Budget(limits=Limits(max_items_per_page=10))
    page = feedread.parse_feed(body, source="t", url=URL, budget=budget)
    assert len(page.entries) == 10 and page.dropped == 20
    json_page = feedread.parse_squarespace(squarespace_items(30).encode(), source="t", url=URL, budget=budget)
    assert len(json_page.entries) == 10 and json_page.dropped == 20


def test_a_parse_after_the_source_deadline_fails_with_the_deadline():
    passed = Budget(deadline=Deadline(0.001))
    time.sleep(0.01)
    body = rss(RSS_ITEM.format(n=1, text="x")).encode()
    with pytest.raises(DeadlineExceeded, match="source deadline"):
        feedread.parse_feed(body, source="t", url=URL, budget=passed)
    with pytest.raises(DeadlineExceeded, match="source deadline"):
        read_listing(b"<html><article class='news-card'><a href='/x'>x</a></article>", page_url=URL,
                     selectors=iasc.SITE.listings.listing, source="t", budget=passed)
