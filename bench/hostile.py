"""Issue 26's hostile documents, measured: each parsed in a fresh process, peak memory (ru_maxrss)
and CPU time, at two sizes to show the growth. `python -m bench.hostile` prints a Markdown
section for BENCHMARKS.md (timings belong here, never in timed tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = "https://example.org/"

CASES = {  # name -> (what, sizes, statements parsing a document of that size)
    "attributes on one feed element": ("attributes", (50_000, 200_000),
        "from scrapers import feedread\nfrom hostile_cases import attribute_feed\n"
        "feedread.parse_feed(attribute_feed({n}), source='t', url='" + URL + "')"),
    "unclosed <p> in a listing page": ("bytes", (4_000_000, 10_000_000),
        "from scrapers import iasc\nfrom scrapers.listing import read_listing\nfrom hostile_cases import unclosed_paragraphs\n"
        "read_listing(unclosed_paragraphs({n}), page_url='" + URL + "', selectors=iasc.SITE.listings.listing, source='t')"),
    "items on one JSON page": ("items", (30_000, 80_000),
        "from scrapers import feedread\nfrom hostile_cases import squarespace_items\n"
        "feedread.parse_squarespace(squarespace_items({n}).encode(), source='t', url='" + URL + "')"),
    "items on one RSS page": ("items", (10_000, 80_000),
        "from scrapers import feedread\nfrom hostile_cases import feed_with_items\n"
        "feedread.parse_feed(feed_with_items([(f'Item {{i}}', f'https://x.org/{{i}}') for i in range({n})]).encode(),"
        " source='t', url='" + URL + "')"),
}


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_cases import measure  # type: ignore[import-not-found]  # tests/ is on sys.path only at run time

    print("## Hostile documents (issue 26)\n")
    print("Written by `.venv/bin/python -m bench.hostile`: each document parsed in a fresh process with the "
          "default limits; peak resident memory and CPU time.\n")
    print("| case | size | outcome | CPU s | peak MB |\n|---|---|---|---|---|")
    for name, (unit, sizes, code) in CASES.items():
        for n in sizes:
            try:
                cost = measure(code.format(n=n), timeout=600)
                print(f"| {name} | {n:,} {unit} | {cost.outcome[:90]} | {cost.cpu:.2f} | {cost.peak_mb:.0f} |")
            except subprocess.TimeoutExpired:
                print(f"| {name} | {n:,} {unit} | did not finish in 600 s | >600 | - |")


if __name__ == "__main__":
    main()
