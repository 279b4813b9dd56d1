"""Synthetic GOV.UK NRM releases: the real 2023-Q2 documents with consistent numbers for any quarter.

The release page and bulletin are the recorded Content API documents of "Quarter 2 2023 – April
to June" (tests/fixtures/govuk_nrm/content/, byte-for-byte copies of GOV.UK's), with every
quarter-specific string replaced. The key-results sentences are the real ones with their numbers
substituted from one seeded series, so a release's "preceding quarter (N)" is the previous
release's total and "April to June <last year> (N)" the total four releases back: the store's
cross-release checks see a consistent series. Quarters run on from 2019-Q2 (the first NRM release
GOV.UK holds), so a large archive reaches far into the future: the periods are synthetic.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "govuk_nrm" / "content"
REAL_PAGE = REAL / "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023.json"
REAL_BULLETIN = REAL / (
    "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023--"
    "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-quarter-2-2023-april-to-june.json"
)
LONDON = ZoneInfo("Europe/London")
FIRST = (2019, 2)  # the first NRM release on GOV.UK
MONTHS = {1: ("January", "March", "1 January", "31 March"), 2: ("April", "June", "1 April", "30 June"),
          3: ("July", "September", "1 July", "30 September"), 4: ("October", "December", "1 October", "31 December")}
PUBLISHED = {1: (0, 5, 9), 2: (0, 8, 10), 3: (0, 11, 8), 4: (1, 3, 7)}  # (years after, month, day) at 9:30
NATIONALITIES = ("Albanian, UK and Vietnamese", "UK, Albanian and Eritrean", "UK, Albanian and Vietnamese",
                 "UK, Eritrean and Sudanese", "Albanian, UK and Eritrean")

# The real sentences (2023-Q2 bulletin) and their templates: each must occur in the real body.
KEY_RESULTS = {
    "1 April to 30 June 2023 (quarter 2)": "{first_day} to {last_day} {year} (quarter {q})",
    "3,998 potential victims of modern slavery were referred to the Home Office in from April to June 2023, "
    "representing a 16% decrease compared to the preceding quarter (4,739) and a 4% decrease from April to June "
    "2022 (4,161)":
        "{total:,} potential victims of modern slavery were referred to the Home Office in from {months} {year}, "
        "representing a {pct_prev}% {dir_prev} compared to the preceding quarter ({prev:,}) and a {pct_year}% "
        "{dir_year} from {months} {last_year} ({year_ago:,})",
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


@dataclass(frozen=True)
class Quarter:
    """One synthetic release: its period and the numbers its bulletin states."""

    index: int
    year: int
    q: int
    numbers: dict[str, object]

    @property
    def period(self) -> str:
        return f"{self.year}-Q{self.q}"

    @property
    def months(self) -> str:
        return f"{MONTHS[self.q][0]} to {MONTHS[self.q][1]}"

    @property
    def title(self) -> str:
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
        months = self.months.lower().replace(" ", "-")
        return f"{self.page_path}/{self.slug}-quarter-{self.q}-{self.year}-{months}"

    @property
    def published(self) -> str:
        """The release time (09:30 Europe/London) as GOV.UK writes it."""
        years, month, day = PUBLISHED[self.q]
        local = datetime(self.year + years, month, day, 9, 30, tzinfo=LONDON)
        return local.isoformat(timespec="milliseconds")


def _pct(now: int, then: int) -> int:
    return round((now - then) / then * 100)


def _direction(now: int, then: int) -> str:
    return "increase" if now > then else "decrease"


def quarters(count: int, *, seed: int) -> list[Quarter]:
    """`count` consecutive quarters from 2019-Q2 with a consistent referral series (prefix-stable)."""
    rng = random.Random(f"{seed}:govuk_nrm:series")
    totals, dtns = [2_300, 2_400, 2_500, 2_600], [700, 720, 740, 760]  # the four quarters before the first
    out = []
    for i in range(count):
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
        numbers = {
            "total": total, "prev": totals[-1], "year_ago": totals[-4],
            "pct_prev": abs(_pct(total, totals[-1])), "dir_prev": _direction(total, totals[-1]),
            "pct_year": abs(_pct(total, totals[-4])), "dir_year": _direction(total, totals[-4]),
            "sca": sca, "ieca": ieca, "sca_pct": sca_pct, "ieca_pct": 100 - sca_pct,
            "nationalities": NATIONALITIES[i % len(NATIONALITIES)],
            "rg": round(total * rng.uniform(0.8, 1.0)), "cg": round(total * rng.uniform(0.4, 0.6)),
            "rg_pos": rng.randint(40, 65), "cg_pos": rng.randint(60, 90),
            "dtn": dtn, "dtn_prev": dtns[-1], "pct_dtn": abs(_pct(dtn, dtns[-1])), "dir_dtn": _direction(dtn, dtns[-1]),
        }
        totals.append(total)
        dtns.append(dtn)
        q0 = FIRST[1] - 1 + i
        out.append(Quarter(index=i, year=FIRST[0] + q0 // 4, q=q0 % 4 + 1, numbers=numbers))
    return out


def _real(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def bulletin_doc(quarter: Quarter, template: dict | None = None) -> dict:
    """The Content API document of a quarter's HTML bulletin (html_publication)."""
    doc = copy.deepcopy(template or _real(REAL_BULLETIN))
    body = doc["details"]["body"]
    first_day, last_day = MONTHS[quarter.q][2], MONTHS[quarter.q][3]
    values = {**quarter.numbers, "first_day": first_day, "last_day": last_day, "year": quarter.year,
              "last_year": quarter.year - 1, "q": quarter.q, "months": quarter.months}
    for real, synthetic in KEY_RESULTS.items():
        if body.count(real) != 1:
            raise ValueError(f"the real bulletin no longer contains {real!r} exactly once: update KEY_RESULTS")
        body = body.replace(real, synthetic.format(**values))
    doc.update(content_id=str(uuid.uuid5(uuid.NAMESPACE_URL, quarter.bulletin_path)), base_path=quarter.bulletin_path,
               title=quarter.title, public_updated_at=quarter.published, updated_at=quarter.published)
    doc["details"].update(body=body, public_timestamp=quarter.published)
    parent = doc["links"]["parent"][0]
    parent.update(base_path=quarter.page_path, api_path="/api/content" + quarter.page_path,
                  web_url="https://www.gov.uk" + quarter.page_path)
    return doc


