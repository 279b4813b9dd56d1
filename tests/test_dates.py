"""scrapers.dates: every date form the three sites use, to aware UTC; anything else None, never a guess."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers import dates

FIXTURES = Path(__file__).parent / "fixtures" / "dates"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
UTC = UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 October 2020", datetime(2020, 10, 15, tzinfo=UTC)),  # SC "Published on:"
        ("7 July 2022", datetime(2022, 7, 7, tzinfo=UTC)),
        ("09 July 2014", datetime(2014, 7, 9, tzinfo=UTC)),  # legacy SC site
        ("News | 17 July 2019", datetime(2019, 7, 17, tzinfo=UTC)),  # IASC 2019 listing
        ("Published on: 5 September 2024", datetime(2024, 9, 5, tzinfo=UTC)),
        ("Friday 9 July 2021", datetime(2021, 7, 9, tzinfo=UTC)),
        ("October 15, 2020", datetime(2020, 10, 15, tzinfo=UTC)),
        ("01/06/2023 15:20:00", datetime(2023, 6, 1, 14, 20, tzinfo=UTC)),  # WiredGov, BST
        ("11 Aug 2021 10:02 AM", datetime(2021, 8, 11, 9, 2, tzinfo=UTC)),  # WiredGov, BST
        ("14 January 2016 9:30am", datetime(2016, 1, 14, 9, 30, tzinfo=UTC)),  # GMT: no shift
        ("15 Sept 2020", datetime(2020, 9, 15, tzinfo=UTC)),
        ("2020-10-15", datetime(2020, 10, 15, tzinfo=UTC)),
    ],
)
def test_visible_text_dates(text, expected):
    assert dates.parse_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "News",
        "May 2024",  # a month is not a date
        "From 20 March 2024 to 12 June 2024",  # two dates: we do not choose
        "The consultation closes on 4 December 2024.",  # a date inside a sentence is not the item's date
        "31 February 2020",
        "32 July 2019",
        "13/13/2023",
        "01/06/2023 25:00:00",
        "15 Octember 2020",
        "15 October 1066",  # outside the years we accept
        "13:30pm 1 May 2024",
        "x" * 500,
    ],
)
def test_text_that_is_not_one_date_is_none(text):
    assert dates.parse_text(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu, 15 Oct 2020 08:30:00 +0000", datetime(2020, 10, 15, 8, 30, tzinfo=UTC)),
        ("Thu, 15 Oct 2020 09:30:00 +0100", datetime(2020, 10, 15, 8, 30, tzinfo=UTC)),
        ("15 Oct 2020 08:30:00 GMT", datetime(2020, 10, 15, 8, 30, tzinfo=UTC)),
        ("2020-10-15T09:30:00+01:00", datetime(2020, 10, 15, 8, 30, tzinfo=UTC)),
        ("2020-10-15T08:30:00Z", datetime(2020, 10, 15, 8, 30, tzinfo=UTC)),
        ("2020-10-15T09:30:00", datetime(2020, 10, 15, 8, 30, tzinfo=UTC)),  # naive = Europe/London
        ("2020-12-15T09:30:00", datetime(2020, 12, 15, 9, 30, tzinfo=UTC)),
        ("2020-10-15", datetime(2020, 10, 15, tzinfo=UTC)),
        ("yesterday", None),
        ("2020-13-01", None),
        (None, None),
        (20201015, None),
    ],
)
def test_machine_timestamps(value, expected):
    got = dates.parse_machine(value)
    assert got == expected
    assert got is None or got.tzinfo is not None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://atleu.org.uk/news/2024/12/5/driving-exploitation", datetime(2024, 12, 5, tzinfo=UTC)),
        ("https://atleu.org.uk/cases/2024/1/19/challenge-to-governments-seasonal-worker-scheme", datetime(2024, 1, 19, tzinfo=UTC)),
        ("http://atleu.org.uk/news/2018/1/25/new-online-resource", datetime(2018, 1, 25, tzinfo=UTC)),
        ("https://atleu.org.uk/news/2024/2/30/not-a-day", None),
        ("https://atleu.org.uk/cases-news?offset=1657790682000", None),
        ("https://www.sentencingcouncil.org.uk/publications/item/sentencing-council-annual-report-2022-23/", None),
        ("http://[::1", None),
    ],
)
def test_permalink_dates(url, expected):
    assert dates.from_permalink(url) == expected


def test_epoch_ms_is_squarespace_publish_on():
    assert dates.from_epoch_ms(1657790682000) == datetime(2022, 7, 14, 9, 24, 42, tzinfo=UTC)
    assert dates.from_epoch_ms("1657790682000") is None
    assert dates.from_epoch_ms(True) is None
    assert dates.from_epoch_ms(10**30) is None


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.html")))
def test_dates_from_markup(name):
    """One file per behaviour; expected.json says what each must give (and every file is listed)."""
    assert name in EXPECTED, f"{name} has no entry in expected.json"
    value, where = EXPECTED[name]
    got, got_where = dates.from_html((FIXTURES / name).read_bytes())
    assert (got.isoformat() if got else None, got_where) == (value, where)


def test_every_expected_file_exists():
    assert sorted(EXPECTED) == sorted(p.name for p in FIXTURES.glob("*.html"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.binary(max_size=200)))
def test_parsers_never_raise(value):
    for fn in (dates.parse_text, dates.parse_machine, dates.from_permalink):
        got = fn(value)
        assert got is None or got.tzinfo is not None
    got, _ = dates.from_html(value)
    assert got is None or got.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789 /:-TZ+APMapmJanuryOctobeSpt|Nws,", max_size=40))
def test_date_like_text_never_raises(value):
    got = dates.parse_text(value)
    assert got is None or got.tzinfo == UTC


@pytest.mark.parametrize(("title", "expected"), [
    ("IASC Bulletin (May 2024)", datetime(2024, 5, 1, tzinfo=UTC)),
    ("Partnership Bulletin - December 2025", datetime(2025, 12, 1, tzinfo=UTC)),
    ("Sept 2023 newsletter", datetime(2023, 9, 1, tzinfo=UTC)),
    ("Annual Report 2021-2022", None),  # no month
    ("Report published 5 May 2024", None),  # a day too: that is a date of its own, read elsewhere
    ("May 2024 and June 2024 bulletins", None),  # two months: which one?
    ("Mayhem 2024", None),
    ("March 3000 plans", None),  # outside the years msbrief accepts
])
def test_an_undated_item_is_dated_by_the_month_its_title_names(title, expected):
    """Issue 25: an undated item whose title names its month gets the 1st of that month."""
    assert dates.from_title_month(title) == expected
