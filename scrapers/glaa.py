"""The GLAA (Gangmasters and Labour Abuse Authority) and the Fair Work Agency that takes over its work in 2026.

Two ways in, both read on every run, one source:

1. the GLAA's own site (gla.gov.uk), while it lasts: the press release listings (latest, and the
   archive `?page=N`) and the partnership bulletins, each item dated by its date line under the
   title ("24th November 2025"). Never by the number in its URL: "04072018-..." was published on
   5 July 2018, and "21117-..." on 2 November 2017. Bulletins have no date line: undated, flagged.
2. GOV.UK by organisation, with the GOV.UK client msbrief has (scrapers/govuk_api.py): the news
   (press releases, news stories, speeches, statements) of the GLAA and of the Fair Work Agency
   (a search for an organisation GOV.UK does not know yet lists nothing), and the Fair Work
   Agency's guidance and policy papers (the GLAA's are the govuk_guidance source's).

When the GLAA's site goes (its listing answers 404 or 410, or leads to GOV.UK), its stored items
stay: the run says, in a warning each time, that the site is gone and that its news now comes from
GOV.UK, and its strategy becomes "govuk-organisations". Other trouble on the site (a timeout, a
500) fails the source as usual, so nothing is stored half-read. No recording of the site's markup
exists: SITE is reconstructed around the site's real text (tests/fixtures/glaa/PROVENANCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapers import dates
from scrapers.adapter import Fetcher, IsKnown, Topics
from scrapers.errors import FetchError
from scrapers.govuk_api import CANONICAL_BASE as GOVUK
from scrapers.govuk_api import GovukApi, Result, page_url, search_path, when
from scrapers.listing import ItemSelectors, ListingSelectors
from scrapers.records import SourceInfo, SourceResult
from scrapers.siterun import KindRule, SiteRun
from scrapers.walk import ACCEPT_HTML, ListingConfig, walk_listings

GOVUK_STRATEGY = "govuk-organisations"
NOW_FROM = ("Its news now comes from GOV.UK: from the Fair Work Agency, which took over the GLAA's work in "
            "April 2026, and from the GLAA's own page there. Items read from gla.gov.uk before stay.")
SOURCE = SourceInfo(
    name="glaa",
    title="GLAA and Fair Work Agency",
    home_url="https://www.gla.gov.uk/whats-new/latest-press-releases/",
    canonical_base="https://www.gla.gov.uk",
    # its site, and GOV.UK for its news there (the same base URL serves both when pointed elsewhere)
    hosts=("www.gla.gov.uk", "gla.gov.uk", "www.gov.uk"),
    kind_hint="news",
    strategy_notes=((GOVUK_STRATEGY, f"The GLAA's own site (gla.gov.uk) is gone. {NOW_FROM}"),),
)
SITE_STRATEGY = "listing-html+govuk-organisations"
GONE = (404, 410)
SITE_GONE = "the GLAA's own site (gla.gov.uk) is gone: {reason}. " + NOW_FROM


@dataclass(frozen=True)
class GovukSearch:
    """One GOV.UK search: these organisations' documents of these types, newest first."""

    organisations: tuple[str, ...]
    document_types: tuple[str, ...]

    def path(self, start: int) -> str:
        return search_path(query=None, organisations=self.organisations, document_types=self.document_types,
                           fields=None, order="-public_timestamp", count=PAGE_SIZE, start=start)


@dataclass(frozen=True)
class Site:
    """Everything this adapter knows about the GLAA's site and its GOV.UK organisations."""

    listings: ListingConfig
    searches: tuple[GovukSearch, ...]
    kinds: tuple[KindRule, ...]


PAGE_SIZE = 20
GLAA_ORG, FWA_ORG = "gangmasters-and-labour-abuse-authority", "fair-work-agency"
NEWS_TYPES = ("press_release", "news_story", "speech", "oral_statement", "written_statement", "authored_article")
POLICY_TYPES = ("guidance", "statutory_guidance", "policy_paper", "corporate_report", "independent_report")
_ITEM = ItemSelectors(title="main h1", body="main .page-content", date="main .news-date")
_LISTING = ListingSelectors(item=".news-listing .news-item", link=".news-item__title a[href]", date=".news-item__date",
                            summary=".news-item__teaser", next_page=".pagination a[rel='next'][href]")

