"""scrapers/http.py over real HTTP: every behaviour is checked against the mirror on loopback.

The mirror's request log is the witness: what reached the server, when, and what it sent back.
Sleeping is injected (a list that records the waits) except where real timing is the point.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import pytest
from drip_server import DripServer
from http_options import grouped
from mirror_fixture import HTTPFAULTS

from mirror import MirrorServer, http_date
from scrapers import robots
from scrapers.errors import DeadlineExceeded, FetchError, RobotsDisallowed
from scrapers.hosts import HostPolicy
from scrapers.http import HttpClient, content_type_accepted, parse_retry_after

UA = "msbrief-test/0.1 (+mailto:tests@example.org)"
DATA = "/httpfaults/data.json"
PAGE = "/httpfaults/page.html"


def make_client(mirror: MirrorServer, sleeps: list[float] | None = None, **options) -> HttpClient:
    """A client with test-sized timeouts; waits go into `sleeps` instead of sleeping."""
    settings = dict(source="httpfaults", hosts=HostPolicy.for_base(mirror.base_url), rate_limit_per_host=0,
                    connect_timeout=1.0, read_timeout=1.0, request_deadline=5.0, max_retries=2, backoff_base=0.05,
                    sleep=(sleeps.append if sleeps is not None else time.sleep))
    settings.update(options)
    user_agent = settings.pop("user_agent", UA)
    return HttpClient(user_agent, **grouped(**settings))


def url(mirror: MirrorServer, path: str) -> str:
    return mirror.base_url + path


def requests_for(mirror: MirrorServer, path: str) -> list:
    return mirror.log_for(path)


# -- identity and robots.txt -----------------------------------------------------------------


def test_user_agent_is_sent_with_every_request(mirror):
    client = make_client(mirror)
    client.get(url(mirror, DATA), accept="application/json")
    client.get(url(mirror, PAGE), accept="text/html")
    agents = {entry.user_agent for entry in mirror.log}
    assert agents == {UA}
    assert [e.path for e in mirror.log][0] == "/robots.txt"


LOOPBACK = HostPolicy.for_base("http://127.0.0.1:9")


def test_a_client_without_a_user_agent_is_refused():
    with pytest.raises(ValueError, match="User-Agent"):
        HttpClient("  ", hosts=LOOPBACK)


def test_options_beyond_the_source_are_keyword_only_with_one_spelling_each():
    with pytest.raises(TypeError):
        HttpClient(UA, "src", LOOPBACK)  # type: ignore[misc]
    for old in ("min_interval", "max_concurrency", "deadline", "allowed_hosts"):
        with pytest.raises(TypeError, match=old):
            HttpClient(UA, hosts=LOOPBACK, **{old: 1})
    with pytest.raises(TypeError, match="hosts"):
        HttpClient(UA)  # type: ignore[call-arg]


@pytest.mark.parametrize("option, value, message", [
    ("rate_limit_per_host", -1, "rate_limit_per_host must be 0"),
    ("concurrency_per_host", 0, "concurrency_per_host must be an integer of at least 1"),
    ("request_deadline", 0, "request_deadline must be a positive"),
    ("source_deadline", -5, "source_deadline must be a positive"),
])
def test_bad_options_are_refused_naming_the_option_and_value(option, value, message):
    with pytest.raises(ValueError, match=message) as caught:
        HttpClient(UA, hosts=LOOPBACK, **grouped(**{option: value}))
    assert repr(value) in str(caught.value)


def test_robots_disallowed_url_is_not_fetched_and_is_reported(mirror):
    client = make_client(mirror)
    secret = url(mirror, "/httpfaults/private/secret.html")
    with pytest.raises(RobotsDisallowed) as caught:
        client.get(secret)
    assert caught.value.url == secret and caught.value.source == "httpfaults"
    assert "Disallow: /httpfaults/private/" in str(caught.value)
    assert requests_for(mirror, "/httpfaults/private/secret.html") == []
    assert client.log[-1].url == secret and "robots.txt" in client.log[-1].error
    # the longer Allow rule wins for its own path
    assert client.get(url(mirror, "/httpfaults/private/open.html")).status == 200


def test_robots_txt_is_fetched_once_per_client_even_from_threads(mirror):
    client = make_client(mirror, concurrency_per_host=4)
    threads = [threading.Thread(target=client.get, args=(url(mirror, DATA),)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(requests_for(mirror, "/robots.txt")) == 1
    assert len(requests_for(mirror, DATA)) == 8
    assert client.stats.requests == len(mirror.log) == 9
    assert len(client.log) == 9  # one record for robots.txt, one per get


def test_robots_group_naming_our_product_token_is_the_one_obeyed(mirror):
    client = make_client(mirror, user_agent="BadBot/2.0 (+mailto:x@example.org)")
    with pytest.raises(RobotsDisallowed, match="'Disallow: /httpfaults/'"):
        client.get(url(mirror, DATA))
    assert requests_for(mirror, DATA) == []


def test_robots_404_allows_everything(mirror):
    mirror.put_response("/robots.txt", "no robots here", status=404, content_type="text/plain")
    client = make_client(mirror)
    assert client.get(url(mirror, "/httpfaults/private/secret.html")).status == 200


def test_robots_unreachable_disallows_the_host_for_this_client(mirror):
    mirror.set_fault("/robots.txt", "500")
    client = make_client(mirror, max_retries=1)
    with pytest.raises(RobotsDisallowed, match="unreachable") as caught:
        client.get(url(mirror, DATA))
    assert "HTTP 500" in caught.value.reason
    assert requests_for(mirror, DATA) == []
    assert len(requests_for(mirror, "/robots.txt")) == 2  # retried like any 5xx, then given up
    with pytest.raises(RobotsDisallowed):  # cached: not asked again by this client
        client.get(url(mirror, PAGE))
    assert len(requests_for(mirror, "/robots.txt")) == 2


def test_robots_crawl_delay_slows_the_host_down(mirror):
    mirror.put_response("/robots.txt", "User-agent: *\nCrawl-delay: 0.25\n", content_type="text/plain")
    sleeps: list[float] = []
    client = make_client(mirror, sleeps)
    client.get(url(mirror, DATA))
    client.get(url(mirror, DATA))
    assert len(sleeps) == 1 and 0.2 < sleeps[0] <= 0.25


def test_obey_robots_false_fetches_without_asking(mirror):
    client = make_client(mirror, obey_robots=False)
    assert client.get(url(mirror, "/httpfaults/private/secret.html")).status == 200
    assert requests_for(mirror, "/robots.txt") == []


@pytest.mark.parametrize("rules, path, allowed", [
    ("Disallow: /a\nAllow: /a/b", "/a/b/c", True),           # the longest match wins
    ("Allow: /a\nDisallow: /a/b", "/a/b/c", False),
    ("Allow: /a/\nDisallow: /a/", "/a/x", True),             # allow wins a tie
    ("Disallow: /*.pdf$", "/files/x.pdf", False),            # wildcards and end anchor
    ("Disallow: /*.pdf$", "/files/x.pdf?download=1", True),
    ("Disallow: /search?", "/search?q=x", False),            # the query is part of the match
    ("Disallow:", "/anything", True),                        # an empty rule matches nothing
    ("Disallow: /", "/robots.txt", True),                    # robots.txt itself is always allowed
    ("Disallow: /caf%C3%A9", "/café", False),                # percent-encoding compared alike
])
def test_robots_rules_follow_rfc_9309(rules, path, allowed):
    policy = robots.parse(f"User-agent: *\n{rules}\n", UA)
    assert policy.check("http://example.org" + path).allowed is allowed


def test_robots_groups_for_the_same_agent_are_merged_and_star_is_the_fallback():
    text = ("User-agent: msbrief-test\nDisallow: /one\n\nUser-agent: other\nUser-agent: MSBRIEF-TEST\n"
            "Disallow: /two\n\nUser-agent: *\nDisallow: /\n")
    policy = robots.parse(text, UA)
    assert not policy.check("http://h/one").allowed and not policy.check("http://h/two").allowed
    assert policy.check("http://h/three").allowed
    assert not robots.parse(text, "somebot/1").check("http://h/three").allowed


# -- pacing ------------------------------------------------------------------------------------


def test_rate_limit_spaces_requests_to_a_host(mirror):
    client = make_client(mirror, rate_limit_per_host=1 / 0.15)
    for _ in range(4):
        client.get(url(mirror, DATA))
    arrivals = sorted(entry.time for entry in mirror.log)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # Arrivals are seen at the server: scheduling jitter can narrow one gap a little, but the
    # limiter keeps starts 0.15 s apart, so on average they are (without it: ~1 ms apart).
    assert len(gaps) == 4 and min(gaps) >= 0.1 and sum(gaps[1:]) / 3 >= 0.13, gaps


def test_concurrency_limit_per_host_is_shared_by_threads(mirror):
    mirror.set_fault(DATA, "slow", delay=0.25)
    client = make_client(mirror, concurrency_per_host=2)
    client.get(url(mirror, PAGE))  # robots.txt out of the way
    threads = [threading.Thread(target=client.get, args=(url(mirror, DATA),)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans = [(e.time, e.time + e.duration) for e in requests_for(mirror, DATA)]
    assert len(spans) == 6
    busiest = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
    assert busiest == 2, spans


# -- timeouts and sizes -------------------------------------------------------------------------


def test_slow_response_times_out_and_fails_after_the_retries(mirror):
    mirror.set_fault(DATA, "slow", delay=2)
    client = make_client(mirror, [], read_timeout=0.2, max_retries=2)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out.*gave up after 3 attempts") as caught:
        client.get(url(mirror, DATA))
    assert time.monotonic() - started < 3.0  # 3 attempts of a 2 s response would take 6 s
    assert caught.value.url == url(mirror, DATA) and "[httpfaults]" in str(caught.value)
    assert len(requests_for(mirror, DATA)) == 3


def drip_client(server: DripServer, **options) -> HttpClient:
    """A client of the drip server: the read timeout never fires (a byte arrives every 0.1 s)."""
    settings = dict(hosts=HostPolicy.for_base(server.base_url), rate_limit_per_host=0, obey_robots=False,
                    read_timeout=30.0, max_retries=0, sleep=lambda s: None)
    settings.update(options)
    return HttpClient(UA, "drip", **grouped(**settings))


# A drip of 1 byte per 0.1 s would take 120 s (the server's limit); every attempt below is cut at a
# deadline of 1-2 s. The bounds are generous (a busy machine), yet far below what the drip would cost.
GENEROUS = 30.0


@pytest.mark.parametrize("part", ["body", "headers"])
def test_a_dripping_response_is_cut_at_the_request_deadline_and_retried(part):
    with DripServer(part=part, interval=0.1) as server:
        client = drip_client(server, request_deadline=1.5, max_retries=1)
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"1.5 s request deadline passed.*gave up after 2 attempts") as caught:
            client.get(server.base_url + "/slow")
        elapsed = time.monotonic() - started
        assert not isinstance(caught.value, DeadlineExceeded)
        assert len(server.connections) == 2
        for conn in server.connections:  # the client hung up on each: the server saw it go
            assert conn.ended.wait(GENEROUS) and 0 < conn.sent < 1000
            assert conn.ended_at - conn.started < GENEROUS
    assert elapsed < 2 * GENEROUS


def test_the_source_deadline_cuts_a_drip_and_ends_the_fetch_without_retrying():
    with DripServer(interval=0.1) as server:
        client = drip_client(server, request_deadline=100, source_deadline=2, max_retries=3)
        with pytest.raises(DeadlineExceeded, match=r"\[drip\] source deadline of 2 s exceeded \(while the body.*/slow$"):
            client.get(server.base_url + "/slow")
        [conn] = server.connections  # not retried: the source's time is up
        assert conn.ended.wait(GENEROUS) and conn.ended_at - conn.started < GENEROUS
        with pytest.raises(DeadlineExceeded, match="source deadline of 2 s exceeded"):  # every later request
            client.get(server.base_url + "/another")
        assert len(server.connections) == 1  # failed at once, nothing sent
        assert client.log[-1].error and "source deadline" in client.log[-1].error


def test_a_wait_that_would_pass_the_source_deadline_fails_at_once(mirror):
    mirror.set_fault(DATA, "429", retry_after=60)
    sleeps: list[float] = []
    client = make_client(mirror, sleeps, obey_robots=False, source_deadline=20, max_retry_wait=120)
    with pytest.raises(DeadlineExceeded, match=r"source deadline of 20 s exceeded \(a wait of 60\.0 s would pass it\)"):
        client.get(url(mirror, DATA))
    assert sleeps == [] and len(requests_for(mirror, DATA)) == 1


def test_the_source_deadline_is_not_taken_for_an_unreachable_robots_txt(mirror):
    mirror.set_fault("/robots.txt", "slow", delay=30, drip=True)
    client = make_client(mirror, [], request_deadline=60, source_deadline=1.5)
    with pytest.raises(DeadlineExceeded):
        client.get(url(mirror, DATA))
    assert requests_for(mirror, DATA) == []
    assert not any(r.error and "unreachable" in r.error for r in client.log)


def test_oversize_by_content_length_is_refused_before_downloading(mirror):
    mirror.set_fault(DATA, "oversize", size=50_000)
    client = make_client(mirror, [], max_bytes=10_000, obey_robots=False)
    with pytest.raises(FetchError, match=r"Content-Length 50000 exceeds max_bytes 10000"):
        client.get(url(mirror, DATA))
    assert len(requests_for(mirror, DATA)) == 1  # a size problem is not retried
    assert client.stats.bytes == 0


def test_oversize_while_streaming_is_cut_off(mirror):
    mirror.set_fault(DATA, "oversize", size=2_000_000, chunked=True)
    client = make_client(mirror, [], max_bytes=10_000)
    with pytest.raises(FetchError, match="more than max_bytes 10000"):
        client.get(url(mirror, DATA))
    assert 10_000 < client.stats.bytes < 300_000  # stopped early, not 2 MB later


def test_decompressed_size_is_capped_too(mirror):
    mirror.put_response("/httpfaults/zeros.txt", "0" * 2_000_000, content_type="text/plain")
    client = make_client(mirror, [], max_bytes=100_000)
    with pytest.raises(FetchError, match="more than max_bytes"):
        client.get(url(mirror, "/httpfaults/zeros.txt"))
    assert client.stats.bytes < 20_000  # a few KB of gzip on the wire


# -- content types, redirects, compression ------------------------------------------------------


def test_wrong_content_type_names_what_arrived_and_what_was_expected(mirror):
    mirror.set_fault(DATA, "wrong_type")
    client = make_client(mirror, [], obey_robots=False)
    with pytest.raises(FetchError) as caught:
        client.get(url(mirror, DATA), accept="application/json")
    assert "'text/html'" in str(caught.value) and "'application/json'" in str(caught.value)
    assert len(requests_for(mirror, DATA)) == 1
    assert client.stats.bytes == 0


@pytest.mark.parametrize("content_type, accept, ok", [
    ("application/json", "application/json", True),
    ("text/html", "application/json", False),
    ("application/xhtml+xml", "text/html, application/xhtml+xml;q=0.9", True),
    ("text/csv", "text/*", True),
    ("image/png", "text/*", False),
    ("", "application/json", False),
    ("anything/else", "*/*", True),
])
def test_content_type_matching(content_type, accept, ok):
    assert content_type_accepted(content_type, accept) is ok


def test_redirect_within_the_host_is_followed(mirror):
    client = make_client(mirror)
    page = client.get(url(mirror, "/httpfaults/moved"), accept="text/html")
    assert page.url == url(mirror, "/httpfaults/moved")
    assert page.final_url == url(mirror, PAGE)
    assert page.body == (HTTPFAULTS / "page.html").read_bytes()
    assert [e.status for e in mirror.log if e.path.startswith("/httpfaults")] == [301, 200]


def test_redirect_to_another_host_is_refused(mirror):
    mirror.set_fault(DATA, "redirect_offhost")
    client = make_client(mirror, [])
    with pytest.raises(FetchError, match=r"redirect to 'http://offhost.invalid/httpfaults/data.json'") as caught:
        client.get(url(mirror, DATA))
    assert caught.value.status == 302
    assert len(requests_for(mirror, DATA)) == 1


def test_redirect_to_a_listed_host_is_followed(mirror):
    elsewhere = f"http://localhost:{mirror.port}{PAGE}"
    mirror.set_fault(DATA, "redirect_offhost", location=elsewhere)
    client = make_client(mirror, hosts=HostPolicy.of([f"127.0.0.1:{mirror.port}", f"localhost:{mirror.port}"],
                                                     private_ok=True))
    page = client.get(url(mirror, DATA))
    assert page.final_url == elsewhere and page.status == 200
    assert len(requests_for(mirror, "/robots.txt")) == 2  # robots.txt of each host


def test_gzip_is_accepted_and_bytes_count_what_crossed_the_wire(mirror):
    client = make_client(mirror, obey_robots=False)
    page = client.get(url(mirror, PAGE), accept="text/html")
    original = (HTTPFAULTS / "page.html").read_bytes()
    [entry] = requests_for(mirror, PAGE)
    assert page.body == original
    assert entry.encoding == "gzip" and entry.bytes < len(original) / 4
    assert client.stats.bytes == entry.bytes


# -- conditional GET --------------------------------------------------------------------------


def remembering_validators() -> tuple[dict, Callable]:
    """A stand-in for the store's fetch state: the validators of the last Page per URL."""
    state: dict[str, tuple[str | None, str | None]] = {}
    return state, lambda u: state.get(u, (None, None))


