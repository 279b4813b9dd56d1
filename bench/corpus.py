"""Generate a large mirror corpus: the recorded sources multiplied into an archive of N items.

    .venv/bin/python -m bench.corpus --items 1000 10000 [--seed 20261] [--out bench/out]

writes `bench/out/corpus-<N>/` and `bench/out/corpus-<N>-new/` (the same archive plus 1% new items
per source, at least one each), each holding one mirror folder per source (`govuk_nrm`,
`sentencing_council`, `iasc`, `atleu`: a `mirror.json` and the bodies, as docs/CONTRACTS.md
describes) and a `corpus.json` summary with the expected item counts. The output depends only on
N, the seed and the newest NRM release published by today (no other clock, no randomness from
outside): run it twice, get the same bytes.

The N items are split as the real sources' archives are: GOV.UK NRM releases only for the real
periods (every quarter from 2019-Q2, the first GOV.UK holds, and an end-of-year summary a year, up
to the newest one published by the day the corpus is generated: bench/nrm_synth.py `archive`; each a release page and
its HTML bulletin, plus search pages, non-NRM search results and four announcements), 3% of N at
most (so 30 at 1,000 items, every release there is at 10,000: 36 and the new one in December 2026); the rest in the proportions 40 : 25 :
32 to Sentencing Council (WordPress RSS, 10 items a page), IASC (listing pages of 10; one item in
ten undated on the listing, so its page is opened) and ATLEU (Squarespace JSON, 20 items a page,
offset pagination). The "1% new" release is the newest one; the base archive ends before it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench import nrm_synth, site_synth
from scrapers.govuk import PAGE_SIZE, announcement_search_path, content_path, release_search_path

GENERATOR_VERSION = 3  # 3: NRM releases only for real periods (2019-Q2 on, as GOV.UK), end-of-year summaries;
# one IASC bulletin a month
DEFAULT_SEED = 20261
OUT = Path(__file__).resolve().parent / "out"
SOURCES = ("govuk_nrm", "sentencing_council", "iasc", "atleu")
SC_PAGE, IASC_PAGE, ATLEU_PAGE = 10, 10, 20


def split(items: int, *, releases: int) -> dict[str, int]:
    """How many items each source gets out of `items`, when the NRM archive holds `releases` releases.

    GOV.UK NRM gets 3% of the items, but never more than the real archive holds (less the newest
    release, the "1% new" one): a release is only ever for a real period. The other sources share
    the rest in the proportions they had when GOV.UK got 3% (40 : 25 : 32).
    """
    govuk = max(4, min(round(items * 0.03), releases - 1))
    rest = items - govuk
    sc, iasc = round(rest * 40 / 97), round(rest * 25 / 97)
    return {"govuk_nrm": govuk, "sentencing_council": sc, "iasc": iasc, "atleu": rest - sc - iasc}


def new_items(counts: dict[str, int]) -> dict[str, int]:
    """The "1% new" items per source (at least one each)."""
    return {name: max(1, round(n * 0.01)) for name, n in counts.items()}


@dataclass
class Folder:
    """One mirror folder being written: bodies on disk, responses for mirror.json."""

    path: Path
    responses: list[dict[str, object]] = field(default_factory=list)

    def add(self, request_path: str, file: str, body: str | bytes, **extra: object) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        target = self.path / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.responses.append({"path": request_path, "file": file, **extra})

    def close(self, provenance: str) -> None:
        (self.path / "mirror.json").write_text(json.dumps({"responses": self.responses}, indent=1) + "\n",
                                               encoding="utf-8")
        (self.path / "PROVENANCE.md").write_text(provenance, encoding="utf-8")


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# --- GOV.UK --------------------------------------------------------------------------------------


def _result(doc: dict, *, kind: str = "official_statistics") -> dict:
    return {"content_id": doc["content_id"], "link": doc["base_path"], "title": doc["title"],
            "description": doc["description"], "public_timestamp": doc["public_updated_at"],
            "content_store_document_type": kind, "index": "govuk", "es_score": None, "_id": doc["base_path"],
            "elasticsearch_type": "edition", "document_type": "edition"}


def _search_page(results: list[dict], start: int) -> dict:
    return {"results": results[start:start + PAGE_SIZE], "total": len(results), "start": start, "aggregates": {},
            "suggested_queries": [], "suggested_autocomplete": [], "es_cluster": "A", "reranked": False}


def _other_result(i: int, quarter: nrm_synth.Quarter) -> dict:
    """A Home Office statistics release that is not NRM (the adapter must skip it)."""
    link = f"/government/statistics/immigration-system-statistics-quarter-{quarter.q}-{quarter.year}"
    return {"content_id": str(uuid.uuid5(uuid.NAMESPACE_URL, link)), "link": link,
            "title": f"Immigration system statistics, quarter {quarter.q} {quarter.year}",
            "description": "Statistics on the operation of the immigration system.",
            "public_timestamp": quarter.published.replace("09:30", "09:31"),
            "content_store_document_type": "official_statistics"}


def _announcements(folder: Folder, quarters: list[nrm_synth.Quarter]) -> None:
    states = ("confirmed", "confirmed", "provisional", "cancelled")
    found = []
    for quarter, state in zip(quarters, states, strict=False):
        base_path = f"/government/statistics/announcements/modern-slavery-nrm-and-dtn-statistics-" \
                    f"{quarter.months.lower().replace(' ', '-')}-{quarter.year}"
        day = quarter.published[:10]
        year, month, dd = (int(x) for x in day.split("-"))
        display = (f"{dd} {site_synth.MONTH_NAMES[month - 1]} {year} 9:30am" if state != "provisional"
                   else f"{site_synth.MONTH_NAMES[month - 1]} {year} (provisional)")
        details: dict[str, object] = {"display_date": display, "state": state, "format_sub_type": "official"}
        if state == "cancelled":
            details["cancellation_reason"] = "These statistics will be published with the following release."
        doc = {"base_path": base_path, "content_id": str(uuid.uuid5(uuid.NAMESPACE_URL, base_path)),
               "document_type": "official_statistics_announcement", "schema_name": "statistics_announcement",
               "locale": "en", "title": f"Modern slavery: NRM and DtN statistics, {quarter.months} {quarter.year}",
               "description": f"Statistics on referrals to the NRM in "
                              f"{'' if quarter.annual else f'quarter {quarter.q} '}{quarter.year}.",
               "public_updated_at": "2026-04-30T10:12:00.000+01:00", "details": details, "links": {}}
        folder.add(content_path(base_path), f"content/announcement-{quarter.period}.json", _dump(doc))
        found.append({**_result(doc, kind="official_statistics_announcement"), "display_date": display,
                      "statistics_announcement_state": state})
    folder.add(announcement_search_path(0), "search/announcements-1.json", _dump(_search_page(found, 0)))


def write_govuk(folder: Folder, *, seed: int, count: int, new: int, until: date) -> None:
    """Release pages, bulletins, search pages (newest first) and announcements.

    The newest `count + new` releases of the real archive as it stands on `until`; without the
    "new" ones the archive ends before them.
    """
    templates = nrm_synth.templates()
    archive = nrm_synth.archive(seed=seed, until=until)
    ahead = max(1, round(count * 0.01))  # the "1% new" releases: the newest of the archive
    if count + ahead > len(archive):
        raise ValueError(f"{count} NRM releases and {ahead} new asked, but only {len(archive)} were published by {until}")
    taken = archive[len(archive) - count - ahead:]
    released = taken[:count + new]
    results = []
    for n, release in enumerate(released):
        page_t, bulletin_t = templates[release.annual]
        page = nrm_synth.page_doc(release, page_t)
        folder.add(content_path(release.page_path), f"content/release-{release.period}.json", _dump(page))
        folder.add(content_path(release.bulletin_path), f"content/bulletin-{release.period}.json",
                   _dump(nrm_synth.bulletin_doc(release, bulletin_t)))
        results.append(_result(page))
        if n % 25 == 12 and n < count and not release.annual:  # the occasional non-NRM Home Office release
            results.append(_other_result(n, release))
    results.sort(key=lambda r: r["public_timestamp"], reverse=True)
    for start in range(0, len(results), PAGE_SIZE):
        folder.add(release_search_path(start), f"search/releases-{start // PAGE_SIZE + 1}.json",
                   _dump(_search_page(results, start)))
    _announcements(folder, nrm_synth.upcoming(4, seed=seed, until=until))


# --- the three sites -----------------------------------------------------------------------------


def write_sentencing_council(folder: Folder, *, seed: int, count: int, new: int) -> None:
    found = site_synth.items(site_synth.sentencing_council_item, seed, count, new)
    for n, page in enumerate(site_synth.pages(found, SC_PAGE), start=1):
        path = "/feed/" if n == 1 else f"/feed/?paged={n}"
        folder.add(path, f"feed/page-{n}.xml", site_synth.sc_feed_page(page, found[0]),
                   content_type="application/rss+xml; charset=UTF-8")


def write_iasc(folder: Folder, *, seed: int, count: int, new: int) -> None:
    found = site_synth.items(site_synth.iasc_item, seed, count, new)
    listing = site_synth.pages(found, IASC_PAGE)
    for n, page in enumerate(listing, start=1):
        folder.add(site_synth.iasc_listing_path(n), f"news-insights/page-{n}.html",
                   site_synth.iasc_listing_page(page, n, last=n == len(listing)))
    for it in found:
        if not it.dated:
            folder.add(it.path, f"items/{it.k + 100_000}.html", site_synth.iasc_item_page(it))


def write_atleu(folder: Folder, *, seed: int, count: int, new: int) -> None:
    found = site_synth.items(site_synth.atleu_item, seed, count, new)
    listing = site_synth.pages(found, ATLEU_PAGE)
    for n, page in enumerate(listing):
        folder.add(site_synth.atleu_path(n, listing[n - 1] if n else None), f"cases-news/page-{n + 1}.json",
                   site_synth.atleu_page(page, ATLEU_PAGE, last=n == len(listing) - 1))


WRITERS = {"sentencing_council": write_sentencing_council, "iasc": write_iasc,
           "atleu": write_atleu}
PROVENANCE = """# {name} (synthetic, generated by bench/corpus.py)

