#!/usr/bin/env bash
# A single-node Slurm cluster (slurmctld, slurmd and its own munged) for the
# tests, started without systemd, with every file it writes under DIR.
#   scripts/slurm-local.sh start DIR   start it; prints DIR/slurm.conf
#   scripts/slurm-local.sh stop DIR    stop what start started, by recorded pid
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf. Needs root (slurmd
# starts jobs as their users) and the packages from scripts/install-deps.sh.
# Ports: SLURM_LOCAL_PORT (default 6817) for slurmctld, the next one for slurmd.
# Job slots: SLURM_LOCAL_CPUS (default 8), advertised whatever nproc says, so
# that trivial jobs do not queue behind each other; not for CPU-heavy tests.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")

fail() {
  echo "slurm-local: $*" >&2
  echo "slurm-local: to set it up: run scripts/install-deps.sh as root (it installs munge, slurmctld," \
    "slurmd and slurm-client); logs are in $dir/log" >&2
  exit 1
}

wait_gone() {
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

stop() {
  for name in slurmd slurmctld munged; do
    [ -s "$dir/run/$name.pid" ] || continue
    pid=$(cat "$dir/run/$name.pid")
    kill "$pid" 2>/dev/null && wait_gone "$pid"
    rm -f "$dir/run/$name.pid"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || fail "must run as root: slurmd starts jobs as their users"
  for program in munged slurmctld slurmd sbatch; do
    command -v "$program" >/dev/null || PATH=$PATH:/usr/sbin command -v "$program" >/dev/null ||
      fail "$program is not installed"
  done
  export PATH=$PATH:/usr/sbin
  stop  # what an earlier start in DIR left running
  rm -rf "$dir/ctld" "$dir/d" "$dir/run" "$dir/log" "$dir/munge-socket"
  mkdir -p "$dir/ctld" "$dir/d" "$dir/run" "$dir/log" "$dir/munge" "$dir/munge-socket"
  chmod 0755 "$dir"
  runuser -u munge -- test -x "$dir" ||
    fail "the user munge cannot reach $dir: every directory above it must be searchable by others (chmod o+x)"
  local port=${SLURM_LOCAL_PORT:-6817}
  local cpus=${SLURM_LOCAL_CPUS:-8}

  # A munged of our own, on its own socket and key: the machine's may not run.
  [ -s "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
  # munged wants its key private and its socket's directory open to all.
  chown -R munge:munge "$dir/munge" "$dir/munge-socket"
  chmod 0700 "$dir/munge"
  chmod 0755 "$dir/munge-socket"
  chmod 0400 "$dir/munge/munge.key"
  runuser -u munge -- munged --key-file="$dir/munge/munge.key" --socket="$dir/munge-socket/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" ||
    fail "munged did not start (see $dir/munge/munged.log)"
  cp "$dir/munge/munged.pid" "$dir/run/munged.pid"

  # proctrack/pgid: without cgroups (not writable here), the process group is
  # what lets scancel reach a job's processes whose parent has ended;
  # proctrack/linuxproc loses them. KillWait: seconds from SIGTERM to SIGKILL.
  cat >"$dir/slurm.conf" <<CONF
ClusterName=weft-test
SlurmctldHost=localhost(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge-socket/munge.socket
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=3600
KillWait=2
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf

  slurmctld -i -f "$SLURM_CONF" >"$dir/log/slurmctld.stdout" 2>&1 || fail "slurmctld did not start"
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld does not answer (see $dir/log/slurmctld.log)"
  slurmd -N localhost -f "$SLURM_CONF" >"$dir/log/slurmd.stdout" 2>&1 || fail "slurmd did not start"
  for _ in $(seq 100); do sinfo -h -N -o %T 2>/dev/null | grep -qx idle && break; sleep 0.1; done
  sinfo -h -N -o %T | grep -qx idle || fail "the node is not idle: $(sinfo -h -N -o '%N %T %E' 2>&1)"
  echo "$SLURM_CONF"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