def test_second_request_is_a_304_with_no_body(mirror):
    state, validators = remembering_validators()
    client = make_client(mirror, validators=validators, obey_robots=False)
    first = client.get(url(mirror, DATA), accept="application/json")
    state[first.url] = (first.etag, first.last_modified)
    downloaded = client.stats.bytes
    second = client.get(url(mirror, DATA), accept="application/json")
    assert second.not_modified and second.status == 304 and second.body == b""
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    assert client.stats.bytes == downloaded and client.stats.not_modified == 1
    one, two = requests_for(mirror, DATA)
    assert (one.status, one.conditional) == (200, False)
    assert (two.status, two.bytes, two.conditional) == (304, 0, True)
    assert client.log[-1].not_modified and client.log[-1].bytes == 0


def test_last_modified_alone_gives_a_304(mirror):
    client = make_client(mirror, obey_robots=False,
                         validators=lambda u: (None, "Thu, 10 Aug 2023 08:30:00 GMT"))
    assert client.get(url(mirror, PAGE)).not_modified


def test_an_amended_item_comes_back_in_full(mirror):
    state, validators = remembering_validators()
    client = make_client(mirror, validators=validators, obey_robots=False)
    first = client.get(url(mirror, DATA))
    state[first.url] = (first.etag, first.last_modified)
    mirror.put_response(DATA, '{"results": [], "total": 0}', content_type="application/json")
    second = client.get(url(mirror, DATA))
    assert second.status == 200 and second.body == b'{"results": [], "total": 0}'
    assert second.etag != first.etag


