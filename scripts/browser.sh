#!/usr/bin/env bash
# make test: the widget's end-to-end tests drive Debian's Chromium (package
# chromium), never a downloaded browser. Installed with apt-get when
# missing and we are allowed to; without it those tests skip, saying so.
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""
elif command -v sudo >/dev/null; then sudo="sudo"
else echo "browser: chromium is missing and cannot be installed here (apt-get install chromium); the browser tests will skip" >&2; exit 0
fi
echo "browser: installing Debian's chromium for the widget's browser tests"
$sudo apt-get install -y -qq chromium >/dev/null 2>&1 ||
	{ $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; } ||
	{ echo "browser: could not install chromium with apt-get" >&2; exit 1; }
