"""Synthetic archives of the three non-GOV.UK sources, in the shapes of their recorded pages.

Item k of a source is generated from (seed, source, k) alone: k = 0 is the newest item of the base
archive, k = 1, 2, ... go back in time one or two days each, and k = -1, -2, ... are the "new"
items that appear after it. So a corpus and its "+1% new" variant share every item byte for byte,
and only the pages whose contents shift (the newest listing pages) differ. No wall clock is read.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ANCHOR = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the newest base item of every source

SUBJECTS = ("modern slavery", "immigration", "motoring", "drug", "fraud", "burglary", "assault", "theft",
            "firearms", "terrorism", "sexual", "environmental", "health and safety", "public order", "robbery",
            "child cruelty", "breach", "bladed articles", "animal cruelty", "intimidatory", "human trafficking",
            "exploitation", "money laundering", "bribery", "arson", "criminal damage", "manslaughter")
SC_TITLES = (
    ("Consultation on proposed sentencing guidelines for {s} offences", "news", "Consultations"),
    ("Sentencing guidelines for {s} offences published", "news", "Press releases"),
    ("Revised {s} guideline published", "news", "Press releases"),
    ("{S} offences: definitive guideline", "publications", "Definitive guidelines"),
    ("{S} offences: statistical bulletin", "publications", "Statistical bulletins"),
    ("Research on sentencing {s} offences", "publications", "Research"),
    ("Sentencing Council annual report {y}/{y2}", "publications", "Corporate reports"),
)
SC_SUMMARY = ("The Sentencing Council has published {what} on {s} offences, following consultation with judges, "
              "magistrates, practitioners and members of the public across England and Wales.")
IASC_TITLES = (
    ("IASC Bulletin ({month} {y})", "Bulletin"),
    ("Independent Anti-Slavery Commissioner responds to the {s} review", "News"),
    ("Open letter to the Home Secretary on {s}", "Letter"),
    ("Independent Anti-Slavery Commissioner annual report {y}-{y2}", "Report"),
    ("IASC blog: tackling {s} in supply chains", "Insight"),
    ("New report on {s} and modern slavery published", "Report"),
)
IASC_SUMMARY = ("The Independent Anti-Slavery Commissioner has set out her views on {s}, calling for better "
                "identification and support of victims of modern slavery and human trafficking.")
ATLEU_TITLES = (
    ("ATLEU legal challenge on {s} and the Seasonal Worker Visa", "News", "news"),
    ("Court of Appeal ruling on {s}: a victory for survivors", "Cases", "cases"),
    ("New report by ATLEU on {s} and legal aid for survivors of trafficking", "News", "news"),
    ("ATLEU responds to the consultation on {s}", "News", "news"),
    ("Compensation for a survivor of {s} exploitation", "Cases", "cases"),
)
ATLEU_EXCERPT = ("<p class=\"\" style=\"white-space:pre-wrap;\">ATLEU has supported survivors of trafficking and labour "
                 "exploitation in a case concerning {s}, and calls on the government to act.</p>")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


@dataclass(frozen=True)
class Item:
    """One generated item of a site source."""

    k: int
    title: str
    path: str  # on the real site
    when: datetime
    summary: str
    label: str
    dated: bool = True  # False: the listing shows no date (IASC), so its page is opened


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _when(source: str, k: int, *, gap_days: int, rng: random.Random) -> datetime:
    """Item k's publication time: one day per item (distinct days keep title+date keys apart)."""
    return ANCHOR - timedelta(days=k * gap_days) + timedelta(hours=rng.randint(0, 8), minutes=rng.choice((0, 15, 30)))


def _words(rng: random.Random, when: datetime) -> dict[str, str]:
    s = rng.choice(SUBJECTS)
    return {"s": s, "S": s[0].upper() + s[1:], "y": str(when.year), "y2": str(when.year + 1)[2:],
            "month": MONTH_NAMES[when.month - 1]}


def sentencing_council_item(seed: int, k: int) -> Item:
    rng = random.Random(f"{seed}:sentencing_council:{k}")
    when = _when("sentencing_council", k, gap_days=1, rng=rng)
    pattern, section, label = rng.choice(SC_TITLES)
    words = _words(rng, when)
    title = pattern.format(**words)
    what = {"news": "news", "publications": "a publication"}[section]
    return Item(k, title, f"/{section}/item/{slugify(title)}-{k + 100_000}/", when,
                SC_SUMMARY.format(what=what, **words), label)


def iasc_item(seed: int, k: int) -> Item:
    rng = random.Random(f"{seed}:iasc:{k}")
    when = _when("iasc", k, gap_days=2, rng=rng)
    pattern, label = rng.choice(IASC_TITLES)
    if label == "Bulletin" and when.day > 2:  # one bulletin a month, as the real IASC's (two "IASC Bulletin
        pattern, label = IASC_TITLES[1]       # (July 2024)", one undated, fell on one title and date: one item lost)
    words = _words(rng, when)
    title = pattern.format(**words)
    return Item(k, title, f"/news-insights/{slugify(title)}-{k + 100_000}/", when, IASC_SUMMARY.format(**words),
                label, dated=rng.random() >= 0.1)


