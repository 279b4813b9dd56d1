"""The NRM release summary: written from the stored figures, in a specialist's words."""

from __future__ import annotations

from dataclasses import replace

import pytest
from feed_checks import active_html
from feed_samples import T0, expected_figures, release_view

from feeds.formatting import release_period_label
from feeds.nrm_summary import headline_figures, stale_note, summarise_release, summarise_release_html
from scrapers import records
from store import queries, repo
from store.db import transaction
from store.read import FigureView, Revision

Q2_2023 = (
    "Between April and June 2023, 3,998 potential victims of modern slavery were referred to the NRM, "
    "a 16% decrease on the previous quarter (4,739) and a 4% decrease on April to June 2022 (4,161). "
    "81% (3,242) went to the Single Competent Authority (SCA) and 19% (756) to the Immigration Enforcement "
    "Competent Authority (IECA). The most common nationalities referred were Albanian, UK and Vietnamese. "
    "3,635 reasonable grounds and 2,086 conclusive grounds decisions were issued; 48% and 76% were positive. "
    "The Home Office received 1,148 Duty to Notify reports of adult potential victims, a 19% decrease on the "
    "previous quarter (1,420)."
)


def test_the_2023_q2_summary_from_the_store(sqlite_engine):
    period, figures, url = expected_figures("2023-Q2")
    release = records.Release(period=period, title="NRM statistics April to June 2023", page_url=url, bulletin_url=url,
                              published=T0, updated=None, figures=tuple(figures),
                              warnings=("SCA + IECA (3,998) does not match the total (3,999)",))
    with transaction(sqlite_engine) as s:
        repo.upsert_release(s, release)
    with transaction(sqlite_engine) as s:
        view = queries.latest_release(s)
    text = summarise_release(view)
    assert text == Q2_2023  # an operator's warning never reaches readers
    html = summarise_release_html(view)
    assert html.startswith("<p>Between April and June 2023, 3,998 potential victims")
    assert f'href="{url}"' in html and active_html(html) == []


def test_a_year_summary():
    text = summarise_release(release_view("2021-year"))
    assert text.startswith(
        "In 2021, 12,727 potential victims of modern slavery were referred to the NRM, a 20% increase on 2020 (10,601). "
        "50% (6,411) claimed exploitation as adults and 43% (5,468) as children. "
        "77% (9,790) were male and 23% (2,923) female."
    )
    assert "12,665 reasonable grounds and 2,866 conclusive grounds decisions were issued; 90% and 91% were positive." in text
    assert "The Home Office received 3,190 Duty to Notify reports of adult potential victims." in text


def test_missing_figures_drop_their_clauses_only():
    view = release_view(drop=("sca_count", "sca_pct", "pct_change_vs_last_year", "same_period_last_year_referrals",
                              "conclusive_grounds_decisions", "positive_cg_pct", "dtn_pct_change_vs_previous",
                              "dtn_previous_period", "top_nationalities"))
    text = summarise_release(view)
    assert text == (
        "Between April and June 2023, 3,998 potential victims of modern slavery were referred to the NRM, "
        "a 16% decrease on the previous quarter (4,739). "
        "19% (756) went to the Immigration Enforcement Competent Authority (IECA). "
        "3,635 reasonable grounds decisions were issued; 48% were positive. "
        "The Home Office received 1,148 Duty to Notify reports of adult potential victims."
    )
    assert "None" not in text
    assert summarise_release(replace(view, figures=())) == ""
    assert summarise_release_html(replace(view, figures=())) == ""


def _with(view, **values):
    figures = [f for f in view.figures if f.metric not in values]
    figures += [FigureView(m, v, "count", "", view.period, view.page_url) for m, v in values.items() if v is not None]
    return replace(view, figures=tuple(figures))


def test_no_change_is_a_similar_number_and_a_missing_percentage_is_worked_out():
    view = release_view()
    same = _with(view, pct_change_vs_previous=0, previous_period_referrals=3998)
    assert "3,998 potential victims of modern slavery were referred to the NRM, a similar number to the previous quarter (3,998) and" in summarise_release(same)
    worked_out = _with(view, pct_change_vs_previous=None, pct_change_vs_last_year=None)
    assert "a 16% decrease on the previous quarter (4,739) and a 4% decrease on April to June 2022 (4,161)." in summarise_release(worked_out)


def test_a_restated_quarter_filed_under_its_own_period_is_found():
    view = _with(release_view(), previous_period_referrals=None, pct_change_vs_previous=None)
    view = replace(view, figures=view.figures + (FigureView("total_referrals", 4746, "count", "", "2023-Q1", view.page_url),))
    assert "a 16% decrease on the previous quarter (4,746)" in summarise_release(view)


def test_warnings_stay_with_operators_and_revisions_are_plain_notes():
    view = replace(release_view(warnings=("stated change -16% vs counts <b>-15.6%</b>",)),
                   revisions=(Revision("2023-Q1", "total_referrals", 4746, 4739),))
    paragraphs = summarise_release(view).split("\n\n")
    assert paragraphs[1:] == ["Revised in this release: January to March 2023 was revised from 4,746 to 4,739 "
                              "(potential victims referred to the NRM)."]
    assert "-15.6%" not in summarise_release_html(view) and "<b>" not in summarise_release_html(view)


def test_a_release_without_figures_says_they_will_follow_only_when_it_is_the_newest():
    bare = replace(release_view(), figures=())
    assert summarise_release(replace(bare, awaiting_figures=True)) == "Figures will follow when the bulletin is published."
    assert summarise_release(bare) == ""


def test_the_stale_headline_says_which_release_has_no_bulletin_yet():
    newer = replace(release_view(), period="2024-Q2", figures=(), published=T0.replace(year=2024),
                    bulletin_url=None)
    assert stale_note(newer, release_view()) == ("The April to June 2024 release (10 August 2024) has no bulletin yet; "
                                                 "latest figures from April to June 2023.")
    assert stale_note(release_view(), release_view()) == ""


def test_headline_figures_carry_their_source():
    rows = {h.label: h for h in headline_figures(release_view())}
    assert rows["Referrals to the NRM"].value == "3,998"
    assert rows["Referrals to the NRM"].detail == "a 16% decrease on the previous quarter (4,739); a 4% decrease on April to June 2022 (4,161)"
    assert rows["Sent to the Single Competent Authority"].detail == "81% of referrals"
    assert rows["Conclusive grounds decisions"].detail == "76% positive"
    assert all(h.source_url and h.source_url.startswith("https://") for h in rows.values())


@pytest.mark.parametrize("period, label", [
    ("2023-Q1", "January to March 2023"), ("2023-Q2", "April to June 2023"), ("2022-Q3", "July to September 2022"),
    ("2022-Q4", "October to December 2022"), ("2021-year", "2021"), ("2021", "2021"), ("odd", "odd"),
])
def test_period_labels(period, label):
    assert release_period_label(period) == label
