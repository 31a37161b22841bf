#!/usr/bin/env bash
# Runs the whole suite. Called by `make test` (and so by .ci/run). Services the tests need
# (pcscd + vpcd + the test card, PostgreSQL) are started by the test fixtures. The OS keyring is
# real: pytest runs inside a private D-Bus session (dbus-run-session) with an unlocked
# gnome-keyring whose files live in a temporary folder, so the developer's own keyring is never
# touched and nothing is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
PY=${MADOGUCHI_PYTHON:-.venv/bin/python}

if [ -z "${MADOGUCHI_IN_KEYRING_SESSION:-}" ] && command -v dbus-run-session >/dev/null \
    && command -v gnome-keyring-daemon >/dev/null; then
  export MADOGUCHI_IN_KEYRING_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi

if [ -n "${MADOGUCHI_IN_KEYRING_SESSION:-}" ]; then
  keyring_home=$(mktemp -d -t madoguchi-keyring-XXXXXX)
  trap 'rm -rf "$keyring_home"' EXIT
  chmod 700 "$keyring_home"
  # --unlock creates and unlocks a login keyring with this throwaway password
  echo -n "madoguchi-test-keyring" | XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
fi

if [ $# -gt 0 ]; then
  exec "$PY" -m pytest "$@"
fi

# The whole suite: the window's tests run in a process of their own, with one QApplication and
# none of the other packages' threads and servers left over from earlier tests. No retry: a crash
# of either process fails the suite.
status=0
"$PY" -m pytest --ignore=tests/ui || status=$?
"$PY" -m pytest tests/ui || ui=$?
[ "${ui:-0}" -eq 0 ] || status=${ui}
exit "$status"