def test_conditional_false_sends_no_validators(mirror):
    client = make_client(mirror, obey_robots=False, validators=lambda u: ('"x"', "Thu, 10 Aug 2023 08:30:00 GMT"))
    assert client.get(url(mirror, DATA), conditional=False).status == 200
    assert requests_for(mirror, DATA)[0].conditional is False


# -- retries ----------------------------------------------------------------------------------


def test_429_retry_after_is_honoured_in_real_time(mirror):
    mirror.set_fault(DATA, "429", times=1, retry_after=1)
    client = make_client(mirror, obey_robots=False)  # real sleep
    started = time.monotonic()
    page = client.get(url(mirror, DATA))
    assert page.status == 200 and time.monotonic() - started >= 1.0
    first, second = requests_for(mirror, DATA)
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 0.95


def test_retry_after_as_an_http_date(mirror):
    mirror.set_fault(DATA, "429", times=1, retry_after=http_date(time.time() + 3))
    sleeps: list[float] = []
    client = make_client(mirror, sleeps, obey_robots=False)
    assert client.get(url(mirror, DATA)).status == 200
    assert len(sleeps) == 1 and 1.0 < sleeps[0] <= 3.0


def test_retry_after_beyond_the_max_wait_is_not_waited_for(mirror):
    mirror.set_fault(DATA, "429", retry_after=3600)
    sleeps: list[float] = []
    client = make_client(mirror, sleeps, obey_robots=False, max_retry_wait=30)
    with pytest.raises(FetchError, match=r"HTTP 429.*3600s, more than max_retry_wait 30s") as caught:
        client.get(url(mirror, DATA))
    assert caught.value.status == 429 and sleeps == []
    assert len(requests_for(mirror, DATA)) == 1


