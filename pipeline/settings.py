"""Settings: the only place that reads the environment (prefix MSBRIEF_, or a .env file)."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scrapers.nrm.tables.workbook import WorkbookLimits
from vocabulary.calendar import LONDON_TZ_NAME

PREFIX = "MSBRIEF_"
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")
SECRET = re.compile(r"(password|secret)", re.I)


class SettingsError(ValueError):
    """A setting with a value msbrief cannot use: one line naming the setting and the value."""


class Settings(BaseSettings):
    """Every setting msbrief reads. `.env.example` lists them all with their defaults."""

    model_config = SettingsConfigDict(env_prefix="MSBRIEF_", env_file=".env", extra="ignore")

    # storage and output
    database_url: str = "sqlite:///var/msbrief.db"
    database_secret_block: str = ""  # name of a Prefect Secret block holding the database URL (then used instead)
    output_dir: Path = Path("var")
    site_url: str = "http://localhost:8000/"  # where var/public is served; used for feed self links
    feed_max_entries: int = Field(50, ge=1)
    websub_hub: str = ""  # a WebSub hub the feeds declare and msbrief notifies after a rebuild that changed them
    websub_timeout: float = Field(10.0, gt=0)  # seconds one notification of the hub may take

    # polite fetching
    contact_email: str = ""  # no default: site owners must be able to reach the real operator
    user_agent: str = ""  # default built from contact_email
    rate_limit_per_host: float = 1.0  # requests per second per host (0: no limit, for a local mirror only)
    concurrency_per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_deadline: float = Field(120.0, gt=0)  # seconds one request may take, connection to last byte
    source_deadline: float = Field(1800.0, gt=0)  # seconds all of one source's requests may take in one run
    max_response_bytes: int = Field(20_000_000, ge=1)  # bytes of any one download, decompressed
    max_retries: int = Field(3, ge=0)
    # what one source may make msbrief parse (scrapers/limits.py); each, when hit, says so in one line
    max_document_bytes: int = Field(5_000_000, ge=1)  # one feed, page or JSON document; larger: refused
    max_elements: int = Field(50_000, ge=1)  # tags in one document; more: refused
    max_attributes: int = Field(100, ge=1)  # attributes on one XML element; more: refused
    max_items_per_page: int = Field(2_000, ge=1)  # items read from one page; the rest: a warning
    max_items_per_source: int = Field(10_000, ge=1)  # items of one source in one run; the rest: a warning
    max_announcements: int = Field(50, ge=1)  # statistics announcements read (and release runs scheduled) per run
    obey_robots: bool = True
    concurrent_sources: int = 4  # sources ingested at once (each host keeps its own limits)

    # NRM data-tables workbooks: what one may hold before msbrief stops reading it (a warning says so)
    workbook_max_bytes: int = Field(20_000_000, gt=0)  # the file
    workbook_max_unpacked_bytes: int = Field(250_000_000, gt=0)  # its parts unzipped (a zip bomb stops here)
    workbook_max_sheets: int = Field(200, gt=0)
    workbook_max_rows: int = Field(20_000, gt=0)  # per sheet
    workbook_max_cells: int = Field(5_000_000, gt=0)  # in the whole workbook
    workbook_max_warnings: int = Field(50, ge=0)  # per workbook; then one line says how many more
    # NRM bulletins (scrapers/nrm): warnings kept per bulletin (the rest are counted), key results read
    nrm_max_warnings: int = Field(50, ge=1)
    nrm_max_key_results_chars: int = Field(50_000, ge=1_000)

    # source base URLs (point them at the mirror for demos and tests)
    govuk_base_url: str = "https://www.gov.uk"
    sentencing_council_base_url: str = "https://www.sentencingcouncil.org.uk"
    iasc_base_url: str = "https://www.antislaverycommissioner.co.uk"
    atleu_base_url: str = "https://www.atleu.org.uk"
    govuk_guidance_base_url: str = ""  # empty: govuk_base_url (both GOV.UK sources read one site)
    parliament_base_url: str = "https://questions-statements-api.parliament.uk"
    nca_base_url: str = "https://www.nationalcrimeagency.gov.uk"
    glaa_base_url: str = "https://www.gla.gov.uk"  # and GOV.UK for its news there (this URL when pointed elsewhere)
    # the first day Parliament is read from; empty: the briefing window before today (a Monday)
    parliament_since: date | None = None
    # base paths of the guidance documents read on every run; empty: the adapter's own list
    govuk_guidance_watch: Annotated[list[str], NoDecode] = Field(default_factory=list)
    topics_file: Path | None = None

    # email briefing
    smtp_url: str = ""  # smtp://host:587 (STARTTLS), smtps://host:465 (SSL), smtp+plain://host:25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_secret_block: str = ""  # name of a Prefect Secret block holding the SMTP password
    smtp_timeout: float = Field(30.0, gt=0)  # seconds for each SMTP step (connect, each command's reply)
    smtp_reply_timeout: float = Field(600.0, gt=0)  # seconds to wait for the reply to a whole message (RFC 5321: 10 min)
    delivery_lease: float = Field(900.0, gt=0)  # seconds a run may hold one delivery before reaching its commit point
    smtp_ca_file: Path | None = None  # PEM file of CAs to trust for the SMTP server (default: the system's)
    mail_from: str = ""  # empty: "msbrief <contact_email>"
    recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    unsubscribe_mailto: str = ""  # empty: contact_email (List-Unsubscribe always has a mailto)
    unsubscribe_url: str = ""  # one-click unsubscribe (RFC 8058 POST) when set
    send_empty_briefing: bool = True  # a week with nothing new: send "nothing new" (true) or nothing
    briefing_window_weeks: int = Field(default=4, ge=0)  # only items published this many weeks before the week count as new
    briefing_off_topic: Literal["collapse", "omit", "list"] = "collapse"  # a generalist source's off-topic items

    # release day (pipeline/release_alerts.py, pipeline/releases.py)
    release_alerts: bool = False  # opt-in: the release-day message to staff, by email and webhooks
    release_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)  # empty: MSBRIEF_RECIPIENTS
    release_webhooks: Annotated[list[str], NoDecode] = Field(default_factory=list)  # Apprise URLs, space- or comma-separated
    release_alert_max_age: float = Field(48.0, gt=0)  # hours: a release older than this when read is not news
    webhook_timeout: float = Field(10.0, gt=0)  # seconds to connect to a webhook, and to wait for its reply
    release_poll_interval: float = Field(30.0, ge=5)  # seconds between looks for an announced release
    release_poll_window: float = Field(1200.0, gt=0)  # seconds the release-time run looks for it, from the announced minute

    # orchestration
    notify_block: str = ""  # name of a Prefect notification block to alert on failed runs
    timezone: str = LONDON_TZ_NAME

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name: expected one like Europe/London") from None
        return value

    @field_validator("websub_hub")
    @classmethod
    def _hub_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError("expected the hub's http(s) URL, or nothing for no hub")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in DATABASE_SCHEMES or not value.startswith(f"{parts.scheme}://"):
            raise ValueError("expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME")
        if parts.scheme == "sqlite" and parts.netloc:
            # sqlite://var/x.db reads "var" as a host: SQLAlchemy would fail later with a traceback
            raise ValueError("a SQLite URL has three slashes and a file: expected sqlite:///var/msbrief.db "
                             "(four for an absolute path: sqlite:////srv/msbrief.db)")
        try:
            _ = parts.port  # urllib raises ValueError for a port that is no number
        except ValueError:
            raise ValueError("its port is not a number") from None
        return value

    @field_validator("output_dir")
    @classmethod
    def _output_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError("is a file, not a folder: expected a folder msbrief may create and write in")
        return value

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an absolute http(s) URL, such as https://briefings.your-organisation.org.uk/")
        return value.strip()

    @field_validator("contact_email")
    @classmethod
    def _contact(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+|[^@\s<>,]+@localhost", value):
            raise ValueError("not an email address: expected name@your-organisation.org.uk")
        return value

    @field_validator("topics_file")
    @classmethod
    def _topics_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file: expected a TOML file of topics like scrapers/topics.toml, "
                             "or nothing for that one")
        return value

    @field_validator("parliament_since", mode="before")
    @classmethod
    def _optional_date(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError("not a date: expected YYYY-MM-DD, or nothing for the briefing window") from None
        return value

    @field_validator("recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @field_validator("release_recipients", mode="before")
    @classmethod
    def _split_release_recipients(cls, value: object) -> object:
        return cls._split_recipients(value)

    @field_validator("release_webhooks", mode="before")
    @classmethod
    def _split_webhooks(cls, value: object) -> object:
        # Apprise URLs hold no spaces or commas of their own: either separates them
        if isinstance(value, str):
            return [u for u in re.split(r"[\s,]+", value) if u]
        return value

    @field_validator("govuk_guidance_watch", mode="before")
    @classmethod
    def _split_watch(cls, value: object) -> object:
        paths = [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value
        for path in paths if isinstance(paths, list) else []:
            if not isinstance(path, str) or not (path.startswith("/") or path.startswith("https://www.gov.uk/")):
                raise ValueError(f"MSBRIEF_GOVUK_GUIDANCE_WATCH: {path!r} is not a GOV.UK base path "
                                 "(expected '/government/publications/...' or 'https://www.gov.uk/...')")
        return paths

    @property
    def http_user_agent(self) -> str:
        if self.user_agent:
            return self.user_agent
        return f"msbrief/0.1 (+mailto:{self.contact_email})" if self.contact_email else "msbrief/0.1"

    def require_mail_addresses(self) -> None:
        """SettingsError unless the briefing has a From and an unsubscribe address: MSBRIEF_MAIL_FROM and
        MSBRIEF_UNSUBSCRIBE_MAILTO, or the contact address standing in for either."""
        if not (self.mail_from.strip() and self.unsubscribe_mailto.strip()):
            self.require_contact()

    def require_contact(self) -> str:
        """The contact address; SettingsError (one line) when it is not set: commands that fetch from
        a site or send email refuse to run anonymously."""
        if not self.contact_email:
            raise SettingsError(f"setting {PREFIX}CONTACT_EMAIL is not set: msbrief sends it to the sites it reads "
                                "and as the briefing's From and unsubscribe address; set it to an address "
                                "that reaches you, such as name@your-organisation.org.uk")
        return self.contact_email

    @property
    def parliament_reading_from(self) -> date:
        """The first day Parliament is read from: MSBRIEF_PARLIAMENT_SINCE, else the briefing window
        (and one week more) before today's week, from its Monday."""
        from scrapers.parliament import reading_from

        return self.parliament_since or reading_from(datetime.now(ZoneInfo(self.timezone)).date(),
                                                     window_weeks=self.briefing_window_weeks)

    @property
    def sender(self) -> str:
        """The briefing's From: MSBRIEF_MAIL_FROM, else msbrief at the contact address."""
        return self.mail_from.strip() or f"msbrief <{self.contact_email}>"

    @property
    def workbook_limits(self) -> WorkbookLimits:
        """The limits of MSBRIEF_WORKBOOK_*, as the workbook reader takes them."""
        return WorkbookLimits(max_bytes=self.workbook_max_bytes, max_unpacked_bytes=self.workbook_max_unpacked_bytes,
                              max_sheets=self.workbook_max_sheets, max_rows=self.workbook_max_rows,
                              max_cells=self.workbook_max_cells, max_warnings=self.workbook_max_warnings)

    @property
    def public_dir(self) -> Path:
        return self.output_dir / "public"

    @property
    def outbox_dir(self) -> Path:
        return self.output_dir / "outbox"


