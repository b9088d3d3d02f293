# Sourced by the bench scripts: paths resolved from this folder's location, so the scripts run
# the same from any working directory.
#   BENCH_DIR  this folder (scripts/bench)        REPO_ROOT  the repository root
#   fsdd_dir [DIR]  prints DIR, else $LSM_FSDD_DIR, else ../shared/datasets/fsdd/recordings
#                   beside the repository, as an absolute path; fails with a hint if missing.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/../.." && pwd)"

fsdd_dir() {
  local d="${1:-${LSM_FSDD_DIR:-$REPO_ROOT/../shared/datasets/fsdd/recordings}}"
  if [[ ! -d "$d" ]]; then
    echo "error: FSDD recordings folder '$d' not found: pass the folder (--data DIR) or set LSM_FSDD_DIR;" \
      "to download FSDD run scripts/fetch-fsdd.sh DEST and use DEST/recordings" >&2
    return 2
  fi
  (cd "$d" && pwd)
}

# cargo_target: $CARGO_TARGET_DIR as an absolute path (default: $1 under the repository root).
cargo_target() {
  realpath -m "${CARGO_TARGET_DIR:-$REPO_ROOT/${1:-target}}"
}
