"""Nothing is fetched off a source's hosts (issue 16, point 2: server-side request forgery).

Over real HTTP: the mirror serves the source, and a second, hostile server on another loopback
port stands for everything else. Its request log is the witness: it must record nothing, while
the source's other items are read (and stored) as usual. Addresses that are not public are
checked on their own, plus end to end through a resolver the test points.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_options import grouped
from mirror_fixture import FIXTURES, HTTPFAULTS, start_mirror
from reliability import cycle, settings_for, snapshot
from source_runs import run

from mirror import MirrorServer
from pipeline.sources import SOURCES, source
from scrapers import iasc
from scrapers.errors import FetchError, HostNotAllowed
from scrapers.hosts import HostPolicy, host_key, non_public
from scrapers.http import HttpClient

UA = "msbrief-tests/1 (+mailto:tests@example.org)"
DATA = "/httpfaults/data.json"
SITE = "https://www.antislaverycommissioner.co.uk"
BULLETIN = f"{SITE}/news-insights/iasc-bulletin-may-2024"
LISTING = (FIXTURES / "iasc" / "news-insights" / "page-1.html").read_text(encoding="utf-8")
HTML = "text/html; charset=utf-8"
PLANTED_FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>planted</title>
<item><title>Planted item</title><link>https://www.antislaverycommissioner.co.uk/news-insights/planted</link>
<pubDate>Mon, 07 Aug 2023 10:00:00 GMT</pubDate></item></channel></rss>"""


@pytest.fixture
def hostile() -> Iterator[MirrorServer]:
    """Another server on another loopback port: anything that reaches it is a request forged by a page."""
    with start_mirror(HTTPFAULTS) as server:
        server.put_response("/feed.xml", PLANTED_FEED, content_type="application/rss+xml")
        server.put_response("/planted", "<html><h1>Planted</h1></html>", content_type="text/html")
        yield server