def page_doc(quarter: Quarter, template: dict | None = None) -> dict:
    """The Content API document of a quarter's release page (publication), attachments included."""
    doc = copy.deepcopy(template or _real(REAL_PAGE))
    words = f"quarter {quarter.q} {quarter.year}"
    doc.update(base_path=quarter.page_path, content_id=str(uuid.uuid5(uuid.NAMESPACE_URL, quarter.page_path)),
               first_published_at=quarter.published, public_updated_at=quarter.published, title=quarter.title,
               description=("Statistics on referrals to the National Referral Mechanism, for potential victims of "
                            f"modern slavery in {words}."))
    details = doc["details"]
    details["change_history"] = [{"public_timestamp": quarter.published, "note": "First published."}]
    details["first_public_at"] = quarter.published
    html, ods = details["attachments"]
    html.update(title=quarter.title, url="https://www.gov.uk" + quarter.bulletin_path)
    filename = f"national-referral-mechanism-statistics-uk-quarter-{quarter.q}-{quarter.year}-tables.ods"
    file_id = 2_000_000 + quarter.index
    ods.update(title=f"{quarter.title}: data tables", filename=filename, file_size=480_000 + 97 * quarter.index,
               url=f"https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/"
                   f"file/{file_id}/{filename}")
    return doc


def templates() -> tuple[dict, dict]:
    """(release page, bulletin) real documents, read once."""
    return _real(REAL_PAGE), _real(REAL_BULLETIN)
