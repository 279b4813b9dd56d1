"""Hostile documents a source could serve (issue 26's cases, generated at any size), and a way to
measure what parsing one costs: a fresh Python process reports its own peak memory (ru_maxrss,
C allocations included) and CPU time, so a test can assert bounds and compare input sizes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mirror_fixture import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
SC_FEED = (FIXTURES / "sentencing_council" / "feed" / "page-1.xml").read_text(encoding="utf-8")
ATLEU_JSON = FIXTURES / "atleu" / "cases-news.page-1.json"


def attribute_feed(attributes: int) -> bytes:
    """An RSS feed whose one item carries `attributes` attributes (feedparser is quadratic in them)."""
    attrs = " ".join(f'a{i}="x"' for i in range(attributes))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item {attrs}><title>x</title>'
            "<link>https://www.sentencingcouncil.org.uk/news/item/x/</link>"
            "<pubDate>Mon, 07 Aug 2023 10:00:00 GMT</pubDate></item></channel></rss>").encode()


def unclosed_paragraphs(size: int) -> bytes:
    """`size` bytes of unclosed `<p>` (a tree of one element per four bytes)."""
    return b"<html><body>" + b"<p>x" * (size // 4)


def squarespace_items(count: int) -> str:
    """ATLEU's real collection page with `count` small items in place of its own."""
    data = json.loads(ATLEU_JSON.read_text(encoding="utf-8"))
    real = data["items"][0]
    data["items"] = [{"title": f"Item {n}", "fullUrl": f"/cases-news/2024/1/{n % 28 + 1}/item-{n}",
                      "publishOn": real["publishOn"], "id": f"i{n}"} for n in range(count)]
    data.get("pagination", {}).pop("nextPage", None)
    return json.dumps(data)


def feed_with_items(items: list[tuple[str, str]]) -> str:
    """The Sentencing Council's real feed with `items` (title as XML text, link) first."""
    first = SC_FEED.index("<item>")
    added = "".join(f"<item><title>{title}</title><link>{link}</link>"
                    "<pubDate>Thu, 05 Sep 2024 10:00:00 +0000</pubDate><description>d</description></item>"
                    for title, link in items)
    return SC_FEED[:first] + added + SC_FEED[first:]


@dataclass(frozen=True)
class Cost:
    """What one measured run cost: CPU seconds, peak resident memory in MB, and what it printed."""

    cpu: float
    peak_mb: float
    outcome: str


MEASURE = """
import resource, sys, time
sys.path.insert(0, "tests")
started = time.process_time()
try:
{body}
    outcome = "ok"
except Exception as exc:
    outcome = f"{{type(exc).__name__}}: {{exc}}"
print(repr((time.process_time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, outcome)))
"""


def measure(body: str, *, timeout: float = 120) -> Cost:
    """Run `body` (Python statements, indented by four spaces) in a fresh interpreter; its Cost.

    A run past `timeout` seconds fails the test: that is the unbounded case.
    """
    code = MEASURE.format(body="\n".join("    " + line for line in body.strip().splitlines()))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    cpu, peak, outcome = eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own repr() of a tuple
    return Cost(cpu, peak, outcome)
