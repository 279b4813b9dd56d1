"""The briefing as an email: its subject, its headers (checked: nothing from a source ever goes into
one), List-Unsubscribe, the recipients, and the MIME structure around a rendered briefing.

The message is multipart/alternative: a text/plain part, and a multipart/related holding the
text/html part and the referrals chart PNG it shows by Content-ID.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from feeds.sanitise import safe_url
from vocabulary.weeks import week_label

if TYPE_CHECKING:
    from feeds.briefing import RenderedBriefing


# --- subject and headers ---------------------------------------------------------------------


def briefing_subject(week: str) -> str:
    """"Modern slavery briefing — week of 16 November 2026" (built from the week only)."""
    return f"Modern slavery briefing \N{EM DASH} week of {week_label(week)}"


def _header_value(name: str, value: str) -> str:
    """`value` unchanged if it is safe as a header value; ValueError naming the header if not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} {value!r} is empty: a value is required")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{name} {value!r} contains a line break or control character: refused")
    return value.strip()


def _address(name: str, value: str) -> str:
    addr = parseaddr(_header_value(name, value))[1]
    if "@" not in addr:
        raise ValueError(f"{name} {value!r} is not an email address (expected name@domain)")
    return value.strip()


@dataclass(frozen=True)
class Unsubscribe:
    """How a recipient leaves the list: a mailto address (always) and a one-click URL (when set)."""

    mailto: str
    url: str | None = None

    @classmethod
    def of(cls, mailto: str, url: str | None = None) -> Unsubscribe:
        """Validated: `mailto` an address (with or without "mailto:"), `url` an http(s) URL or empty."""
        address = _header_value("unsubscribe_mailto", mailto).removeprefix("mailto:")
        if "@" not in address or any(c in address for c in "<> ,?"):
            raise ValueError(f"unsubscribe_mailto {mailto!r} is not an email address (expected name@domain)")
        if url:
            url = _header_value("unsubscribe_url", url)
            if urlsplit(url).scheme not in ("https", "http") or safe_url(url) is None or any(c in url for c in "<>,"):
                raise ValueError(f"unsubscribe_url {url!r} is not an http(s) URL")
        return cls(address, url or None)

    @property
    def mailto_link(self) -> str:
        return f"mailto:{self.mailto}?subject={quote('unsubscribe')}"

    @property
    def header(self) -> str:
        """The List-Unsubscribe value (RFC 2369): "<mailto:...>, <https://...>"."""
        return ", ".join(f"<{v}>" for v in (self.mailto_link, self.url) if v)


def message_from(
    rendered: RenderedBriefing,
    *,
    mail_from: str,
    recipients: Sequence[str],
    message_id: str,
    unsubscribe: Unsubscribe,
    date: datetime,
) -> EmailMessage:
    """Wrap a rendered briefing in an EmailMessage with the briefing's headers.

    With one recipient `To` names it; with several (or none, for a preview) it is
    "undisclosed-recipients:;" and the sender gives each recipient its own envelope.
    """
    if date.tzinfo is None:
        raise ValueError(f"date {date!r} is naive: pass an aware datetime")
    addresses = [_address("recipient", r) for r in recipients]
    message_id = _header_value("message_id", message_id)
    if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message_id):
        raise ValueError(f"message_id {message_id!r} is not of the form <left@right>")
    msg = EmailMessage()
    msg["Subject"] = _header_value("subject", rendered.subject)
    msg["From"] = _address("mail_from", mail_from)
    msg["To"] = addresses[0] if len(addresses) == 1 else "undisclosed-recipients:;"  # none: a preview
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = unsubscribe.header
    if unsubscribe.url:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the URL takes a POST
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.chart_png:
        html_part = msg.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage), "the HTML alternative was just added"
        html_part.add_related(
            rendered.chart_png, maintype="image", subtype="png", cid=f"<{rendered.chart_cid}>",
            disposition="inline", filename="nrm-referrals.png",
        )
    return msg


def recipients_of(values: Iterable[str]) -> list[str]:
    """Validated recipient addresses, duplicates removed (first spelling kept, case-insensitive)."""
    seen, out = set(), []
    for value in values:
        addr = parseaddr(_address("recipient", value))[1]
        if addr.lower() not in seen:
            seen.add(addr.lower())
            out.append(addr)
    return out
