#!/usr/bin/env bash
# Installs the one system library lsm needs (OpenBLAS, which includes LAPACK, for ndarray-linalg)
# when it is missing. Debian/Ubuntu: apt-get; runs as root or through sudo.
set -euo pipefail
have_openblas() {
  # The linker needs the unversioned libopenblas.so from libopenblas-dev.
  ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so 2>/dev/null | grep -q . ||
    ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '
}
if have_openblas && command -v pkg-config >/dev/null 2>&1; then
  exit 0
fi
echo "lsm: installing libopenblas-dev and pkg-config (needed by ndarray-linalg)..." >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "lsm: please install libopenblas-dev and pkg-config as root (apt-get install -y libopenblas-dev pkg-config)" >&2
    exit 1
  fi
fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev pkg-config >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  $SUDO dnf install -y openblas-devel pkgconf-pkg-config
else
  echo "lsm: no apt-get or dnf found: install OpenBLAS (with LAPACK) development files and pkg-config" >&2
  exit 1
fi
