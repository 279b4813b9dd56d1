"""Synthetic GOV.UK NRM releases: the real documents with consistent numbers for any real period.

The quarterly release page and bulletin are the recorded Content API documents of "Quarter 2 2023
– April to June", the end-of-year summaries those of "end of year summary, 2021"
(tests/fixtures/govuk_nrm/content/, byte-for-byte copies of GOV.UK's), with every period-specific
string replaced. The key-results sentences are the real ones with their numbers substituted from
one seeded series, so a release's "preceding quarter (N)" is the previous quarter's total, "April
to June <last year> (N)" the total four quarters back, and a year's total the sum of its quarters:
the store's cross-release checks see a consistent series.

The archive is the real one's shape: every quarter from 2019-Q2 (the first NRM release GOV.UK
holds: older ones were never published there, and the adapter reads none, scrapers/govuk.py
FIRST_YEAR) and an end-of-year summary after each year's fourth quarter, about 4-5 releases a
year, up to the newest release published by the day the corpus is generated (`archive`). No period
lies outside the years vocabulary/plausible.py allows (2009 to next year), so every release is
stored and its figures extracted. The announcements are the releases after it (`upcoming`).
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scrapers import govuk

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "govuk_nrm" / "content"
REAL_PAGE = REAL / "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023.json"
REAL_BULLETIN = REAL / (
    "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023--"
    "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-quarter-2-2023-april-to-june.json"
)
REAL_YEAR_PAGE = REAL / "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-end-of-year-summary-2021.json"
REAL_YEAR_BULLETIN = REAL / (
    "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-end-of-year-summary-2021--"
    "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-end-of-year-summary-2021.json"
)
LONDON = ZoneInfo("Europe/London")
FIRST = (govuk.FIRST_YEAR, 2)  # the first NRM release GOV.UK holds: quarter 2 2019
YEAR = 0  # Release.q of an end-of-year summary
MONTHS = {1: ("January", "March", "1 January", "31 March"), 2: ("April", "June", "1 April", "30 June"),
          3: ("July", "September", "1 July", "30 September"), 4: ("October", "December", "1 October", "31 December")}
# (years after, month, day) at 9:30; the end-of-year summary comes out with the fourth quarter's release.
PUBLISHED = {1: (0, 5, 9), 2: (0, 8, 10), 3: (0, 11, 8), 4: (1, 3, 7), YEAR: (1, 3, 7)}
NATIONALITIES = ("Albanian, UK and Vietnamese", "UK, Albanian and Eritrean", "UK, Albanian and Vietnamese",
                 "UK, Eritrean and Sudanese", "Albanian, UK and Eritrean")

# The real sentences (2023-Q2 bulletin) and their templates: each must occur in the real body.
KEY_RESULTS = {
    "1 April to 30 June 2023 (quarter 2)": "{first_day} to {last_day} {year} (quarter {q})",
    "3,998 potential victims of modern slavery were referred to the Home Office in from April to June 2023, "
    "representing a 16% decrease compared to the preceding quarter (4,739) and a 4% decrease from April to June "
    "2022 (4,161)":
        "{total:,} potential victims of modern slavery were referred to the Home Office in from {months} {year}"
        "{comparison}",
    "the number of referrals received is the lowest since January to March 2022, following a record high the "
    "previous quarter": "the number of referrals received is broadly in line with recent quarters",
    "81% (3,242) were sent to the Single Competent Authority (SCA) for consideration and 19% (756) to the "
    "Immigration Enforcement Competent Authority (IECA)":
        "{sca_pct}% ({sca:,}) were sent to the Single Competent Authority (SCA) for consideration and {ieca_pct}% "
        "({ieca:,}) to the Immigration Enforcement Competent Authority (IECA)",
    "Albanian, UK and Vietnamese": "{nationalities}",
    "3,635 reasonable grounds and 2,086 conclusive grounds decisions were issued this quarter; of these, 48% of "
    "reasonable grounds and 76% of conclusive grounds decisions were positive":
        "{rg:,} reasonable grounds and {cg:,} conclusive grounds decisions were issued this quarter; of these, "
        "{rg_pos}% of reasonable grounds and {cg_pos}% of conclusive grounds decisions were positive",
    "1,148 reports of adult potential victims via the DtN process, a 19% decrease from the previous quarter (1,420)":
        "{dtn:,} reports of adult potential victims via the DtN process, a {pct_dtn}% {dir_dtn} from the previous "
        "quarter ({dtn_prev:,})",
}


# The end-of-year summary (2021): its key results are written anew, every share consistent with its count.
YEAR_RESULTS = {
    "process in 2021.": "process in {year}.",
    "Date published: 3 March 2022": "Date published: {published_day}",
}
YEAR_KEY_RESULTS = """<ul>
  <li>{total:,} potential victims of modern slavery were referred to the Home Office in {year}{comparison}</li>
  <li>{male_pct}% ({male:,}) were male and {female_pct}% ({female:,}) were female</li>
  <li>{uk_pct}% ({uk:,}) of potential victims claimed exploitation in the UK only and {overseas_pct}% ({overseas:,}) \
