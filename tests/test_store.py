"""The store on real SQLite and PostgreSQL: migrations, idempotent upserts, amendments, revisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from scrapers import records
from scrapers.normalise import canonical_url, normalise_announcement, normalise_publication
from store import fetch_state, publications, repo
from store import models as m
from store.db import SCHEMA_HEAD, current_revision, head_revision, transaction

T0 = datetime(2023, 8, 10, 8, 30, tzinfo=UTC)

PUB = records.Publication(
    source="sentencing_council",
    url="https://www.sentencingcouncil.org.uk/news/item/motoring-offences-sentencing-guidelines-published/",
    title="Motoring offences sentencing guidelines published",
    kind="news",
    published=datetime(2023, 6, 15, tzinfo=UTC),
    topics=("motoring",),
    attachments=(records.Attachment(url="https://example.org/a.pdf", title="Guideline", size=1234),),
)


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_migrations_build_the_schema_the_models_describe(engine):
    assert current_revision(engine) == head_revision()

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), m.Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"publications", "figures", "fetch_state", "deliveries"} <= set(inspect(engine).get_table_names())


def test_the_schema_head_written_down_is_the_migrations_head():
    # store.db skips Alembic for a database at SCHEMA_HEAD: a new migration must move it
    assert head_revision() == SCHEMA_HEAD


def test_the_same_publication_twice_is_one_row(engine):
    with transaction(engine) as s:
        first = repo.upsert_publication(s, normalise_publication(PUB), seen_at=T0)
    with transaction(engine) as s:
        second = repo.upsert_publication(s, normalise_publication(PUB), seen_at=T0)
    assert first.outcome == "new" and second.outcome == "unchanged" and first.id == second.id
    with transaction(engine) as s:
        assert count(s, m.Publication) == 1
        assert count(s, m.Attachment) == 1
        assert count(s, m.Amendment) == 0
        row = s.get(m.Publication, first.id)
        assert row.published == PUB.published and row.published.tzinfo is not None
        assert row.first_seen == T0


def test_url_variants_and_slug_changes_point_at_one_item(engine):
    with transaction(engine) as s:
        a = repo.upsert_publication(s, normalise_publication(PUB))
        # www / http / no trailing slash / tracking query: the same page
        b = repo.upsert_publication(s, normalise_publication(replace(PUB, url="http://sentencingcouncil.org.uk/news/item/motoring-offences-sentencing-guidelines-published?utm_source=x")))
        # a new slug for the same story on the same day: the same item (title + date)
        c = repo.upsert_publication(s, normalise_publication(replace(PUB, url="https://www.sentencingcouncil.org.uk/news/item/sentencing-guidelines-for-motoring-offences-published/", title="Motoring offences sentencing guidelines published!")))
        assert a.id == b.id == c.id
        assert count(s, m.Publication) == 1
        assert canonical_url("https://www.sentencingcouncil.org.uk/news/item/sentencing-guidelines-for-motoring-offences-published") \
            in publications.known_urls(s, PUB.source)


def test_a_changed_title_or_update_date_is_an_amendment(engine):
    with transaction(engine) as s:
        first = repo.upsert_publication(s, normalise_publication(PUB))
    changed = replace(PUB, title="Motoring offences guidelines published (corrected)", updated=T0, change_note="Title corrected")
    with transaction(engine) as s:
        saved = repo.upsert_publication(s, normalise_publication(changed))
    with transaction(engine) as s:
        again = repo.upsert_publication(s, normalise_publication(changed))
    assert saved.outcome == "amended" and saved.id == first.id and again.outcome == "unchanged"
    with transaction(engine) as s:
        row = s.get(m.Publication, first.id)
        assert row.title == changed.title and row.updated == T0 and row.amendment_count == 1
        (amendment,) = row.amendments
        assert amendment.changes["title"] == [PUB.title, changed.title]
        assert amendment.note == "Title corrected"
        assert count(s, m.Publication) == 1


def test_an_undated_item_keeps_its_first_seen_date_flagged(engine):
    undated = replace(PUB, published=None, url="https://iasc.example/news-insights/x", title="IASC Bulletin (May 2024)")
    with transaction(engine) as s:
        saved = repo.upsert_publication(s, normalise_publication(undated), seen_at=T0)
        row = s.get(m.Publication, saved.id)
        assert row.published == T0 and row.date_estimated


def test_release_figures_keep_every_statement_and_revisions(engine):
    q1 = records.Release(
        period="2023-Q1", title="Q1", page_url="https://gov.example/q1", bulletin_url="https://gov.example/q1/b",
        published=T0, updated=None,
        figures=(records.Figure("total_referrals", 4746, "count", "4,746 potential victims", "2023-Q1"),),
    )
    q2 = records.Release(
        period="2023-Q2", title="Q2", page_url="https://gov.example/q2", bulletin_url=None, published=T0, updated=None,
        figures=(
            records.Figure("total_referrals", 3998, "count", "3,998 potential victims", "2023-Q2"),
            records.Figure("previous_period_referrals", 4739, "count", "preceding quarter (4,739)", "2023-Q1"),
        ),
        warnings=("previous period differs",),
    )
    with transaction(engine) as s:
        (r1, n1) = repo.upsert_release(s, q1)
        (r2, n2) = repo.upsert_release(s, q2)
        (r2b, n2b) = repo.upsert_release(s, q2)
    assert (r1.outcome, n1, r2.outcome, n2, r2b.outcome, n2b) == ("new", 1, "new", 2, "unchanged", 0)
    corrected = replace(q1, updated=datetime(2024, 7, 11, tzinfo=UTC),
                        figures=(records.Figure("total_referrals", 4747, "count", "4,747 potential victims", "2023-Q1"),))
    with transaction(engine) as s:
        (r1b, n1b) = repo.upsert_release(s, corrected)
        assert r1b.outcome == "amended" and n1b == 0
        statements = s.execute(select(m.Figure).where(m.Figure.period == "2023-Q1").order_by(m.Figure.id)).scalars().all()
        assert [(f.metric, f.value) for f in statements] == [("total_referrals", 4747), ("previous_period_referrals", 4739)]
        assert statements[0].history[0]["value"] == 4746
        assert s.get(m.StatisticsRelease, r2.id).warnings == ["previous period differs"]
        assert count(s, m.Figure) == 3


def test_announcement_date_changes_are_kept(engine):
    ann = records.Announcement(url="https://www.gov.uk/government/statistics/announcements/x", title="NRM Q1 2025",
                               state="provisional", release_at=None, release_date_text="May 2025 (provisional)")
    with transaction(engine) as s:
        assert repo.upsert_announcement(s, normalise_announcement(ann)).outcome == "new"
        assert repo.upsert_announcement(s, normalise_announcement(ann)).outcome == "unchanged"
    confirmed = replace(ann, state="confirmed", release_at=datetime(2025, 5, 8, 8, 30, tzinfo=UTC),
                        release_date_text="8 May 2025 9:30am")
    with transaction(engine) as s:
        assert repo.upsert_announcement(s, normalise_announcement(confirmed)).outcome == "amended"
        row = s.execute(select(m.StatisticsAnnouncement)).scalar_one()
        assert row.state == "confirmed" and row.previous_dates == ["May 2025 (provisional)"]
        assert row.release_at == datetime(2025, 5, 8, 8, 30, tzinfo=UTC)


def test_an_announcement_stored_with_no_display_date_keeps_its_time_in_words_when_moved(engine):
    # GOV.UK may give the release timestamp alone; the date it moves from is kept as readers write it
    # (this raised NameError on every later run of the NRM source: store/repo called a removed _iso)
    ann = records.Announcement(url="https://www.gov.uk/government/statistics/announcements/y", title="NRM Q2 2025",
                               state="confirmed", release_at=datetime(2025, 8, 7, 8, 30, tzinfo=UTC),
                               release_date_text="")
    with transaction(engine) as s:
        assert repo.upsert_announcement(s, normalise_announcement(ann)).outcome == "new"
    moved = replace(ann, release_at=datetime(2025, 8, 14, 8, 30, tzinfo=UTC), release_date_text="14 August 2025 9:30am")
    with transaction(engine) as s:
        assert repo.upsert_announcement(s, normalise_announcement(moved)).outcome == "amended"
        row = s.execute(select(m.StatisticsAnnouncement)).scalar_one()
        assert row.previous_dates == ["7 August 2025"] and row.release_date_text == "14 August 2025 9:30am"


def test_fetch_state_keeps_validators_and_counts_failures(engine):
    url = "https://www.gov.uk/api/content/x"

    def record_fetch(s, url, **outcome):  # type: ignore[no-untyped-def]
        fetch_state.record(s, "govuk_nrm", [records.FetchRecord(url, **outcome)], at=T0)

    with transaction(engine) as s:
        record_fetch(s, url, status=200, etag='"abc"', last_modified="Thu, 10 Aug 2023 08:30:00 GMT")
        record_fetch(s, url, status=304)
        assert fetch_state.load(s, "govuk_nrm").validators_of(url) == ('"abc"', "Thu, 10 Aug 2023 08:30:00 GMT")
        record_fetch(s, url, status=503, error="HTTP 503 after 3 tries")
        record_fetch(s, url, status=None, error="connection reset")
        row = s.execute(select(m.FetchState)).scalar_one()
        assert row.consecutive_failures == 2 and row.last_error == "connection reset"
        assert fetch_state.load(s, "govuk_nrm").validators_of(url) == ('"abc"', "Thu, 10 Aug 2023 08:30:00 GMT")


def test_a_failed_transaction_leaves_nothing(engine):
    try:
        with transaction(engine) as s:
            repo.upsert_publication(s, normalise_publication(PUB))
            raise RuntimeError("crash mid-ingest")
    except RuntimeError:
        pass
    with transaction(engine) as s:
        assert count(s, m.Publication) == 0 and count(s, m.PublicationUrl) == 0


def test_naive_datetimes_are_refused(engine):
    import pytest

    with pytest.raises(Exception, match="naive datetime"):
        with transaction(engine) as s:
            s.add(m.Run(started_at=datetime(2023, 1, 1), status="running"))
            s.flush()


def test_feed_queries_return_read_models_with_their_changes(engine):
    from store import queries

    later = datetime(2023, 9, 1, tzinfo=UTC)
    with transaction(engine) as s:
        repo.ensure_source(s, "sentencing_council", title="Sentencing Council", home_url="https://www.sentencingcouncil.org.uk")
        repo.upsert_publication(s, normalise_publication(PUB), seen_at=T0)
        repo.upsert_publication(s, normalise_publication(replace(PUB, url="https://x.example/b", title="Modern slavery offences guideline", topics=("modern slavery",), published=later)), seen_at=later)
        repo.upsert_publication(s, normalise_publication(replace(PUB, title="Motoring guidelines (corrected)")), seen_at=later)
    with transaction(engine) as s:
        items = queries.feed_items(s)
        assert [i.title for i in items] == ["Modern slavery offences guideline", "Motoring guidelines (corrected)"]
        assert items[0].source_title == "Sentencing Council"
        assert items[1].latest_change.what == "title changed from \u201cMotoring offences sentencing guidelines published\u201d"
        assert items[1].latest_change.at == items[1].latest_change.seen == later
        assert [i.title for i in queries.feed_items(s, topic="modern slavery")] == ["Modern slavery offences guideline"]
        week = queries.changed_between(s, later, datetime(2023, 9, 8, tzinfo=UTC))
        assert len(week) == 2
        assert queries.changed_between(s, T0, datetime(2023, 8, 11, tzinfo=UTC))[0].title.startswith("Motoring")


def test_latest_release_with_figures_skips_a_newer_release_without_them(engine):
    from store import queries

    with transaction(engine) as s:
        repo.upsert_release(s, records.Release(
            period="2023-Q2", title="Q2", page_url="https://gov.example/q2", bulletin_url=None, published=T0,
            updated=None, figures=(records.Figure("total_referrals", 3998, "count", "3,998", "2023-Q2"),)))
        repo.upsert_release(s, records.Release(
            period="2024-Q2", title="Q2 2024", page_url="https://gov.example/q24", bulletin_url=None,
            published=datetime(2024, 8, 8, tzinfo=UTC), updated=None))
    with transaction(engine) as s:
        assert queries.latest_release(s).period == "2024-Q2"
        assert queries.latest_release(s, with_figures=True).period == "2023-Q2"
