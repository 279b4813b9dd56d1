"""Every statement in a week's briefing is true for that week and what msbrief knew (issue 25): a
past week shows what was known by its end; "Coming up" drops a provisional month once it has passed;
"nothing new" only when every source was read. The views are built from plain read models."""

from __future__ import annotations

from datetime import UTC, datetime

from feeds.briefing_data import BriefingData
from feeds.briefing_sections import coming_up, latest_guidance_line, quiet_words, reading_statement
from feeds.nrm_summary import stale_note
from store.read import Change, FeedItem, ReleaseView, UpcomingRelease
from vocabulary.weeks import week_bounds

START, END = week_bounds("2024-W32")  # 5 to 11 August 2024


def guidance_item(*changes: Change) -> FeedItem:
    return FeedItem(id=1, key="k", source="govuk_guidance", source_title="GOV.UK", url="https://www.gov.uk/x",
                    title="Modern slavery: statutory guidance", kind="guidance", summary="", topics=(),
                    published=datetime(2024, 1, 10, tzinfo=UTC), updated=None, date_estimated=False,
                    first_seen=datetime(2024, 2, 1, tzinfo=UTC), amended_at=None, changes=changes)


def test_a_past_week_names_the_latest_guidance_change_known_by_its_end():
    earlier = Change(datetime(2024, 7, 1, tzinfo=UTC), "Updated section 4", "", datetime(2024, 7, 2, tzinfo=UTC))
    later = Change(datetime(2024, 9, 3, tzinfo=UTC), "Added a new page", "", datetime(2024, 9, 4, tzinfo=UTC))
    # a change dated within the week that msbrief only learned of a month later is not known then either
    learned_later = Change(datetime(2024, 8, 6, tzinfo=UTC), "Corrected a link", "", datetime(2024, 9, 10, tzinfo=UTC))
    data = BriefingData(start=START, end=END, guidance_source="govuk_guidance",
                        latest_guidance=(guidance_item(later, learned_later, earlier),))
    line = latest_guidance_line(data)
    assert line is not None and line.lines == ("updated 1 July 2024: Updated section 4",), line


def upcoming(text: str, state: str = "provisional", at: datetime | None = None) -> UpcomingRelease:
    return UpcomingRelease(f"NRM statistics, {text}", "https://www.gov.uk/a", state, at, text, (), None)


def test_coming_up_drops_a_provisional_month_once_it_has_passed():
    data = BriefingData(start=START, end=END, as_of=END, upcoming=(
        upcoming("July 2024 (provisional)"), upcoming("June to July 2024 (provisional)"),
        upcoming("August 2024 (provisional)"), upcoming("March 2025 (provisional)"),
        upcoming("8 August 2024 9:30am", "confirmed", datetime(2024, 8, 8, 8, 30, tzinfo=UTC))))
    shown = [c.when for c in coming_up(data)]
    assert "July 2024 (provisional)" not in shown and "June to July 2024 (provisional)" not in shown
    assert "August 2024 (provisional)" in shown and "March 2025 (provisional)" in shown


def test_nothing_new_is_said_only_when_every_source_was_read():
    every = ("a", "b", "c")
    none = BriefingData(start=START, end=END, sources=every)
    assert quiet_words(none)[0] == "No source was read this week"
    some = BriefingData(start=START, end=END, sources=every, readings={"a": True, "b": False})
    assert reading_statement(some) == ("1 of 3 sources could not be read this week; 1 of 3 was not read at all: "
                                       "what they published may be missing here.")
    assert "Nothing new this week" != quiet_words(some)[0]
    every_read = BriefingData(start=START, end=END, sources=every, readings=dict.fromkeys(every, True))
    assert quiet_words(every_read)[0] == "Nothing new this week"


def release(period: str, *, bulletin: str | None, figures: tuple = ()) -> ReleaseView:
    return ReleaseView(period=period, title=period, page_url="https://www.gov.uk/r", bulletin_url=bulletin,
                       published=datetime(2024, 8, 8, 8, 30, tzinfo=UTC), updated=None, figures=figures, warnings=())


def test_a_release_with_a_bulletin_is_never_said_to_have_none():
    headline = release("2024-Q1", bulletin="https://www.gov.uk/b1", figures=("x",))
    assert "has no bulletin yet" in stale_note(release("2024-Q2", bulletin=None), headline)
    with_bulletin = stale_note(release("2024-Q2", bulletin="https://www.gov.uk/b2"), headline)
    assert "no bulletin" not in with_bulletin and "April to June 2024" in with_bulletin


def test_a_week_with_a_release_is_never_called_empty_even_before_its_figures():
    """A past week that had a release (its figures not yet read) is not a week where nothing was published."""
    older = release("2024-Q1", bulletin="https://www.gov.uk/b1", figures=("x",))
    older = ReleaseView(**{**older.__dict__, "published": datetime(2024, 5, 9, tzinfo=UTC)})
    data = BriefingData(start=START, end=END, release=older, newest_release=release("2024-Q2", bulletin=None),
                        sources=("a",), readings={"a": True})
    assert not data.release_is_new and data.a_release_this_week and not data.is_empty