def test_503_then_success(mirror):
    mirror.set_fault(DATA, "503", times=2)  # no Retry-After: exponential backoff
    sleeps: list[float] = []
    client = make_client(mirror, sleeps, max_retries=3)
    assert client.get(url(mirror, DATA)).status == 200
    assert [e.status for e in requests_for(mirror, DATA)] == [503, 503, 200]
    assert len(sleeps) == 2
    assert client.stats.requests == len(mirror.log) == 4  # robots.txt + three attempts


def test_500_is_retried_with_backoff_then_fails(mirror):
    mirror.set_fault(DATA, "500")
    sleeps: list[float] = []
    client = make_client(mirror, sleeps, max_retries=3, backoff_base=0.1, backoff_max=0.3, obey_robots=False)
    with pytest.raises(FetchError, match=r"HTTP 500 Internal Server Error \(gave up after 4 attempts\)") as caught:
        client.get(url(mirror, DATA))
    assert caught.value.status == 500
    assert len(requests_for(mirror, DATA)) == 4 == client.stats.requests
    assert len(sleeps) == 3
    assert all(0 <= wait <= cap for wait, cap in zip(sleeps, (0.1, 0.2, 0.3), strict=True))  # full jitter under the cap
    assert client.log[-1].status == 500 and "gave up" in client.log[-1].error


