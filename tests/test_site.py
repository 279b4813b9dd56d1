"""The public site: repeatable builds, atomic writes, the chart, and the index page in a real browser."""

from __future__ import annotations

import io
import re
import stat

import pytest
from browser import chromium, measure
from feed_checks import active_html
from feed_samples import SITE, item, referrals, site_data, site_items
from PIL import Image

from feeds.build import build_site
from feeds.charts import BAR, QUARTERS_SHOWN, referrals_chart
from feeds.publish import write_site


def build(items=None, **kw) -> dict[str, bytes]:
    return build_site(site_data(items), site_url=SITE, max_entries=kw.get("max_entries", 50))


def test_two_builds_from_the_same_data_are_byte_identical():
    first, second = build(), build(list(reversed(site_items())))
    assert first.keys() == second.keys() and first == second
    assert build(max_entries=1) != first  # the cap is applied


def test_a_changed_item_changes_only_the_files_that_show_it():
    items = site_items()
    items[1] = item(2, source="iasc", days=-3, topics=("modern slavery",), title="Item 2, retitled")
    before, after = build(), build(items)
    changed = {path for path in before if before[path] != after[path]}
    assert changed == {"index.html"} | {f"feeds/{slug}.{fmt}" for slug in ("all", "source-iasc", "topic-modern-slavery")
                                        for fmt in ("rss.xml", "atom.xml", "feed.json")}


def test_write_site_writes_atomically_and_only_what_changed(tmp_path):
    files = build()
    assert write_site(tmp_path, files) == sorted(files)
    assert all((tmp_path / p).read_bytes() == data for p, data in files.items())
    assert stat.S_IMODE((tmp_path / "index.html").stat().st_mode) == 0o644
    foreign = tmp_path / "feeds" / "kept.xml"
    foreign.write_bytes(b"not ours")
    mtimes = {p: (tmp_path / p).stat().st_mtime_ns for p in files}
    assert write_site(tmp_path, files) == []  # an unchanged rebuild touches nothing
    assert {p: (tmp_path / p).stat().st_mtime_ns for p in files} == mtimes
    changed = dict(files, **{"index.html": files["index.html"] + b"\n"})
    assert write_site(tmp_path, changed) == ["index.html"]
    assert foreign.read_bytes() == b"not ours"  # nothing it did not write is removed
    assert not [p for p in tmp_path.rglob("*.tmp")]  # no temp files left behind


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside.html", "feeds/../../x", ""])
def test_write_site_refuses_paths_outside_the_output_directory(tmp_path, bad):
    with pytest.raises(ValueError, match="relative path"):
        write_site(tmp_path / "public", {"index.html": b"ok", bad: b"x"})
    assert not (tmp_path / "public" / "index.html").exists()  # checked before anything is written


def test_the_chart_is_repeatable_and_marks_the_latest_quarter():
    points = referrals()
    page = build()["index.html"].decode()
    quarters = sorted(p.period for p in points if "-Q" in p.period)[-QUARTERS_SHOWN:]
    assert re.findall(r'id="bar-([0-9Q-]+)"', page) == quarters  # year totals left out
    assert 'id="latest-label">Latest: July to September 2023, 4,138<' in page
    ticks = re.search(r'<ol class="ticks"[^>]*>(.*?)</ol>', page, re.S)[1]
    assert re.findall(r"<li>(Q[1-4])", ticks) == [f"Q{q[-1]}" for q in quarters]  # every bar names its quarter
    assert referrals_chart(points) == referrals_chart(points)
    png = Image.open(io.BytesIO(referrals_chart(points)))
    assert png.format == "PNG" and "Software" in png.info and png.info["Software"] == "msbrief"


def test_the_index_page_lists_feeds_items_and_figures():
    page = build()["index.html"].decode()
    for slug in ("all", "statistics", "topic-modern-slavery", "source-iasc", "source-atleu", "source-govuk_nrm"):
        assert '<link rel="alternate" type="application/rss+xml"' in page
        assert f'href="{SITE}feeds/{slug}.rss.xml"' in page and f'href="{SITE}feeds/{slug}.atom.xml"' in page
        assert f'href="feeds/{slug}.rss.xml"' in page and f'href="feeds/{slug}.atom.xml"' in page
    assert "3,998" in page and "a 16% decrease on the previous quarter (4,739)" in page
    assert 'href="https://iasc.example.org/item-2"' in page
    assert "Between April and June 2023, 3,998 potential victims" in page
    assert "the source gives no date" in page and "first seen" not in page
    assert re.search(r"<div class=\"chart\" role=\"img\" aria-label=\"Bar chart of potential victims", page)
    assert "updated 11 August 2023: title changed from" in page  # what changed, next to the item


def test_hostile_content_on_the_index_page_is_inert():
    page = build()["index.html"].decode()
    assert active_html(page, page=True) == []
    assert "<script" not in page and "onerror" not in page and "javascript:" not in page
    assert ">Evil click</a>" in page


def test_the_index_page_renders_in_chromium_with_the_chart_visible(tmp_path):
    public = tmp_path / "public"
    write_site(public, build())
    url = (public / "index.html").as_uri()
    dom = chromium("--dump-dom", url, tmp_path=tmp_path).stdout.decode()
    quarters = sorted(p.period for p in referrals() if "-Q" in p.period)[-QUARTERS_SHOWN:]
    assert all(f'id="bar-{q}"' in dom for q in quarters)
    assert 'id="latest-label"' in dom and "Latest NRM statistics" in dom
    shot = tmp_path / "index.png"
    chromium(f"--screenshot={shot}", url, tmp_path=tmp_path)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 1600)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # not a blank page
    bar = tuple(int(BAR[i:i + 2], 16) for i in (1, 3, 5))
    bar_pixels = sum(n for n, rgb in colours if max(abs(a - b) for a, b in zip(rgb, bar, strict=True)) <= 3)
    assert bar_pixels > 20_000  # the chart's bars are on screen, in their colour


@pytest.mark.parametrize("width", [390, 1200])
def test_on_a_phone_and_a_desktop_the_chart_text_is_readable_and_nothing_overflows(width, tmp_path):
    public = tmp_path / "public"
    write_site(public, build())
    got = measure(public / "index.html", width=width, tmp_path=tmp_path)
    assert got["viewport"] == width
    assert got["overflowing"] == [] and got["scrollWidth"] <= width, got
    texts = got["chartText"]
    bars = min(QUARTERS_SHOWN, len([p for p in referrals() if "-Q" in p.period]))
    assert len(texts) >= bars + 3  # a label under every bar, the axis values, the latest value
    small = [t for t in texts if t["px"] < 12 or t["height"] < 12]
    assert small == [], small
    assert all(t["fits"] for t in texts), texts  # no label wider than its place
    assert got["chartWidth"] >= width * 0.75 if width < 600 else got["chartWidth"] >= 600
