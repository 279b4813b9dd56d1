"""Read models for the rendering tests: items of every shape, and the 2023-Q2 release from its fixture."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from conftest import FIXTURES

from feeds.build import SiteData
from scrapers import records
from store.read import Change, FeedItem, FigureView, ReleaseView, SeriesPoint

T0 = datetime(2023, 8, 10, 8, 30, tzinfo=UTC)
SITE = "https://msbrief.example.org/"
TITLES = {"govuk_nrm": "GOV.UK: Home Office NRM statistics", "iasc": "Independent Anti-Slavery Commissioner",
          "atleu": "ATLEU", "sentencing_council": "Sentencing Council"}
EVIL = ('<script>alert("t")</script>Evil <img src=x onerror=alert(1)> '
        '<a href="javascript:alert(2)" onclick="alert(3)">click</a><iframe src="https://x.example"></iframe>')


def item(n: int, *, source: str = "iasc", days: int = 0, **changes) -> FeedItem:
    """Item `n` of `source`, published `days` after T0."""
    base = FeedItem(
        id=n, key=f"https://{source}.example.org/item-{n}", source=source, source_title=TITLES[source],
        url=f"https://{source}.example.org/item-{n}", title=f"Item {n} from {source}", kind="news",
        summary=f"<p>Summary of item {n}.</p>", topics=(), published=T0 + timedelta(days=days), updated=None,
        date_estimated=False, first_seen=T0 + timedelta(days=days), amended_at=None,
    )
    return replace(base, **changes)


def expected_figures(name: str) -> tuple[str, list[records.Figure], str]:
    """(period, figures, bulletin URL) of a fixture bulletin, each figure filed under the release's period."""
    data = json.loads((FIXTURES / "nrm" / "bulletins" / f"{name}.expected.json").read_text(encoding="utf-8"))
    figures = [records.Figure(f["metric"], f["value"], f["unit"], f["quote"], data["period"]) for f in data["figures"]]
    return data["period"], figures, data["url"]


def release_view(name: str = "2023-Q2", *, drop: tuple[str, ...] = (), warnings: tuple[str, ...] = ()) -> ReleaseView:
    """The fixture bulletin `name` as the store hands it to feeds, minus the metrics in `drop`."""
    period, figures, url = expected_figures(name)
    return ReleaseView(
        period=period, title=f"NRM statistics {period}", page_url=url, bulletin_url=url, published=T0, updated=None,
        figures=tuple(FigureView(f.metric, f.value, f.unit, f.evidence, f.period, url) for f in figures if f.metric not in drop),
        warnings=warnings,
    )


def referrals() -> list[SeriesPoint]:
    """total_referrals of every fixture bulletin (quarters and a year total), as a series."""
    points = []
    for path in sorted((FIXTURES / "nrm" / "bulletins").glob("*.expected.json")):
        if "-v" in path.stem:  # a later capture of the same release
            continue
        period, figures, _ = expected_figures(path.name.removesuffix(".expected.json"))
        points += [SeriesPoint(period, f.value, period) for f in figures if f.metric == "total_referrals"]
    return points


def site_data(items: list[FeedItem] | None = None) -> SiteData:
    """SiteData the way the flows layer slices the store."""
    items = site_items() if items is None else items
    by_source: dict[str, list[FeedItem]] = {}
    for i in items:
        by_source.setdefault(i.source, []).append(i)
    return SiteData(
        items=items, by_source=by_source, statistics=[i for i in items if i.kind == "statistics"],
        topic=[i for i in items if "modern slavery" in i.topics], latest_release=release_view(),
        referrals=referrals(), source_titles=dict(TITLES),
    )


def site_items() -> list[FeedItem]:
    """A small store's worth: three sources, a statistics release, topics, an undated item, an amendment."""
    release = release_view()
    return [
        item(1, source="govuk_nrm", kind="statistics", title="NRM statistics April to June 2023", summary="",
             topics=("modern slavery", "statistics"), release=release),
        item(2, source="iasc", days=-3, topics=("modern slavery",)),
        item(3, source="iasc", days=-10, date_estimated=True, first_seen=T0 - timedelta(days=2)),
        item(4, source="atleu", days=-20, topics=("human trafficking",), amended_at=T0 + timedelta(days=1),
             updated=T0 + timedelta(days=1),
             changes=(Change(T0 + timedelta(days=1), "", "title changed from \u201cOld title\u201d", T0 + timedelta(days=1)),)),
        item(5, source="atleu", days=-30, title=EVIL, summary=EVIL, topics=("modern slavery",)),
    ]