class Resolver:
    """A resolver the test points: name -> addresses, recording every lookup."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.names[host]


def client(hosts: HostPolicy, **options) -> HttpClient:  # type: ignore[no-untyped-def]
    return HttpClient(UA, "hosttest", **grouped(hosts=hosts, rate_limit_per_host=0, max_retries=0, **options))


# -- the policy on its own -----------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "127.8.8.8", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fe80::1%2", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a00:1::1",
])
def test_addresses_that_are_not_public_are_named(address):
    assert non_public(address), address


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert non_public(address) is None


def test_every_address_a_name_resolves_to_is_checked():
    policy = HostPolicy.of(["news.example"])
    assert policy.address_refusal("news.example", ["8.8.8.8"]) is None
    refusal = policy.address_refusal("news.example", ["8.8.8.8", "10.0.0.1"])
    assert refusal and "'news.example' resolves to 10.0.0.1" in refusal and "private" in refusal
    assert policy.address_refusal("news.example", []) == "'news.example' resolves to no address"
    assert HostPolicy.of(["news.example"], private_ok=True).address_refusal("news.example", ["10.0.0.1"]) is None


@pytest.mark.parametrize("url, key", [
    ("https://WWW.GOV.UK./x", "www.gov.uk"),
    ("https://www.gov.uk:443/x", "www.gov.uk"),
    ("http://www.gov.uk:443/x", "www.gov.uk:443"),
    ("http://127.0.0.1:8123/atleu", "127.0.0.1:8123"),
    ("http://[::1]:8123/", "[::1]:8123"),
    ("ftp://www.gov.uk/x", ""),
    ("file:///etc/passwd", ""),
    ("http://127.0.0.1:notaport/", ""),
])
def test_host_keys(url, key):
    assert host_key(url) == key


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_fetches_its_real_site_only_from_its_own_hosts(name):
    info = source(name).adapter().SOURCE
    policy = HostPolicy.for_source(info, info.canonical_base)
    assert policy.allows(info.canonical_base + "/x")
    # its home page is on its hosts, or is the public site of the API it reads (Parliament's), never fetched
    assert policy.allows(info.home_url) or (host_key(info.home_url).split(".", 1)[1]
                                            == host_key(info.canonical_base).split(".", 1)[1])
    assert not policy.private_ok
    assert not policy.allows("https://evil.example/x") and not policy.allows("http://127.0.0.1/x")
    bare = host_key(info.canonical_base).removeprefix("www.")
    if "://www." in info.canonical_base and not info.canonical_base.endswith("gov.uk"):
        # a site at www. is also read at its bare host, and the other way round (GOV.UK has no bare host)
        assert policy.allows(f"https://{bare}/x") and policy.allows(f"https://www.{bare}/x")
    # pointed at the mirror, the mirror's port is the only host (another loopback port is another host)
    mirrored = HostPolicy.for_source(info, f"http://127.0.0.1:8123/{name}")
    assert mirrored == HostPolicy(frozenset({"127.0.0.1:8123"}), private_ok=True)
    assert not mirrored.allows("http://127.0.0.1:8124/x") and not mirrored.allows(info.canonical_base + "/x")


def test_govuk_allows_the_assets_host_for_attachments():
    from scrapers import govuk
    policy = HostPolicy.for_source(govuk.SOURCE, "https://www.gov.uk")
    assert policy.allows("https://assets.publishing.service.gov.uk/media/x/table.ods")


def test_a_base_url_is_private_only_when_it_is_an_address_or_localhost():
    assert HostPolicy.for_base("http://127.0.0.1:8000/x").private_ok
    assert HostPolicy.for_base("http://[::1]:8000/x").private_ok
    assert HostPolicy.for_base("http://localhost:8000/x").private_ok
    assert not HostPolicy.for_base("https://proxy.example.org/x").private_ok
    assert not HostPolicy.for_base("https://93.184.216.34/x").private_ok
    with pytest.raises(ValueError, match="not an http"):
        HostPolicy.for_base("notaurl")


# -- the client over HTTP -------------------------------------------------------------------------


def test_a_request_to_another_host_is_refused_before_anything_is_sent(mirror, hostile):
    http = client(HostPolicy.for_base(mirror.base_url))
    with pytest.raises(HostNotAllowed) as caught:
        http.get(hostile.base_url + "/feed.xml")
    message = str(caught.value)
    assert message.startswith("[hosttest] not fetched") and message.endswith(f"{hostile.base_url}/feed.xml")
    assert f"({host_key(mirror.base_url)})" in message  # the hosts that are allowed
    assert hostile.log == [] and mirror.log == []  # not even its robots.txt


@pytest.mark.parametrize("target", ["hostile", "http://169.254.169.254/latest/meta-data/",
                                    "http://10.0.0.1/admin", "http://[::1]:{port}/httpfaults/data.json",
                                    "http://localhost:{port}/httpfaults/data.json", "file:///etc/passwd"])
def test_a_redirect_off_the_hosts_is_refused(mirror, hostile, target):
    location = hostile.base_url + "/feed.xml" if target == "hostile" else target.format(port=mirror.port)
    mirror.set_fault(DATA, "redirect_offhost", location=location)
    resolver = Resolver({})
    http = client(HostPolicy.for_base(mirror.base_url), resolve=resolver)
    with pytest.raises(HostNotAllowed, match=re.escape(f"HTTP 302 redirect to {location!r}, outside this source's hosts")):
        http.get(mirror.base_url + DATA)
    assert hostile.log == [] and resolver.asked == []
    assert [e.path for e in mirror.log] == ["/robots.txt", DATA]


def test_a_public_name_resolving_to_loopback_is_refused(mirror):
    resolver = Resolver({"news.example": ["127.0.0.1"]})
    http = client(HostPolicy.for_base(f"http://news.example:{mirror.port}"), resolve=resolver)
    with pytest.raises(HostNotAllowed, match=r"'news\.example' resolves to 127\.0\.0\.1, which is a loopback address"):
        http.get(f"http://news.example:{mirror.port}{DATA}")
    assert resolver.asked == ["news.example"]  # robots.txt's connection, refused: nothing further
    assert mirror.log == []


def test_the_client_connects_to_the_address_it_checked(mirror):
    """A name only our resolver knows (.test never resolves): reaching the mirror proves the pinning."""
    resolver = Resolver({"mirror.test": ["127.0.0.1"]})
    http = client(HostPolicy.of([f"mirror.test:{mirror.port}"], private_ok=True), resolve=resolver)
    page = http.get(f"http://mirror.test:{mirror.port}{DATA}")
    assert page.status == 200 and page.body == (HTTPFAULTS / "data.json").read_bytes()
    assert [e.path for e in mirror.log] == ["/robots.txt", DATA]
    assert resolver.asked == ["mirror.test"]  # one connection, kept alive for the second request


# -- the adapters: links to other hosts are kept, never fetched -----------------------------------


def test_a_feed_advertised_on_another_host_is_not_read(fixtures_mirror, hostile):
    """The attack in the issue: <link rel="alternate" type="application/rss+xml"> to another loopback port."""
    clean = run(iasc, fixtures_mirror, "iasc")
    link = f'<link rel="alternate" type="application/rss+xml" href="{hostile.base_url}/feed.xml">'
    fixtures_mirror.put_response("/iasc/news-insights/", LISTING.replace("</head>", link + "</head>"),
                                 content_type=HTML)
    result = run(iasc, fixtures_mirror, "iasc")
    assert hostile.log == []
    assert result.strategy == "listing-html"
    assert result.publications == clean.publications
    assert any(f"advertises a feed on another host ({hostile.base_url}/feed.xml): not read" in w for w in result.warnings)


def test_an_item_link_to_another_host_is_kept_as_a_link_and_not_fetched(fixtures_mirror, hostile):
    planted = f"{hostile.base_url}/planted"
    fixtures_mirror.put_response("/iasc/news-insights/", LISTING.replace(f'href="{BULLETIN}"', f'href="{planted}"'),
                                 content_type=HTML)
    result = run(iasc, fixtures_mirror, "iasc")
    assert hostile.log == []
    pubs = {p.url: p for p in result.publications}
    assert pubs[planted].title == "IASC Bulletin (May 2024)"  # as the listing says
    assert not pubs[planted].date_estimated  # dated by its title's month (issue 25), its page never opened
    assert BULLETIN not in pubs and len(pubs) == 7  # the other items as usual


def test_an_item_page_redirecting_to_another_host_fails_the_source_with_one_line(fixtures_mirror, hostile):
    """Not followed; the source fails (nothing stored half-read) and the next run tries the page again."""
    fixtures_mirror.set_fault("/iasc/news-insights/iasc-bulletin-may-2024", "redirect_offhost",
                              location=f"{hostile.base_url}/planted")
    with pytest.raises(HostNotAllowed) as caught:
        run(iasc, fixtures_mirror, "iasc")
    assert hostile.log == []
    message = str(caught.value)
    assert message.startswith("[iasc] ") and message.endswith(f"{fixtures_mirror.url_for('iasc')}/news-insights/iasc-bulletin-may-2024")
    assert f"redirect to '{hostile.base_url}/planted', outside this source's hosts" in message and "\n" not in message


def test_a_next_page_on_another_host_is_not_followed(fixtures_mirror, hostile):
    fixtures_mirror.put_response("/iasc/news-insights/", LISTING.replace(
        f'href="{SITE}/news-insights/page/2/"', f'href="{hostile.base_url}/page/2/"'), content_type=HTML)
    result = run(iasc, fixtures_mirror, "iasc", backfill=True)
    assert hostile.log == []
    assert len(result.publications) == 3  # page 1 only
    assert any("is on another host" in w and "older items were not read" in w for w in result.warnings)


def test_a_first_listing_redirecting_to_another_host_fails_the_source_with_one_line(fixtures_mirror, hostile):
    fixtures_mirror.set_fault("/iasc/news-insights/", "redirect_offhost", location=f"{hostile.base_url}/planted")
    with pytest.raises(FetchError) as caught:
        run(iasc, fixtures_mirror, "iasc")
    assert hostile.log == []
    assert "\n" not in str(caught.value) and str(caught.value).startswith("[iasc] ")
    assert f"outside this source's hosts ({host_key(fixtures_mirror.base_url)})" in str(caught.value)


def test_the_forged_feed_is_not_stored_and_the_source_is_stored_as_usual(engine, db_url, tmp_path, hostile):
    """End to end (fetch, then store) on SQLite and PostgreSQL: the same rows as without the attack."""
    with start_mirror() as clean_mirror:
        cycle(settings_for(clean_mirror, db_url, tmp_path), engine, ["iasc"])
    clean = snapshot(engine, ["iasc"])
    with start_mirror() as attacked:
        link = f'<link rel="alternate" type="application/rss+xml" href="{hostile.base_url}/feed.xml">'
        attacked.put_response("/iasc/news-insights/", LISTING.replace("</head>", link + "</head>"),
                              content_type=HTML)
        report = cycle(settings_for(attacked, db_url, Path(tmp_path) / "again"), engine, ["iasc"])["iasc"]
    assert report.status == "ok", report.error
    assert hostile.log == []
    assert snapshot(engine, ["iasc"]) == clean
    assert not any("Planted" in str(row) for row in clean["publications"])