Generated, not recorded: {count} base items{new_note}, seed {seed}, generator version {version}.
Shapes follow the recorded fixtures in tests/fixtures/{name}/ (same URLs, markup and JSON fields);
titles, dates and numbers are synthetic. See bench/corpus.py, bench/site_synth.py and
bench/nrm_synth.py (the GOV.UK bulletins are the real 2023-Q2 bulletin and 2021 end-of-year summary
with their periods and numbers varied consistently; only real periods, 2019-Q2 to the newest release).
Do not use as test fixtures: these are benchmark inputs.
"""


def corpus_dir(out: Path, items: int, *, with_new: bool) -> Path:
    return out / (f"corpus-{items}-new" if with_new else f"corpus-{items}")


def release_count(until: date, seed: int = DEFAULT_SEED) -> int:
    """How many NRM releases the real archive holds on `until` (bench/nrm_synth.py `archive`)."""
    return len(nrm_synth.archive(seed=seed, until=until))


def newest_release(until: date, seed: int = DEFAULT_SEED) -> str:
    return nrm_synth.archive(seed=seed, until=until)[-1].period


def build(out: Path, items: int, *, with_new: bool = False, seed: int = DEFAULT_SEED, until: date | None = None) -> Path:
    """Write one corpus (replacing any old one) with the NRM archive as it stands on `until` (today); its folder."""
    until = until or date.today()
    root = corpus_dir(out, items, with_new=with_new)
    shutil.rmtree(root, ignore_errors=True)
    counts = split(items, releases=release_count(until, seed))
    extra = new_items(counts)
    for name in SOURCES:
        folder = Folder(root / name)
        new = extra[name] if with_new else 0
        if name == "govuk_nrm":
            write_govuk(folder, seed=seed, count=counts[name], new=new, until=until)
        else:
            WRITERS[name](folder, seed=seed, count=counts[name], new=new)
        folder.close(PROVENANCE.format(name=name, count=counts[name], seed=seed, version=GENERATOR_VERSION,
                                       new_note=f" plus {new} new" if new else ""))
    expected = {n: counts[n] + (extra[n] if with_new else 0) for n in SOURCES}
    summary = {"items": items, "with_new": with_new, "seed": seed, "generator": GENERATOR_VERSION,
               "newest_release": newest_release(until, seed), "base": counts,
               "new": extra if with_new else {n: 0 for n in SOURCES}, "expected": expected,
               "releases": expected["govuk_nrm"], "digest": digest(root)}
    (root / "corpus.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return root


def digest(root: Path) -> str:
    """sha256 over every file's relative path and bytes (corpus.json excluded): the determinism check."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "corpus.json"):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def ensure(out: Path, items: int, *, with_new: bool = False, seed: int = DEFAULT_SEED) -> Path:
    """The corpus folder, generated unless an identical one (same N, seed, generator) is there."""
    root = corpus_dir(out, items, with_new=with_new)
    try:
        summary = json.loads((root / "corpus.json").read_text(encoding="utf-8"))
        today = date.today()
        wanted = (seed, GENERATOR_VERSION, newest_release(today, seed), split(items, releases=release_count(today, seed)))
        if (summary["seed"], summary["generator"], summary["newest_release"], summary["base"]) == wanted \
                and summary["digest"] == digest(root):
            return root
    except (OSError, ValueError, KeyError):
        pass
    return build(out, items, with_new=with_new, seed=seed)


def summary(root: Path) -> dict:
    return json.loads((root / "corpus.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 10000], help="archive sizes (default 1000 10000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    for n in args.items:
        for with_new in (False, True):
            root = build(args.out, n, with_new=with_new, seed=args.seed)
            info = summary(root)
            print(f"{root}: {sum(info['expected'].values())} items {info['expected']} digest {info['digest'][:16]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
