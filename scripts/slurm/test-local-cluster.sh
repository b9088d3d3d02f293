#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to check that a sharded search gives the same
# trials as the same search run without Slurm.
#
#   bash scripts/slurm/test-local-cluster.sh      (as root, or with sudo for apt and the daemons)
#
# Installs Debian's slurm-wlm and munge when missing, starts munged, slurmctld and slurmd with a
# minimal slurm.conf generated in a temporary folder (this machine's hostname and CPU count),
# submits a small Mackey-Glass search as an array of 4 tasks (`sbatch --wait`), merges the
# shards with `lsm search report`, runs the same search locally, checks both agree trial for
# trial (parameters, seeds and scores; only the seconds differ), then stops the daemons.
# The lsm binary is $LSM (default: target/release/lsm, built when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
sudo_=""
if [ "$(id -u)" != 0 ]; then sudo_=sudo; fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    $sudo_ apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y slurm-wlm munge
fi
LSM=${LSM:-$repo/target/release/lsm}
if [ ! -x "$LSM" ]; then
    cargo build --release -p lsm-cli
fi
LSM=$(realpath "$LSM")

tmp=$(mktemp -d /tmp/lsm-slurm.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do $sudo_ kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
}
trap cleanup EXIT

# munge: a key of its own for this test, a socket in the temporary folder.
mkdir -p "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1 count=1024 status=none
chmod 755 "$tmp/munge"; chmod 400 "$tmp/munge/munge.key"
sock="$tmp/munge/munge.socket"
$sudo_ munged --force --key-file="$tmp/munge/munge.key" --socket="$sock" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/seed"
for _ in $(seq 50); do [ -s "$tmp/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$tmp/munge/munged.pid")")

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=lsmtest
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
$sudo_ env SLURM_CONF="$SLURM_CONF" slurmctld -D -i >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
$sudo_ env SLURM_CONF="$SLURM_CONF" slurmd -D >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then break; fi
    sleep 0.2
done
sinfo -h -o "%P %D %c %T" || { echo "slurm did not start; logs in $tmp" >&2; exit 1; }

# The search: a small echo state network on Mackey-Glass, 12 Sobol trials.
work=$tmp/work
mkdir -p "$work"
"$LSM" default-config --task mackey-glass > "$work/base.json"
small_config() { sed -e "s/\"n_units\": [0-9]*/\"n_units\": 40/" -e "s/\"trials\": [0-9]*/\"trials\": 10/" "$1"; }
small_config "$work/base.json" > "$work/mg.json"
cat > "$work/space.json" <<'SPACE'
{
  "objective": "validation_nrmse",
  "params": {
    "reservoir.spectral_radius": {"uniform": [0.5, 1.3]},
    "reservoir.leak_rate": {"log_uniform": [0.1, 1.0]},
    "reservoir.input_scaling": {"log_uniform": [0.1, 2.0]}
  }
}
SPACE
flags=(--sampler sobol --seed 5)
t0=$(date +%s)
LSM="$LSM" sbatch --wait --array=0-3 --cpus-per-task=1 --chdir="$work" --output="$work/task-%a.out" \
    "$repo/scripts/slurm/search.sbatch" "$work/mg.json" "$work/space.json" mackey-glass 12 "$work/shards" \
    "${flags[@]}"
echo "slurm array of 4 tasks done in $(( $(date +%s) - t0 )) s"
"$LSM" search report "$work"/shards/results_*.jsonl --merged "$work/merged.jsonl" --top 3
"$LSM" --quiet search --config "$work/mg.json" --space "$work/space.json" --data mackey-glass \
    --trials 12 --out "$work/local.jsonl" --no-test "${flags[@]}" > /dev/null
"$LSM" --quiet search report "$work/local.jsonl" --merged "$work/local-merged.jsonl" > /dev/null
strip() { sed -e 's/"seconds":[^,}]*,\{0,1\}//' "$1"; }
if diff <(strip "$work/merged.jsonl") <(strip "$work/local-merged.jsonl") > "$work/diff.txt"; then
    echo "OK: the 4 Slurm shards merged equal the local search, trial for trial ($(($(wc -l < "$work/merged.jsonl") - 1)) trials)"
else
    echo "FAILED: the merged shards differ from the local search:" >&2
    head -20 "$work/diff.txt" >&2
    exit 1
fi
