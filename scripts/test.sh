#!/bin/sh
# Set up everything the tests need, then run the whole suite (what .ci/run runs).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh

# PostgreSQL on 127.0.0.1:5432: the store tests need it; start it when it is down.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Debian's Chromium renders the index page and the email in the browser tests.
if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
fi

# Lint and types first: a finding fails the run before the long suite starts.
.venv/bin/ruff check .
.venv/bin/mypy

export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
# Two workers; an idle one takes tests queued on the other (the long Prefect and deadline tests
# would otherwise leave one worker running them for minutes after the other has finished).
exec .venv/bin/python -m pytest -n 2 --dist worksteal "$@"
