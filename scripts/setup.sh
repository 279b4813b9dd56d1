#!/bin/sh
# Set up ./.venv from the lock file (idempotent). Needs only Python 3.11 and the package registries.
set -eu
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
if ! python3 -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
    python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
[ -x .venv/bin/python ] || python3 -m uv venv --quiet --python "$(command -v python3)" .venv
# Bytecode is compiled here, once: where a container sets PYTHONDONTWRITEBYTECODE, Python would
# otherwise compile every imported module again on every command.
python3 -m uv pip sync --quiet --compile-bytecode --python .venv/bin/python requirements.lock
python3 -m uv pip install --quiet --python .venv/bin/python --no-deps -e .
.venv/bin/python -m compileall -q vocabulary scrapers store feeds pipeline flows commands mirror
