"""The release-day message (pipeline/release_alerts.py) on SQLite and PostgreSQL: the email through a
real SMTP server on loopback (STARTTLS + AUTH), the webhooks through Apprise to real receivers on
loopback (a generic JSON POST over HTTP, Microsoft Teams over HTTPS), exactly once per release and
channel across reruns, concurrent runs, refusals, lost replies and runs killed at any point."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from feeds.release_alert import WEBHOOK_BODY_CHARS
from feeds.webhooks import WebhookError, webhook
from pipeline.release_alerts import KIND, run_release_alert
from pipeline.settings import Settings
from store import models as m
from store.db import transaction
from tests.smtp_server import KillingHandler, smtp_server
from tests.test_briefing import BULLETIN, RECIPIENTS, populate, settings_for
from tests.webhook_server import intercepting_proxy, webhook_server
from vocabulary.deliveries import DeliveryState

RELEASED = datetime(2023, 8, 10, 8, 0, tzinfo=UTC)  # the 2023-Q2 release of tests/test_briefing.populate
NOW = datetime(2023, 8, 10, 8, 20, tzinfo=UTC)  # twenty minutes after it was published
ROOT = Path(__file__).resolve().parent.parent


def alert_settings(tmp_path: Path, server, hooks: list[str], **over) -> Settings:  # type: ignore[no-untyped-def]
    return settings_for(tmp_path, server, release_alerts=True, release_webhooks=hooks, webhook_timeout=5, **over)


def states(engine) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """address -> (channel, state) of every delivery of a release-day message."""
    with transaction(engine) as s:
        rows = s.execute(select(m.Delivery).join(m.Dispatch).where(m.Dispatch.kind == KIND)).scalars().all()
        return {d.address: (d.channel, d.status) for d in rows}


def plain(msg: EmailMessage) -> str:
    return " ".join(msg.get_body(("plain",)).get_content().split())  # type: ignore[union-attr]


def test_the_message_arrives_once_by_email_and_on_each_webhook(engine, tmp_path, monkeypatch):
    populate(engine)
    with smtp_server(tmp_path) as server, webhook_server() as receiver, \
            webhook_server(tmp_path, tls=True) as teams:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(teams.cert_file))  # the Teams receiver's own certificate
        settings = alert_settings(tmp_path, server, [receiver.apprise_url(), teams.teams_url()])
        first = run_release_alert(engine, settings, now=NOW)
        assert first.action == "sent" and first.status == "sent" and not first.problems, first.summary
        assert sorted(r.rcpt_tos[0] for r in server.handler.messages) == RECIPIENTS[:2]
        assert len(receiver.posts) == len(teams.posts) == 1

        msg = server.handler.messages[0].message()
        assert server.handler.messages[0].tls and server.handler.messages[0].login
        assert msg["Subject"] == "New NRM statistics: April to June 2023"
        text = plain(msg)
        # the headline figures with the change on the previous quarter and on the year
        assert ("Referrals to the NRM: 3,998 — a 16% decrease on the previous quarter (4,739); a 4% decrease on "
                "April to June 2022 (4,161)") in text
        assert "Duty to Notify reports (adults): 1,148" in text and BULLETIN in text
        html = msg.get_body(("html",))
        assert html is not None
        chart = next(p for p in msg.walk() if p.get_content_type() == "image/png")
        cid = chart["Content-ID"].strip("<>")
        body = html.get_content()
        assert f'src="cid:{cid}"' in body and 'alt="Bar chart: potential victims referred to the NRM by quarter' in body
        assert f'href="{BULLETIN}"' in body

        posted = receiver.posts[0].json()
        assert posted["title"] == "New NRM statistics: April to June 2023"
        assert "**3,998** — a 16% decrease on the previous quarter (4,739)" in posted["message"]
        assert f"[Release page]({BULLETIN})" in posted["message"]
        assert receiver.posts[0].headers["User-Agent"] == "msbrief"
        card = teams.posts[0].json()["attachments"][0]["content"]
        assert [b["text"] for b in card["body"] if b.get("id") == "title"] == ["New NRM statistics: April to June 2023"]
        assert "**3,998**" in next(b["text"] for b in card["body"] if b.get("id") == "body")
        assert "signature4567" in teams.posts[0].path  # the workflow's signature reached it...
        stored = states(engine)
        assert not any("signature4567" in a for a in stored)  # ...and is never stored or shown
        assert Counter(st for _, st in stored.values()) == Counter({"accepted": 4})

        again = run_release_alert(engine, settings, now=NOW)
        assert again.action == "already-sent" and not again.problems
        assert len(server.handler.messages) == 2 and len(receiver.posts) == len(teams.posts) == 1


def test_two_concurrent_runs_send_one_message_per_channel(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server, webhook_server() as receiver:
        settings = alert_settings(tmp_path, server, [receiver.apprise_url()], recipients=RECIPIENTS)
        barrier, outcomes, errors = threading.Barrier(3), [], []

        def run() -> None:
            barrier.wait()
            try:
                outcomes.append(run_release_alert(engine, settings, now=NOW))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        assert sorted(r.rcpt_tos[0] for r in server.handler.messages) == RECIPIENTS
        assert len(receiver.posts) == 1
        assert set(states(engine).values()) == {("email", "accepted"), ("webhook", "accepted")}
        assert len({r.message()["Message-ID"] for r in server.handler.messages}) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_webhook_that_is_down_or_refuses_is_tried_again_and_gets_one_message(engine, tmp_path):
    populate(engine)
    port = free_port()  # nothing listens there yet
    with smtp_server(tmp_path) as server, webhook_server() as busy:
        busy.behaviour.statuses = [503]  # a transient refusal: tried again on the next run
        hooks = [f"json://127.0.0.1:{port}/down", busy.apprise_url()]
        settings = alert_settings(tmp_path, server, hooks)
        first = run_release_alert(engine, settings, now=NOW)
        shown = {d.address.split(" #")[0].split("?")[0]: d for d in first.deliveries}
        down, refused = shown[f"json://127.0.0.1:{port}/down"], shown[busy.apprise_url()]
        assert down.state == DeliveryState.FAILED and "no connection" in str(down.reply)
        assert refused.state == DeliveryState.DEFERRED and refused.reply and refused.reply.code == 503
        assert first.status == "partial" and len(first.problems) == 2 and len(server.handler.messages) == 2

        with webhook_server(port=port) as up:
            second = run_release_alert(engine, settings, now=NOW)
            assert second.status == "sent" and not second.problems, second.summary
            assert len(up.posts) == 1 and len(busy.posts) == 2  # the 503, then the one it took
            assert len(server.handler.messages) == 2  # the emails were not sent again
            third = run_release_alert(engine, settings, now=NOW)
            assert third.action == "already-sent" and len(up.posts) == 1 and len(busy.posts) == 2


def test_a_lost_reply_is_unconfirmed_reported_and_never_resent_unless_forced(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server, webhook_server() as receiver:
        receiver.behaviour.drop = 1  # the request arrives; the connection drops before any reply
        settings = alert_settings(tmp_path, server, [receiver.apprise_url()], recipients=[])
        settings = settings.model_copy(update={"smtp_url": ""})
        first = run_release_alert(engine, settings, now=NOW)
        (report,) = first.deliveries
        assert report.state == DeliveryState.UNCONFIRMED and "probably delivered" in str(report.reply)
        assert first.problems == [report] and len(receiver.posts) == 1
        again = run_release_alert(engine, settings, now=NOW)
        assert not again.deliveries[0].attempted and len(receiver.posts) == 1  # never resent by itself
        forced = run_release_alert(engine, settings, now=NOW, force=True)
        assert forced.status == "sent" and len(receiver.posts) == 2


def test_off_unless_opted_in_and_a_release_read_days_late_is_not_news(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server, webhook_server() as receiver:
        off = settings_for(tmp_path, server, release_webhooks=[receiver.apprise_url()])
        assert run_release_alert(engine, off, now=NOW).action == "off"
        late = alert_settings(tmp_path, server, [receiver.apprise_url()], release_alert_max_age=24)
        outcome = run_release_alert(engine, late, now=datetime(2023, 8, 14, 9, tzinfo=UTC))
        assert outcome.action == "not-news" and "MSBRIEF_RELEASE_ALERT_MAX_AGE" in outcome.summary
        assert not server.handler.messages and not receiver.posts and not states(engine)
        # an operator may still send an older release's message by naming it
        named = run_release_alert(engine, late, now=datetime(2023, 8, 14, 9, tzinfo=UTC), period="2023-Q2")
        assert named.status == "sent" and len(receiver.posts) == 1


def test_the_dry_run_writes_the_email_and_the_webhook_text_and_records_nothing(engine, tmp_path):
    populate(engine)
    settings = settings_for(tmp_path)
    outcome = run_release_alert(engine, settings, now=NOW, send=False)
    folder = tmp_path / "var" / "outbox" / "release"
    assert outcome.action == "written" and {p.name for p in outcome.files} == {
        "2023-Q2.eml", "2023-Q2.html", "2023-Q2.webhook.md"}
    assert "data:image/png;base64," in (folder / "2023-Q2.html").read_text(encoding="utf-8")
    assert (folder / "2023-Q2.webhook.md").read_text(encoding="utf-8").startswith(
        "# New NRM statistics: April to June 2023\n\n- Referrals to the NRM: **3,998**")
    assert not states(engine)


def test_webhook_settings_are_checked_and_never_shown_with_their_secrets():
    with pytest.raises(WebhookError, match=r"MSBRIEF_RELEASE_WEBHOOKS: 'nosuchservice://…' is not an Apprise URL"):
        webhook("nosuchservice://secret-token@example.org/x")
    slack = webhook("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#nrm")
    assert slack.address.startswith("slack://T...2/A...D/T...7/") and "TIiajkdnlazkcOXrIdevi7" not in repr(slack)
    assert webhook("slack://T1JJ3T3L2/A1BRTD4JD/OtherTokenOfAnotherHook/#nrm").address != slack.address
    assert Settings(_env_file=None, release_webhooks="json://a/x, slack://b/c/d json://e/f").release_webhooks == [
        "json://a/x", "slack://b/c/d", "json://e/f"]


def test_a_long_release_keeps_its_links_within_the_webhook_limit():
    from feeds.release_alert import render_release_alert
    from store.read import FigureView, ReleaseView

    names = [f"Nationality {i} with a long name" for i in range(400)]
    figures = (FigureView("total_referrals", 3998, "count", "", "2023-Q2", BULLETIN),
               FigureView("top_nationalities", names, "list", "", "2023-Q2", BULLETIN))
    release = ReleaseView("2023-Q2", "A release", BULLETIN, BULLETIN, RELEASED, None, figures, ())
    body = render_release_alert(release, [], site_url="https://msbrief.example.org/", unsubscribe=None).webhook_body
    assert len(body) <= WEBHOOK_BODY_CHARS and body.endswith(f"[Release page]({BULLETIN})")
    assert "**3,998**" in body


# --- killed at any point, then run again --------------------------------------------------------

SCRIPT = """
import sys
from datetime import UTC, datetime
from pipeline.engine import get_engine
from pipeline.release_alerts import run_release_alert
from pipeline.settings import get_settings
outcome = run_release_alert(get_engine(), get_settings(), now=datetime.fromisoformat(sys.argv[1]))
print(outcome.summary)
sys.exit(1 if outcome.problems else 0)
"""


@pytest.mark.parametrize("point", ["smtp-rcpt", "smtp-data", "webhook-request"])
def test_killed_mid_send_then_rerun_every_address_has_one_message(point, db_url, tmp_path):
    """Killed at an SMTP RCPT (nothing delivered: the rerun sends it), once an email is queued and
    before its 250 is read, or once the webhook's request has arrived (delivered: unconfirmed, never
    sent twice); every address has its message once."""
    from store.db import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    populate(engine)
    smtp = KillingHandler(point.removeprefix("smtp-"), 2)  # "webhook-request": the SMTP server never kills
    try:
        with smtp_server(tmp_path, mode="plain", auth=False, handler=smtp) as server, webhook_server() as receiver:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
            env.update(MSBRIEF_DATABASE_URL=db_url, MSBRIEF_OUTPUT_DIR=str(tmp_path / "var"),
                       MSBRIEF_SMTP_URL=f"smtp+plain://127.0.0.1:{server.port}",
                       MSBRIEF_RECIPIENTS=",".join(RECIPIENTS), MSBRIEF_RELEASE_ALERTS="true",
                       MSBRIEF_RELEASE_WEBHOOKS=receiver.apprise_url(), MSBRIEF_WEBHOOK_TIMEOUT="10",
                       MSBRIEF_CONTACT_EMAIL="operators@example.org", PYTHONPATH=str(ROOT))
            cmd = [sys.executable, "-c", SCRIPT, NOW.isoformat()]
            # the webhook goes after the emails: kill there once every email is out
            proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True)
            (receiver.behaviour if point == "webhook-request" else smtp).victim = proc.pid
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == -signal.SIGKILL, f"the run was never killed at {point}:\n{out}\n{err[-3000:]}"
            rerun = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
            received = Counter(r for msg in server.handler.messages for r in msg.rcpt_tos)
            assert received == Counter(RECIPIENTS), (point, dict(received), rerun.stdout, rerun.stderr[-3000:])
            assert len(receiver.posts) == 1, (point, rerun.stdout)
            stored = states(engine)
            webhook_state = next(st for ch, st in stored.values() if ch == "webhook")
            if point == "webhook-request":
                # its request was out when the run died: probably delivered, so never sent again; reported
                assert webhook_state == "unconfirmed" and rerun.returncode == 1, rerun.stdout
                assert "unconfirmed" in rerun.stdout
            elif point == "smtp-data":
                # the second email was queued when the run died: unconfirmed, never sent twice; reported
                emails = Counter(st for ch, st in stored.values() if ch == "email")
                assert emails == Counter({"accepted": len(RECIPIENTS) - 1, "unconfirmed": 1}), stored
                assert webhook_state == "accepted" and rerun.returncode == 1, rerun.stdout
            else:
                assert webhook_state == "accepted" and rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
    finally:
        engine.dispose()


def test_slack_gets_the_message_through_apprise_and_nothing_leaves_the_machine(engine, tmp_path, monkeypatch):
    """Apprise's Slack URL has a fixed host: it is reached through an HTTPS proxy on loopback that ends the
    TLS itself (tests/webhook_server.py), so Slack's real request is checked and nothing goes out."""
    import requests

    populate(engine)
    with intercepting_proxy("hooks.slack.com", tmp_path / "proxy") as proxy:
        for name in ("HTTPS_PROXY", "https_proxy"):
            monkeypatch.setenv(name, proxy.proxy_url)
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(proxy.ca_file))
        # the guard: Slack's URL goes through the loopback proxy, or the test stops before sending
        assert requests.utils.get_environ_proxies("https://hooks.slack.com/services/x").get("https") == proxy.proxy_url
        settings = alert_settings(tmp_path, None, ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#nrm-alerts"])
        outcome = run_release_alert(engine, settings, now=NOW)
        again = run_release_alert(engine, settings, now=NOW)
    assert outcome.status == "sent" and not outcome.problems, outcome.summary
    assert again.action == "already-sent" and proxy.connects == ["hooks.slack.com:443"]
    (post,) = proxy.posts
    assert post.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    payload = post.json()
    assert payload["channel"] == "#nrm-alerts"
    text = json.dumps(payload, ensure_ascii=False)
    (attachment,) = payload["attachments"]
    assert attachment["title"] == "New NRM statistics: April to June 2023" and attachment["footer"] == "msbrief"
    # Slack's own mrkdwn: bold in single stars, links as <url|text>
    assert "• Referrals to the NRM: *3,998* — a 16% decrease on the previous quarter (4,739)" in attachment["text"]
    assert attachment["text"].endswith(f"<{BULLETIN}|Release page>") and "**" not in text


def test_the_command_sends_once_reports_each_address_and_force_resends(db_url, tmp_path):
    from store.db import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    populate(engine)
    engine.dispose()
    msbrief = Path(sys.executable).with_name("msbrief")
    with smtp_server(tmp_path, mode="plain", auth=False) as server, webhook_server() as receiver:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
        env.update(MSBRIEF_DATABASE_URL=db_url, MSBRIEF_OUTPUT_DIR=str(tmp_path / "var"),
                   MSBRIEF_SMTP_URL=f"smtp+plain://127.0.0.1:{server.port}", MSBRIEF_RECIPIENTS=",".join(RECIPIENTS[:2]),
                   MSBRIEF_RELEASE_WEBHOOKS=receiver.apprise_url(), MSBRIEF_CONTACT_EMAIL="operators@example.org")

        def command(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(msbrief), "release-alert", "--release", "2023-Q2", *args], env={**env, **extra},
                                  cwd=tmp_path, capture_output=True, text=True, timeout=180)

        off = command("--send")
        assert off.returncode == 2 and off.stderr.strip().splitlines() == [
            "msbrief release-alert: release-day messages are off: set MSBRIEF_RELEASE_ALERTS=true to send them, or use "
            "--dry-run to write one"], off.stderr
        preview = command()  # off: a dry run
        assert preview.returncode == 0 and (tmp_path / "var" / "outbox" / "release" / "2023-Q2.webhook.md").is_file()
        assert not server.handler.messages and not receiver.posts

        sent = command(MSBRIEF_RELEASE_ALERTS="true")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert sent.stdout.startswith("New NRM statistics: April to June 2023\n")
        assert f"  email {RECIPIENTS[0]}: accepted - 250 2.0.0 queued as 1" in sent.stdout
        assert "  webhook json://127.0.0.1:" in sent.stdout and ": accepted - accepted (HTTP 2xx)" in sent.stdout
        again = command(MSBRIEF_RELEASE_ALERTS="true")
        assert again.returncode == 0 and "nothing to send (already sent)" in again.stdout and "(earlier run)" in again.stdout
        assert len(server.handler.messages) == 2 and len(receiver.posts) == 1
        forced = command("--force", MSBRIEF_RELEASE_ALERTS="true")
        assert forced.returncode == 0, forced.stdout
        assert len(server.handler.messages) == 4 and len(receiver.posts) == 2