def test_404_is_not_retried(mirror):
    sleeps: list[float] = []
    client = make_client(mirror, sleeps, obey_robots=False)
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        client.get(url(mirror, "/httpfaults/nothing-here"))
    assert caught.value.status == 404 and sleeps == []
    assert len(mirror.log) == 1


def test_recorded_410_is_not_retried(mirror):
    client = make_client(mirror, [], obey_robots=False)
    with pytest.raises(FetchError, match="HTTP 410"):
        client.get(url(mirror, "/httpfaults/gone"))
    assert len(mirror.log) == 1


@pytest.mark.parametrize("fault", ["reset", "truncate"])
def test_connection_reset_and_truncated_body_are_retried(mirror, fault):
    mirror.set_fault(DATA, fault, times=1)
    client = make_client(mirror, [], obey_robots=False)
    page = client.get(url(mirror, DATA))
    assert page.body == (HTTPFAULTS / "data.json").read_bytes()
    assert [e.fault for e in requests_for(mirror, DATA)] == [fault, None]


def test_truncated_body_every_time_fails_after_the_retries(mirror):
    mirror.set_fault(DATA, "truncate")
    client = make_client(mirror, [], obey_robots=False, max_retries=2)
    with pytest.raises(FetchError, match=r"body cut short.*gave up after 3 attempts"):
        client.get(url(mirror, DATA))
    assert len(requests_for(mirror, DATA)) == 3


def test_connection_refused_is_retried_then_reported():
    with MirrorServer(HTTPFAULTS) as gone:
        dead = gone.base_url
    sleeps: list[float] = []
    client = HttpClient(UA, "dead", **grouped(hosts=HostPolicy.for_base(dead), max_retries=2, sleep=sleeps.append,
                                              rate_limit_per_host=0, connect_timeout=0.5))
    with pytest.raises(FetchError, match=r"connection failed.*gave up after 3 attempts"):
        client.get(dead + "/httpfaults/data.json")
    assert len(sleeps) == 2


@pytest.mark.parametrize("value, expected", [("120", 120.0), ("0", 0.0), ("soon", None), (None, None)])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_date():
    now = 1_700_000_000.0
    assert parse_retry_after(http_date(now + 30), now=now) == 30.0
    assert parse_retry_after(http_date(now - 30), now=now) == 0.0
