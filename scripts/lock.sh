#!/bin/sh
# Re-resolve requirements.lock from pyproject.toml (run after changing dependencies).
set -eu
cd "$(dirname "$0")/.."
python3 -m uv pip compile --quiet pyproject.toml --extra test --generate-hashes --python-version 3.11 \
    --no-header -o requirements.lock
