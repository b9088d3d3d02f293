#!/usr/bin/env bash
# Fetch the full Free Spoken Digit Dataset (FSDD) into a folder.
#
#   scripts/fetch-fsdd.sh DEST            # -> DEST/recordings/*.wav, DEST/README.md, DEST/metadata.py
#
# Source: https://github.com/Jakobovski/free-spoken-digit-dataset (Jakobovski et al.,
# DOI 10.5281/zenodo.1342401), licensed CC BY-SA 4.0: keep the attribution and the licence
# with any copy you redistribute.
#
# Needs network access and either git or curl + tar. Uses a shallow git clone when git is
# available, else the GitHub tarball of the master branch. Nothing is written to DEST unless
# the download is complete (at least 3,000 .wav files); an existing DEST/recordings is never
# overwritten unless --force is given.
#
# Environment: FSDD_REPO (default https://github.com/Jakobovski/free-spoken-digit-dataset.git),
#              FSDD_REF  (branch or tag, default master).
set -euo pipefail

usage() {
    echo "usage: $0 [--force] DEST" >&2
    echo "  downloads FSDD and puts the recordings in DEST/recordings" >&2
    exit 2
}

force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) usage ;;
        -*) echo "unknown option: $arg" >&2; usage ;;
        *) [ -z "$dest" ] || usage; dest="$arg" ;;
    esac
done
[ -n "$dest" ] || usage

repo="${FSDD_REPO:-https://github.com/Jakobovski/free-spoken-digit-dataset.git}"
ref="${FSDD_REF:-master}"
min_files=3000

if [ -e "$dest/recordings" ] && [ "$force" -ne 1 ]; then
    n=$(find "$dest/recordings" -maxdepth 1 -name '*.wav' | wc -l)
    echo "$dest/recordings already exists ($n .wav files); use --force to replace it" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsdd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

src=""
if command -v git >/dev/null 2>&1; then
    echo "cloning $repo ($ref) ..." >&2
    if git clone --quiet --depth 1 --branch "$ref" "$repo" "$tmp/fsdd"; then
        src="$tmp/fsdd"
    else
        echo "git clone failed; trying the tarball" >&2
    fi
fi
if [ -z "$src" ]; then
    command -v curl >/dev/null 2>&1 || { echo "error: neither git nor curl could fetch FSDD" >&2; exit 1; }
    base="${repo%.git}"
    url="$base/archive/refs/heads/$ref.tar.gz"
    echo "downloading $url ..." >&2
    curl --fail --location --silent --show-error --retry 3 -o "$tmp/fsdd.tar.gz" "$url" \
        || { echo "error: download failed: $url" >&2; exit 1; }
    mkdir "$tmp/x"
    tar -xzf "$tmp/fsdd.tar.gz" -C "$tmp/x"
    src=$(find "$tmp/x" -mindepth 1 -maxdepth 1 -type d | head -n 1)
fi

if [ ! -d "$src/recordings" ]; then
    echo "error: the download has no recordings/ folder (layout changed upstream?)" >&2
    exit 1
fi
n=$(find "$src/recordings" -maxdepth 1 -name '*.wav' | wc -l)
if [ "$n" -lt "$min_files" ]; then
    echo "error: expected at least $min_files .wav files, got $n; nothing written" >&2
    exit 1
fi
bad=$(find "$src/recordings" -maxdepth 1 -name '*.wav' -printf '%f\n' \
      | grep -Ev '^[0-9]_[A-Za-z]+_[0-9]+\.wav$' || true)
if [ -n "$bad" ]; then
    echo "warning: files not named {digit}_{speaker}_{take}.wav:" >&2
    echo "$bad" | head -n 5 >&2
fi

mkdir -p "$dest"
rm -rf "$dest/recordings.partial"
cp -R "$src/recordings" "$dest/recordings.partial"
[ "$force" -eq 1 ] && rm -rf "$dest/recordings"
mv "$dest/recordings.partial" "$dest/recordings"
for f in README.md metadata.py LICENSE; do
    [ -f "$src/$f" ] && cp "$src/$f" "$dest/$f"
done
if [ ! -f "$dest/LICENSE" ]; then
    cat > "$dest/LICENSE" <<'TXT'
Free Spoken Digit Dataset (FSDD), Jakobovski et al., https://github.com/Jakobovski/free-spoken-digit-dataset
DOI 10.5281/zenodo.1342401. Licensed under Creative Commons Attribution-ShareAlike 4.0
International (CC BY-SA 4.0): https://creativecommons.org/licenses/by-sa/4.0/
TXT
fi
speakers=$(find "$dest/recordings" -maxdepth 1 -name '*.wav' -printf '%f\n' | cut -d_ -f2 | sort -u | tr '\n' ' ')
echo "FSDD: $n recordings in $dest/recordings (speakers: $speakers)"
echo "Licence: CC BY-SA 4.0 (Jakobovski et al.); keep $dest/README.md and $dest/LICENSE with the data."