claimed exploitation overseas only</li>
  <li>{adult_pct}% ({adult:,}) of referrals were for potential victims who claimed exploitation as adults and \
{child_pct}% ({child:,}) claimed exploitation as children</li>
  <li>for adult potential victims, labour exploitation was most reported ({labour_pct}%; {labour:,}), whereas child \
potential victims were most often referred for criminal exploitation ({criminal_pct}%; {criminal:,})</li>
  <li>the most common nationalities referred this year were {nationalities}</li>
  <li>{rg:,} reasonable grounds and {cg:,} conclusive grounds decisions were made this year. Of these, {rg_pos}% of \
reasonable grounds and {cg_pos}% of conclusive grounds decisions were positive</li>
  <li>the Home Office received {dtn:,} reports of adult potential victims</li>
</ul>"""


@dataclass(frozen=True)
class Release:
    """One synthetic release, a quarter's or a year's (q == YEAR): its period and the numbers its bulletin states."""

    index: int
    year: int
    q: int
    numbers: dict[str, object]

    @property
    def annual(self) -> bool:
        return self.q == YEAR

    @property
    def period(self) -> str:
        return f"{self.year}-year" if self.annual else f"{self.year}-Q{self.q}"

    @property
    def months(self) -> str:
        return "end of year summary" if self.annual else f"{MONTHS[self.q][0]} to {MONTHS[self.q][1]}"

    @property
    def title(self) -> str:
        if self.annual:
            return f"Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, end of year summary, {self.year}"
        return (f"Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter {self.q} "
                f"{self.year} – {self.months}")

    @property
    def slug(self) -> str:
        return "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk"

    @property
    def page_path(self) -> str:
        return f"/government/statistics/{self.slug}-{self.months.lower().replace(' ', '-')}-{self.year}"

    @property
    def bulletin_path(self) -> str:
        if self.annual:
            return f"{self.page_path}/{self.slug}-end-of-year-summary-{self.year}"
        months = self.months.lower().replace(" ", "-")
        return f"{self.page_path}/{self.slug}-quarter-{self.q}-{self.year}-{months}"

    @property
    def published_at(self) -> datetime:
        years, month, day = PUBLISHED[self.q]
        return datetime(self.year + years, month, day, 9, 30, tzinfo=LONDON)

    @property
    def published(self) -> str:
        """The release time (09:30 Europe/London) as GOV.UK writes it."""
        return self.published_at.isoformat(timespec="milliseconds")


Quarter = Release  # the name bench/corpus.py used when every release was a quarter's


def _pct(now: int, then: int) -> int:
    return round((now - then) / then * 100)


def _direction(now: int, then: int) -> str:
    return "increase" if now > then else "decrease"


def _periods() -> Iterator[tuple[int, int]]:
    """(year, q) of every release in publication order: 2019-Q2, 2019-Q3, 2019-Q4, 2019's summary, 2020-Q1, ..."""
    year, q = FIRST
    while True:
        yield year, q
        if q == 4:
            yield year, YEAR
            year, q = year + 1, 1
        else:
            q += 1


