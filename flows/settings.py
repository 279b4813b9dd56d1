"""Settings: the only place that reads the environment (prefix MSBRIEF_, or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

from vocabulary.calendar import LONDON_TZ_NAME


class Settings(BaseSettings):
    """Every setting msbrief reads. `.env.example` lists them all with their defaults."""

    model_config = SettingsConfigDict(env_prefix="MSBRIEF_", env_file=".env", extra="ignore")

    # storage and output
    database_url: str = "sqlite:///var/msbrief.db"
    output_dir: Path = Path("var")
    site_url: str = "http://localhost:8000/"  # where var/public is served; used for feed self links
    feed_max_entries: int = 50

    # polite fetching
    contact_email: str = "msbrief-operators@example.org"
    user_agent: str = ""  # default built from contact_email
    rate_limit_per_host: float = 1.0  # requests per second per host (0: no limit, for a local mirror only)
    concurrency_per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_deadline: float = Field(120.0, gt=0)  # seconds one request may take, connection to last byte
    source_deadline: float = Field(1800.0, gt=0)  # seconds all of one source's requests may take in one run
    max_response_bytes: int = 20_000_000
    max_retries: int = 3
    obey_robots: bool = True

    # source base URLs (point them at the mirror for demos and tests)
    govuk_base_url: str = "https://www.gov.uk"
    sentencing_council_base_url: str = "https://www.sentencingcouncil.org.uk"
    iasc_base_url: str = "https://www.antislaverycommissioner.co.uk"
    atleu_base_url: str = "https://www.atleu.org.uk"
    topics_file: Path | None = None

    # email briefing
    smtp_url: str = ""  # smtp://host:587 (STARTTLS), smtps://host:465 (SSL), smtp+plain://host:25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_secret_block: str = ""  # name of a Prefect Secret block holding the SMTP password
    smtp_timeout: float = 30.0
    smtp_ca_file: Path | None = None  # PEM file of CAs to trust for the SMTP server (default: the system's)
    mail_from: str = "msbrief <msbrief@example.org>"
    recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    unsubscribe_mailto: str = ""
    unsubscribe_url: str = ""
    send_empty_briefing: bool = True  # a week with nothing new: send "nothing new" (true) or nothing

    # orchestration
    notify_block: str = ""  # name of a Prefect notification block to alert on failed runs
    timezone: str = LONDON_TZ_NAME

    @field_validator("recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @property
    def http_user_agent(self) -> str:
        return self.user_agent or f"msbrief/0.1 (+mailto:{self.contact_email})"

    @property
    def public_dir(self) -> Path:
        return self.output_dir / "public"

    @property
    def outbox_dir(self) -> Path:
        return self.output_dir / "outbox"

    def base_url(self, source: str) -> str:
        """The configured base URL of source `source`."""
        field = {"govuk_nrm": "govuk_base_url"}.get(source, f"{source}_base_url")
        return str(getattr(self, field)).rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