def atleu_item(seed: int, k: int) -> Item:
    rng = random.Random(f"{seed}:atleu:{k}")
    when = _when("atleu", k, gap_days=2, rng=rng)
    pattern, label, section = rng.choice(ATLEU_TITLES)
    words = _words(rng, when)
    title = pattern.format(**words)
    path = f"/{section}/{when.year}/{when.month}/{when.day}/{slugify(title)}-{k + 100_000}"
    return Item(k, title, path, when, ATLEU_EXCERPT.format(**words), label)


def items(make, seed: int, count: int, new: int) -> list[Item]:
    """Newest first: `new` new items (k = -new .. -1), then the `count` base items (k = 0 ..)."""
    return [make(seed, k) for k in range(-new, count)]


def pages(seq: list, size: int) -> list[list]:
    return [seq[i:i + size] for i in range(0, len(seq), size)]


# --- Sentencing Council: WordPress RSS pages -----------------------------------------------------

SC_BASE = "https://www.sentencingcouncil.org.uk"
SC_HEAD = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>Sentencing Council</title>
	<atom:link href="https://www.sentencingcouncil.org.uk/feed/" rel="self" type="application/rss+xml" />
	<link>https://www.sentencingcouncil.org.uk</link>
	<description></description>
	<lastBuildDate>{built}</lastBuildDate>
	<language>en-GB</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.4.3</generator>
"""
SC_ITEM = """	<item>
		<title>{title}</title>
		<link>{link}</link>
		<dc:creator><![CDATA[Sentencing Council]]></dc:creator>
		<pubDate>{date}</pubDate>
		<category><![CDATA[{label}]]></category>
		<guid isPermaLink="true">{link}</guid>
		<description><![CDATA[{summary}]]></description>
	</item>
"""


def rfc822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def sc_feed_page(page: list[Item], newest: Item) -> str:
    body = SC_HEAD.format(built=rfc822(newest.when))
    for it in page:
        body += SC_ITEM.format(title=html.escape(it.title, quote=False), link=SC_BASE + it.path,
                               date=rfc822(it.when), label=it.label, summary=it.summary)
    return body + "</channel>\n</rss>\n"


# --- IASC: listing pages (and the pages of undated items) ----------------------------------------

IASC_BASE = "https://www.antislaverycommissioner.co.uk"
IASC_HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>News &amp; Insights | Independent Anti-Slavery Commissioner</title>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a> <a class="skip-link" href="#footer">Skip to footer</a>
<main id="main">
  <h1>News &amp; Insights</h1>
"""
IASC_CARD = """  <article class="news-card">
    <p class="news-card__meta">{meta}</p>
    <h3><a href="{link}">{title}</a></h3>
    <p class="news-card__excerpt">{summary}</p>
  </article>
"""
IASC_FOOT = """</main>
<footer id="footer"></footer>
</body>
</html>
"""
IASC_ITEM_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{title} | Independent Anti-Slavery Commissioner</title>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a> <a class="skip-link" href="#footer">Skip to footer</a>
<main id="main">
  <p class="label">{label}</p>
  <h1>{title}</h1>
  <div class="entry-content">
    <p>Dear colleagues,</p>
    <p>{summary}</p>
  </div>
</main>
<footer id="footer"></footer>
</body>
</html>
"""


def iasc_listing_path(number: int) -> str:
    return "/news-insights/" if number == 1 else f"/news-insights/page/{number}/"


def iasc_listing_page(page: list[Item], number: int, last: bool) -> str:
    body = IASC_HEAD
    for it in page:
        meta = f"{it.label} | {it.when.day:02d} {MONTH_NAMES[it.when.month - 1]} {it.when.year}" if it.dated else it.label
        body += IASC_CARD.format(meta=meta, link=IASC_BASE + it.path, title=html.escape(it.title),
                                 summary=html.escape(it.summary))
    if not last:
        body += f'  <nav class="pagination"><a class="next" href="{IASC_BASE}{iasc_listing_path(number + 1)}">Older news</a></nav>\n'
    return body + IASC_FOOT


def iasc_item_page(it: Item) -> str:
    return IASC_ITEM_PAGE.format(title=html.escape(it.title), label=it.label, summary=html.escape(it.summary))


# --- ATLEU: Squarespace collection JSON ----------------------------------------------------------


def millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def atleu_page(page: list[Item], size: int, last: bool) -> str:
    data = {
        "website": {"siteTitle": "ATLEU", "baseUrl": "https://www.atleu.org.uk"},
        "collection": {"title": "Cases & News", "urlId": "cases-news", "fullUrl": "/cases-news", "typeName": "blog"},
        "items": [
            {"id": f"6751a0b0c0ffee{it.k + 10_000_000:010d}", "title": it.title, "urlId": it.path.rsplit("/", 1)[-1],
             "fullUrl": it.path, "publishOn": millis(it.when), "addedOn": millis(it.when) - 600_000,
             "updatedOn": millis(it.when) + 600_000, "categories": [it.label], "tags": [], "excerpt": it.summary}
            for it in page
        ],
        "pagination": {"nextPage": False, "pageSize": size},
    }
    if not last:
        offset = millis(page[-1].when)
        data["pagination"] = {"nextPage": True, "pageSize": size, "nextPageOffset": offset,
                              "nextPageUrl": f"/cases-news?offset={offset}"}
    return json.dumps(data, ensure_ascii=False, indent=1)


def atleu_path(page_index: int, previous: list[Item] | None) -> str:
    if page_index == 0 or previous is None:
        return "/cases-news?format=json"
    return f"/cases-news?format=json&offset={millis(previous[-1].when)}"
