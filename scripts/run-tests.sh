#!/usr/bin/env bash
# Runs the whole suite. Called by `make test` (and so by .ci/run). Services the tests need
# (pcscd + vpcd + the test card, PostgreSQL, a keyring daemon) are started by the test fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
exec .venv/bin/python -m pytest "$@"