def releases(*, seed: int) -> Iterator[Release]:
    """Every release from 2019-Q2 on, in publication order, with a consistent referral series (prefix-stable)."""
    rng = random.Random(f"{seed}:govuk_nrm:series")
    totals, dtns = [2_300, 2_400, 2_500, 2_600], [700, 720, 740, 760]  # the four quarters before the first
    by_year: dict[int, list[dict[str, int]]] = {}
    for i, (year, q) in enumerate(_periods()):
        if q == YEAR:
            yield Release(index=i, year=year, q=q, numbers=_year_numbers(year, by_year, rng))
            continue
        total = totals[-1]
        while True:  # a change that rounds to 0% reads oddly ("a 0% increase"): nudge it
            total = max(1_500, min(9_500, round(total * (1 + rng.gauss(0.02, 0.08)))))
            if _pct(total, totals[-1]) and _pct(total, totals[-4]):
                break
        dtn = dtns[-1]
        while True:
            dtn = max(300, min(2_500, round(dtn * (1 + rng.gauss(0.01, 0.1)))))
            if _pct(dtn, dtns[-1]):
                break
        sca = round(total * rng.uniform(0.72, 0.9))
        ieca = total - sca
        sca_pct = round(sca / total * 100)
        nationalities = NATIONALITIES[i % len(NATIONALITIES)]
        rg, cg = round(total * rng.uniform(0.8, 1.0)), round(total * rng.uniform(0.4, 0.6))
        comparison = (f", representing a {abs(_pct(total, totals[-1]))}% {_direction(total, totals[-1])} compared "
                      f"to the preceding quarter ({totals[-1]:,}) and a {abs(_pct(total, totals[-4]))}% "
                      f"{_direction(total, totals[-4])} from {MONTHS[q][0]} to {MONTHS[q][1]} {year - 1} "
                      f"({totals[-4]:,})")
        numbers: dict[str, object] = {
            "total": total, "comparison": comparison,
            "sca": sca, "ieca": ieca, "sca_pct": sca_pct, "ieca_pct": 100 - sca_pct,
            "nationalities": nationalities,
            "rg": rg, "cg": cg, "rg_pos": rng.randint(40, 65), "cg_pos": rng.randint(60, 90),
            "dtn": dtn, "dtn_prev": dtns[-1], "pct_dtn": abs(_pct(dtn, dtns[-1])), "dir_dtn": _direction(dtn, dtns[-1]),
        }
        by_year.setdefault(year, []).append({"total": total, "dtn": dtn, "rg": rg, "cg": cg})
        totals.append(total)
        dtns.append(dtn)
        yield Release(index=i, year=year, q=q, numbers=numbers)


