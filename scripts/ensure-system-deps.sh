#!/usr/bin/env bash
# Installs the system libraries lsm needs when they are missing: OpenBLAS (which includes LAPACK,
# for ndarray-linalg) and HDF5 (for the NIR files of `lsm network export/import`, through
# hdf5-metno). Debian/Ubuntu: apt-get; Fedora: dnf; runs as root or through sudo.
set -euo pipefail
have_openblas() {
  # The linker needs the unversioned libopenblas.so from libopenblas-dev.
  ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so 2>/dev/null | grep -q . ||
    ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '
}
have_hdf5() {
  # hdf5-metno-sys links the system HDF5 C library (Debian puts it under hdf5/serial).
  pkg-config --exists hdf5 2>/dev/null ||
    ls /usr/lib/*/hdf5/serial/libhdf5.so /usr/lib/*/libhdf5.so /usr/lib64/libhdf5.so 2>/dev/null | grep -q .
}
if have_openblas && command -v pkg-config >/dev/null 2>&1 && have_hdf5; then
  exit 0
fi
echo "lsm: installing libopenblas-dev, libhdf5-dev and pkg-config (needed by ndarray-linalg and the NIR files)..." >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "lsm: please install libopenblas-dev, libhdf5-dev and pkg-config as root (apt-get install -y libopenblas-dev libhdf5-dev pkg-config)" >&2
    exit 1
  fi
fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev libhdf5-dev pkg-config >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  $SUDO dnf install -y openblas-devel hdf5-devel pkgconf-pkg-config
else
  echo "lsm: no apt-get or dnf found: install OpenBLAS (with LAPACK) and HDF5 development files and pkg-config" >&2
  exit 1
fi
