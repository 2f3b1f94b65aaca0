#!/usr/bin/env bash
# Set up everything harness needs on a Debian machine; safe to run again (it skips what is
# already there, so a second run takes seconds). Installs R and the R packages survival,
# coin and boot from Debian when missing (needs root or password-less sudo), Debian's
# chromium (the HTML report is checked in a real headless browser), creates .venv and
# installs the project with its test extras when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

R_DEBS="r-base-core r-cran-survival r-cran-coin r-cran-boot"
PY_DEBS="python3 python3-venv python3-dev build-essential"
PYTHON="${PYTHON:-python3}"

say() { echo "setup: $*" >&2; }

can_root() {
  [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $*" >/dev/null
}

have_r() {
  command -v Rscript >/dev/null 2>&1 &&
    Rscript -e 'ok <- vapply(c("survival", "coin", "boot"), requireNamespace, logical(1), quietly = TRUE); quit(status = if (all(ok)) 0 else 1)' >/dev/null 2>&1
}

have_python() {
  command -v "$PYTHON" >/dev/null 2>&1 &&
    "$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null &&
    command -v gcc >/dev/null 2>&1
}

if ! have_python; then
  can_root || {
    say "Python 3.11+ with venv and gcc is missing and this user cannot install it: run 'sudo apt-get install $PY_DEBS', then run this again."
    exit 1
  }
  say "installing Python 3.11+ with venv and a C compiler from Debian ($PY_DEBS)"
  apt_install "$PY_DEBS" || { say "apt-get could not install $PY_DEBS"; exit 1; }
fi

if ! have_r; then
  can_root || {
    say "R with the packages survival, coin and boot is missing and this user cannot install it: run 'sudo apt-get install $R_DEBS', then run this again."
    exit 1
  }
  say "installing R from Debian ($R_DEBS)"
  apt_install "$R_DEBS" || { say "apt-get could not install $R_DEBS"; exit 1; }
  have_r || { say "R was installed but survival, coin or boot still does not load"; exit 1; }
fi

if [ ! -x /usr/bin/chromium ]; then
  if can_root; then
    say "installing Debian's chromium (the HTML report's browser test)"
    apt_install chromium || { say "apt-get could not install chromium"; exit 1; }
  else
    say "chromium is missing and this user cannot install it: the HTML report's browser test will skip here (and fail in CI); run 'sudo apt-get install chromium'"
  fi
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  say "installing harness and its test extras into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,lint]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
