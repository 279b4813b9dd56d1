"""The phrasing table, the checks and the docs: each rule reads its own example, each check
withholds, docs/FIGURES.md names every metric the extractor can report and nothing it cannot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrapers.nrm import check_against_previous, extract
from scrapers.nrm.checks import check
from scrapers.nrm.extractor import metrics_read
from scrapers.nrm.reader import read_sentence
from scrapers.nrm.rules import VALUE_RULES
from scrapers.records import Figure, Release
from vocabulary.metrics import EXPLOITATION_TYPES, NATIONALITY_PREFIXES, metric_label, metric_unit

FIGURES_MD = Path(__file__).resolve().parent.parent / "docs" / "FIGURES.md"


@pytest.mark.parametrize("rule", VALUE_RULES, ids=lambda r: r.metric)
def test_each_rule_reads_its_example(rule) -> None:
    period = "2022-year" if re.search(r"this year|in 2019", rule.example) else "2023-Q1"
    got = read_sentence(rule.example, period=period)
    base = rule.metric.split("{")[0]
    assert any(f.metric.startswith(base) for f in got.figures), (rule.example, got)


def _documented() -> list[str]:
    """The metric names and patterns in the first column of FIGURES.md's table."""
    names = []
    for line in FIGURES_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([^`]+)`", line.split("|")[1])
    return names


def _pattern(name: str) -> re.Pattern[str]:
    kinds = "|".join(EXPLOITATION_TYPES.values())
    text = re.escape(name).replace(re.escape("<age>"), "(?:adult|child)").replace(re.escape("<type>"), f"(?:{kinds})")
    text = text.replace(re.escape("<nationality>"), "(?:" + "|".join(NATIONALITY_PREFIXES) + ")")
    text = text.replace(re.escape("<year>"), r"(?:\d{4}|<year>)")
    return re.compile(text)


def test_figures_md_names_every_metric_the_extractor_reports_and_no_other() -> None:
    documented = [_pattern(n) for n in _documented()]
    read = metrics_read()
    undocumented = sorted(m for m in read if not any(p.fullmatch(m) for p in documented))
    assert not undocumented, f"docs/FIGURES.md does not list {undocumented}"
    unread = sorted(n for n, p in zip(_documented(), documented, strict=True) if not any(p.fullmatch(m) for m in read))
    assert not unread, f"docs/FIGURES.md lists metrics the extractor never reports: {unread}"


def test_every_metric_has_a_unit_and_plain_words() -> None:
    for metric in metrics_read():
        concrete = metric.replace("<year>", "2019")
        assert metric_unit(concrete) in ("count", "pct", "date", "list", "approx"), metric
        assert "_" not in metric_label(concrete), f"{metric}: no plain words for staff"


def _figs(**values: object) -> list[Figure]:
    return [Figure(m, v, "list" if isinstance(v, list) else "pct" if m.endswith("pct") else "count", "e", "2023-Q4", "e")
            for m, v in values.items()]


def test_a_list_shorter_than_its_counts_is_withheld() -> None:
    figures = _figs(total_referrals=4905, top_nationalities=["UK"], uk_national_count=1030, albanian_count=589)
    got = check(figures)
    assert [w.figure.metric for w in got.withheld] == ["top_nationalities"]
    assert "the list of nationalities could not be read" in got.withheld[0].reason
    assert {f.metric for f in got.figures} == {"total_referrals", "uk_national_count", "albanian_count"}


def test_a_metric_stated_twice_with_different_values_is_withheld_both_times() -> None:
    got = check(_figs(total_referrals=4905) + _figs(total_referrals=4950))
    assert [w.figure.value for w in got.withheld] == [4905, 4950] and got.figures == []
    assert "stated twice" in got.notices[0].text and got.notices[0].metrics == ("total_referrals", "total_referrals")


def test_an_exploitation_share_is_checked_against_its_age() -> None:
    got = check(_figs(adult_count=2404, adult_labour_exploitation_count=649, adult_labour_exploitation_pct=40))
    assert sorted(w.figure.metric for w in got.withheld) == ["adult_labour_exploitation_count", "adult_labour_exploitation_pct"]
    assert "adults referred for labour exploitation" in got.withheld[0].reason


def test_withheld_figures_show_as_warnings_and_never_as_figures(tmp_path, capsys) -> None:
    from commands.main import main

    path = tmp_path / "b.txt"
    path.write_text("Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 4 2023\n\n"
                    "Key results\n\n  • 4,905 potential victims were referred in October to December 2023\n"
                    "  • 75% (3,679) were sent to the SCA and 25% (1,000) to the IECA\n", encoding="utf-8")
    assert main(["figures", "extract", str(path)]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert all(isinstance(w, str) for w in out["warnings"])
    assert any("do not add up to the total of 4,905" in w for w in out["warnings"])
    assert {w["metric"] for w in out["withheld"]} == {"sca_count", "ieca_count", "ieca_pct"}
    assert all({"metric", "value", "unit", "evidence", "period", "reason"} <= set(w) for w in out["withheld"])
    assert not {f["metric"] for f in out["figures"]} & {w["metric"] for w in out["withheld"]}
    assert main(["figures", "extract", "--format", "table", str(path)]) == 0
    table = capsys.readouterr().out
    assert "withheld: sca_count = 3,679" in table and "warning: held back:" in table


def _release(period: str, **values: int) -> Release:
    figures = tuple(Figure(m, v, "count", "e", p, "e") for m, (v, p) in values.items())
    return Release(period=period, title=period, page_url=f"https://example.org/{period}", bulletin_url=None,
                   published=None, updated=None, figures=figures)


def test_cross_release_revision_is_a_note_and_a_large_gap_is_withheld_whatever_the_order() -> None:
    q1 = _release("2023-Q1", total_referrals=(4746, "2023-Q1"))
    q1_v2 = _release("2023-Q1", total_referrals=(4740, "2023-Q1"))
    q2 = _release("2023-Q2", total_referrals=(3998, "2023-Q2"), previous_period_referrals=(4739, "2023-Q1"))
    checked = check_against_previous(q2, [q1, q1_v2])
    assert checked == check_against_previous(q2, [q1_v2, q1])
    assert [n.text for n in checked.notes] == [
        "January to March 2023 was revised from 4,740 to 4,739 (potential victims referred to the NRM)"]
    assert [n.kind for n in checked.notes] == ["revision"] and not checked.withheld
    wrong = _release("2023-Q2", total_referrals=(3998, "2023-Q2"), previous_period_referrals=(4139, "2023-Q1"))
    checked = check_against_previous(wrong, {"2023-Q1": q1})
    assert [(w.figure.metric, w.figure.value) for w in checked.withheld] == [("previous_period_referrals", 4139)]
    applied = checked.applied_to(wrong)
    assert [f.metric for f in applied.figures] == ["total_referrals"]
    assert [w.figure.value for w in applied.withheld] == [4139]
    assert any("more than a revision would change it" in w for w in applied.warnings)


def test_a_later_restatement_of_this_release_is_noted() -> None:
    q1 = _release("2023-Q1", total_referrals=(4746, "2023-Q1"))
    q2 = _release("2023-Q2", previous_period_referrals=(4739, "2023-Q1"))
    assert [n.kind for n in check_against_previous(q1, [q2]).notes] == ["revision"]


def test_real_bulletins_withhold_nothing() -> None:
    for path in sorted((Path(__file__).parent / "fixtures" / "nrm" / "bulletins").glob("*.txt")):
        assert extract(path.read_bytes()).withheld == (), path.name


@pytest.mark.parametrize("sentence", [
    "Around 1 in 4 referrals related to criminal exploitation",
    "31% (822) of referrals were for criminal exploitation",
    "Labour exploitation was reported in 1,204 referrals",
])
def test_an_exploitation_type_without_an_age_becomes_no_figure(sentence) -> None:
    # FIGURES.md names exploitation types per age only: with no age, the number has no metric
    got = read_sentence(sentence, period="2023-Q1")
    assert not got.figures, got.figures
    bulletin = ("Modern Slavery: National Referral Mechanism statistics UK, quarter 1 2023: January to March\n\n"
                f"Key results\n\n- 4,746 potential victims were referred to the Home Office.\n- {sentence}.\n")
    figures = extract(bulletin).figures
    assert [f.metric for f in figures] == ["total_referrals"], figures


@pytest.mark.parametrize(("sentence", "expected"), [
    ("The NRM received 4,758 referrals, compared with 4,690 in the previous quarter and 4,418 in the same quarter "
     "of 2023", {"total_referrals": 4758, "previous_period_referrals": 4690, "same_period_last_year_referrals": 4418}),
    ("Referrals increased by 7% on the same quarter of 2023 (4,418)",
     {"pct_change_vs_last_year": 7, "same_period_last_year_referrals": 4418}),
    # two years before is no comparison FIGURES.md names: the numbers stay unread
    ("Referrals increased by 7% on the same quarter of 2022 (4,418)", {}),
    ("There were 4,758 referrals, and 4,418 in the same quarter of 2022", {"total_referrals": 4758}),
])
def test_a_comparison_with_the_same_quarter_of_a_named_year(sentence, expected) -> None:
    got = read_sentence(sentence, period="2024-Q3")
    assert {f.metric: f.value for f in got.figures} == expected, got
    then = {f.metric: f.period for f in got.figures}
    assert then.get("same_period_last_year_referrals", "2023-Q3") == "2023-Q3"


def test_a_count_in_a_share_pair_is_a_count_even_when_it_looks_like_a_year() -> None:
    got = read_sentence("the most common nationalities referred were Afghan (25 per cent; 1990), Albanian (2 per cent; "
                        "159) and Bangladeshi (2%; 159)", period="2014-Q1")
    found = {f.metric: f.value for f in got.figures}
    assert found["top_nationalities"] == ["Afghan", "Albanian", "Bangladeshi"]
    assert (found["afghan_pct"], found["afghan_count"]) == (25, 1990)
    # a year outside a pair is still a year: the list of another year is not this release's
    other = read_sentence("In 2019, the most common nationalities were UK, Albanian and Vietnamese", period="2023-Q1")
    assert not other.figures


@pytest.mark.parametrize("sentence", [
    "Over the last five years, referrals have risen by 300%",
    "Referrals have risen by 300% since 2012",
    "In the past decade, referrals rose by 500%",
])
def test_a_change_over_several_years_is_no_change_on_the_year_before(sentence) -> None:
    got = read_sentence(sentence, period="2016-year")
    assert not [f for f in got.figures if f.metric == "pct_change_vs_previous"], got.figures


@pytest.mark.parametrize("sentence", ["The Home Office received 4,758 NRM referrals in April to June 2024",
                                      "4,758 NRM referrals were made in April to June 2024"])
def test_nrm_referrals_is_the_total(sentence) -> None:
    got = read_sentence(sentence, period="2024-Q2")
    assert {f.metric: f.value for f in got.figures} == {"total_referrals": 4758}, got