SITE = Site(
    listings=ListingConfig(urls=("/whats-new/latest-press-releases/", "/whats-new/press-release-archive/",
                                 "/whats-new/glaa-partnership-bulletins/"),
                           listing=_LISTING, item=_ITEM, item_pages="when-undated"),
    searches=(GovukSearch((GLAA_ORG, FWA_ORG), NEWS_TYPES), GovukSearch((FWA_ORG,), POLICY_TYPES)),
    kinds=(
        KindRule("title", "partnership bulletin", "bulletin"),
        KindRule("url", "/glaa-partnership-bulletins/", "bulletin"),
        KindRule("title", "annual report", "report"),
        KindRule("label", "guidance", "guideline"),
        KindRule("label", "policy paper", "report"),
        KindRule("label", "corporate report", "corporate"),
        KindRule("label", "speech", "news"),
    ),
)


def collect(client: Fetcher, *, base_url: str, is_known: IsKnown, topics: Topics,
            backfill: bool = False) -> SourceResult:
    """Read the GLAA's and the Fair Work Agency's new items (all of them with `backfill`)."""
    run = SiteRun(client, info=SOURCE, base_url=base_url, is_known=is_known, topics=topics, backfill=backfill,
                  kind_rules=SITE.kinds, undated_ok=True)  # the partnership bulletins carry no date
    gone = _site_gone(run)
    if gone is None:
        walk_listings(run, SITE.listings, discover=False)
    else:
        run.warn(SITE_GONE.format(reason=gone))
    _read_govuk(run, GovukApi(client, _govuk_base(base_url), source=SOURCE.name))
    return run.result(SITE_STRATEGY if gone is None else GOVUK_STRATEGY)  # SOURCE.strategy_notes tells readers


def _govuk_base(base_url: str) -> str:
    """Where GOV.UK is read from: GOV.UK itself when the source reads the real site, else the same base URL."""
    return GOVUK if urlsplit(base_url).hostname in SOURCE.hosts else base_url


def _site_gone(run: SiteRun) -> str | None:
    """Why the GLAA's site is gone (its first listing answers 404 or 410, or leads to GOV.UK); None while
    it is there. The page read here is the one the listing walk then uses (SiteRun keeps it)."""
    first = run.site_url(SITE.listings.urls[0])
    try:
        page = run.fetch(first, absent_ok=False, accept=ACCEPT_HTML)
    except FetchError as exc:
        if exc.status in GONE:
            return f"{first} answers HTTP {exc.status}"
        raise
    final = urlsplit(page.final_url) if page is not None and page.final_url else None
    if final is not None and (final.hostname or "").removeprefix("www.") == "gov.uk":
        return f"{first} now leads to {page.final_url if page else ''}"
    return None


def _read_govuk(run: SiteRun, api: GovukApi) -> None:
    """The GOV.UK searches, newest first, until a page of known items (all of them with backfill)."""
    for search in SITE.searches:
        found, _ = api.search(search.path, stop=lambda results: _all_known(run, results))
        for result in found:
            link = result.get("link")
            if not isinstance(link, str) or not link.startswith("/"):
                continue
            stamp = result.get("public_timestamp")
            run.add(url=page_url(link), title=str(result.get("title") or ""), published=when(stamp),
                    summary=str(result.get("description") or ""),
                    labels=(str(result.get("display_type") or result.get("content_store_document_type") or ""),),
                    found_at=api.url(search.path(0)),
                    refused_date=dates.refused(stamp) if isinstance(stamp, str) and when(stamp) is None else "")


def _all_known(run: SiteRun, results: list[Result]) -> bool:
    """Whether an incremental search stops at this page: every document on it is stored already."""
    urls = [page_url(r["link"]) for r in results if isinstance(r.get("link"), str) and r["link"].startswith("/")]
    return not run.backfill and bool(urls) and all(run.known(u) for u in urls)
