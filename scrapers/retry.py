"""The one retry policy of msbrief (tenacity): HTTP fetches and the store's writes both use it.

`RetryPolicy` says how often and how long: at most `max_retries` retries after the first attempt;
before retry n a backoff of uniform(0, min(backoff_max, backoff_base * 2**(n-1))) ("full jitter"),
unless the failure names its own wait (an HTTP Retry-After, seconds or an HTTP date): that wait
is honoured up to `max_retry_wait`, and a longer one ends the retries at once. `retrying(...)` is
the tenacity loop that applies it:

    for attempt in policy.retrying(retry_on=Transient, sleep=wait, asked=lambda exc: exc.retry_after):
        with attempt:
            ...

After the last attempt the last failure is raised again (the caller words "gave up after N").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

log = logging.getLogger(__name__)


class WaitTooLong(Exception):
    """A failure asked for a wait longer than max_retry_wait: no retry this run."""

    def __init__(self, failure: BaseException, asked: float, limit: float) -> None:
        super().__init__(f"{failure}: asks for a wait of {asked:.0f}s, more than {limit:.0f}s")
        self.failure, self.asked, self.limit = failure, asked, limit


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure."""

    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_wait: float = 120.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError(f"max_retries must be an integer of at least 0, got {self.max_retries!r}")
        for name in ("backoff_base", "backoff_max", "max_retry_wait"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be 0 or more seconds, got {getattr(self, name)!r}")

    def retrying(
        self,
        *,
        retry_on: type[BaseException] | tuple[type[BaseException], ...],
        sleep: Callable[[float], None] = time.sleep,
        asked: Callable[[BaseException], float | None] = lambda exc: None,
        honour: Callable[[BaseException, float], float] = lambda exc, seconds: seconds,
        what: str = "",
        describe: Callable[[BaseException], str] = str,
        level: int = logging.INFO,
    ) -> Retrying:
        """A tenacity loop over attempts: `retry_on` failures are retried as the policy says.

        `asked(exc)` is the wait a failure names itself (Retry-After), None for backoff;
        `honour(exc, seconds)` turns it into the wait to sleep (0 when something else waits, such
        as a host's rate-limit slot). Longer than max_retry_wait: WaitTooLong, no retry. Each retry
        is logged at `level`, the failure worded by `describe` (one line: never a statement dump).
        """
        backoff = wait_random_exponential(multiplier=self.backoff_base, max=self.backoff_max)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            seconds = asked(failure) if failure is not None else None
            if seconds is None:
                return float(backoff(state))
            if seconds > self.max_retry_wait:
                raise WaitTooLong(failure, seconds, self.max_retry_wait)  # type: ignore[arg-type]  # failure is set here
            return honour(failure, seconds)  # type: ignore[arg-type]  # failure is set here

        def before_sleep(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            pause = state.next_action.sleep if state.next_action else 0.0
            log.log(level, "%s%s; retry %d/%d after %.2fs", f"{what}: " if what else "",
                    describe(failure) if failure is not None else "", state.attempt_number, self.max_retries, pause)

        return Retrying(stop=stop_after_attempt(self.max_retries + 1), wait=wait, sleep=sleep,
                        retry=retry_if_exception_type(retry_on), before_sleep=before_sleep, reraise=True)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