def _shown(field: str, value: object) -> str:
    """A bad value as an operator may see it: secrets hidden, a URL's password hidden."""
    if SECRET.search(field):
        return "'***'"
    text = str(value)
    parts = urlsplit(text) if "://" in text else None
    if parts and parts.password:
        text = text.replace(f":{parts.password}@", ":***@")
    return repr(text)


def settings_error(exc: ValidationError) -> SettingsError:
    """Every problem of a ValidationError, one line each: "setting MSBRIEF_MAX_RETRIES='three': ..."."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "?"
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"setting {PREFIX}{field.upper()}={_shown(field, error.get('input'))}: {reason}")
    return SettingsError("\n".join(dict.fromkeys(lines)))


_ENV_FILE: dict[str, str | None] = {"path": ".env"}


def read_env_file(enabled: bool) -> None:
    """Whether `get_settings` reads `.env` (the demo never does: it may hold production's settings)."""
    _ENV_FILE["path"] = ".env" if enabled else None
    get_settings.cache_clear()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment (and .env, unless turned off); SettingsError names every bad one."""
    try:
        settings = Settings(_env_file=_ENV_FILE["path"])
    except ValidationError as exc:
        raise settings_error(exc) from None
    return with_database_secret(settings)


def with_database_secret(settings: Settings) -> Settings:
    """`settings` with the database URL of the Prefect Secret block MSBRIEF_DATABASE_SECRET_BLOCK names, if any."""
    if not settings.database_secret_block:
        return settings
    from pipeline.secret_blocks import SecretBlockError, secret_value

    setting = f"{PREFIX}DATABASE_SECRET_BLOCK={settings.database_secret_block!r}"
    try:
        url = Settings._database_url(secret_value(settings.database_secret_block, setting=setting.split("=")[0]).strip())
    except SecretBlockError as exc:
        raise SettingsError(str(exc)) from None
    except ValueError as exc:  # never the value itself: it may hold a password
        raise SettingsError(f"setting {setting}: the block's value is not a database URL ({exc})") from None
    return settings.model_copy(update={"database_url": url})