def _year_numbers(year: int, by_year: dict[int, list[dict[str, int]]], rng: random.Random) -> dict[str, object]:
    """An end-of-year summary's numbers: the sums of its quarters, and shares consistent with them."""
    quarters = by_year[year]
    total = sum(x["total"] for x in quarters)
    prev = sum(x["total"] for x in by_year.get(year - 1, []))
    if prev and not _pct(total, prev):
        prev += max(1, prev // 100)  # keep "a 0% increase" out, as for the quarters
    comparison = (f", representing a {abs(_pct(total, prev))}% {_direction(total, prev)} compared to the preceding "
                  f"year ({prev:,})") if prev else ""

    def part(share: float, of: int) -> tuple[int, int]:
        count = round(of * share)
        return count, round(100 * count / of)

    male, male_pct = part(rng.uniform(0.7, 0.8), total)
    female, female_pct = part((total - male) / total * rng.uniform(0.97, 1.0), total)
    uk, uk_pct = part(rng.uniform(0.5, 0.6), total)
    overseas, overseas_pct = part(rng.uniform(0.25, 0.35), total)
    adult, adult_pct = part(rng.uniform(0.48, 0.55), total)
    child, child_pct = part(rng.uniform(0.38, 0.44), total)
    labour, labour_pct = part(rng.uniform(0.3, 0.4), adult)
    criminal, criminal_pct = part(rng.uniform(0.4, 0.5), child)
    return {"total": total, "comparison": comparison, "male": male, "male_pct": male_pct, "female": female,
            "female_pct": female_pct, "uk": uk, "uk_pct": uk_pct, "overseas": overseas, "overseas_pct": overseas_pct,
            "adult": adult, "adult_pct": adult_pct, "child": child, "child_pct": child_pct, "labour": labour,
            "labour_pct": labour_pct, "criminal": criminal, "criminal_pct": criminal_pct,
            "nationalities": NATIONALITIES[year % len(NATIONALITIES)],
            "rg": sum(x["rg"] for x in quarters), "cg": sum(x["cg"] for x in quarters),
            "rg_pos": rng.randint(40, 65), "cg_pos": rng.randint(60, 90), "dtn": sum(x["dtn"] for x in quarters)}


def archive(*, seed: int, until: date) -> list[Release]:
    """Every release published on or before `until` (the real archive as it stands that day), oldest first."""
    out: list[Release] = []
    for release in releases(seed=seed):
        if release.published_at.date() > until:
            return out
        out.append(release)
    raise AssertionError("unreachable: releases() never ends")


def upcoming(count: int, *, seed: int, until: date) -> list[Release]:
    """The `count` releases after `archive(until=...)`: the ones announced."""
    done = len(archive(seed=seed, until=until))
    return list(itertools.islice(releases(seed=seed), done, done + count))


def quarters(count: int, *, seed: int) -> list[Release]:
    """The first `count` releases from 2019-Q2 (quarters and end-of-year summaries)."""
    return list(itertools.islice(releases(seed=seed), count))


def _real(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _substitute(body: str, replacements: dict[str, str], values: dict[str, object]) -> str:
    for real, synthetic in replacements.items():
        if body.count(real) != 1:
            raise ValueError(f"the real bulletin no longer contains {real!r} exactly once: update nrm_synth")
        body = body.replace(real, synthetic.format(**values))
    return body


def bulletin_doc(release: Release, template: dict | None = None) -> dict:
    """The Content API document of a release's HTML bulletin (html_publication)."""
    if release.annual:
        doc = copy.deepcopy(template or _real(REAL_YEAR_BULLETIN))
        body = doc["details"]["body"]
        at = release.published_at
        values = {**release.numbers, "year": release.year, "published_day": f"{at.day} {at:%B} {at.year}"}
        body = _substitute(body, YEAR_RESULTS, values)
        ul = body[body.index("<ul>"):body.index("</ul>") + len("</ul>")]
        body = _substitute(body, {ul: YEAR_KEY_RESULTS}, values)
    else:
        doc = copy.deepcopy(template or _real(REAL_BULLETIN))
        first_day, last_day = MONTHS[release.q][2], MONTHS[release.q][3]
        values = {**release.numbers, "first_day": first_day, "last_day": last_day, "year": release.year,
                  "q": release.q, "months": release.months}
        body = _substitute(doc["details"]["body"], KEY_RESULTS, values)
    doc.update(content_id=str(uuid.uuid5(uuid.NAMESPACE_URL, release.bulletin_path)), base_path=release.bulletin_path,
               title=release.title, public_updated_at=release.published, updated_at=release.published)
    doc["details"].update(body=body, public_timestamp=release.published)
    parent = doc["links"]["parent"][0]
    parent.update(base_path=release.page_path, api_path="/api/content" + release.page_path,
                  web_url="https://www.gov.uk" + release.page_path)
    return doc


def page_doc(release: Release, template: dict | None = None) -> dict:
    """The Content API document of a release's page (publication), attachments included."""
    doc = copy.deepcopy(template or _real(REAL_YEAR_PAGE if release.annual else REAL_PAGE))
    words = str(release.year) if release.annual else f"quarter {release.q} {release.year}"
    doc.update(base_path=release.page_path, content_id=str(uuid.uuid5(uuid.NAMESPACE_URL, release.page_path)),
               first_published_at=release.published, public_updated_at=release.published, title=release.title,
               description=("Statistics on referrals to the National Referral Mechanism, for potential victims of "
                            f"modern slavery in {words}."))
    details = doc["details"]
    details["change_history"] = [{"public_timestamp": release.published, "note": "First published."}]
    details["first_public_at"] = release.published
    html = details["attachments"][0]
    html.update(title=release.title, url="https://www.gov.uk" + release.bulletin_path)
    if not release.annual:  # the end-of-year summary has its bulletin alone, as 2021's has
        ods = details["attachments"][1]
        filename = f"national-referral-mechanism-statistics-uk-quarter-{release.q}-{release.year}-tables.ods"
        file_id = 2_000_000 + release.index
        ods.update(title=f"{release.title}: data tables", filename=filename, file_size=480_000 + 97 * release.index,
                   url=f"https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/"
                       f"file/{file_id}/{filename}")
    return doc


def templates() -> dict[bool, tuple[dict, dict]]:
    """(release page, bulletin) real documents, read once, by `Release.annual`."""
    return {False: (_real(REAL_PAGE), _real(REAL_BULLETIN)), True: (_real(REAL_YEAR_PAGE), _real(REAL_YEAR_BULLETIN))}
