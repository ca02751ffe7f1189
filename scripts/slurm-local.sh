#!/usr/bin/env bash
# A single-node Slurm cluster (slurmctld, slurmd, slurmrestd and its own
# munged) for the tests, started without systemd, with every file it writes
# under DIR.
#   scripts/slurm-local.sh start DIR   start it; prints DIR/slurm.conf
#   scripts/slurm-local.sh stop DIR    stop what start started, by recorded pid
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf. Needs root (slurmd
# starts jobs as their users) and the packages from scripts/install-deps.sh.
# Ports: SLURM_LOCAL_PORT (default 6817) for slurmctld, the next one for slurmd,
# the third one after it for slurmrestd (127.0.0.1 only, JWT auth). Its URL
# is in DIR/rest/url, and DIR/rest/token holds a JWT for root (2 hours).
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
    "slurmd, slurm-client, slurmrestd and slurm-wlm-jwt-plugin); logs are in $dir/log" >&2
  exit 1
}

wait_gone() {
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

stop() {
  for name in slurmrestd slurmd slurmctld munged; do
    [ -s "$dir/run/$name.pid" ] || continue
    pid=$(cat "$dir/run/$name.pid")
    kill "$pid" 2>/dev/null && wait_gone "$pid"
    rm -f "$dir/run/$name.pid"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || fail "must run as root: slurmd starts jobs as their users"
  for program in munged slurmctld slurmd sbatch slurmrestd; do
    command -v "$program" >/dev/null || PATH=$PATH:/usr/sbin command -v "$program" >/dev/null ||
      fail "$program is not installed"
  done
  export PATH=$PATH:/usr/sbin
  stop  # what an earlier start in DIR left running
  rm -rf "$dir/ctld" "$dir/d" "$dir/run" "$dir/log" "$dir/munge-socket" "$dir/rest"
  mkdir -p "$dir/ctld" "$dir/d" "$dir/run" "$dir/log" "$dir/munge" "$dir/munge-socket" "$dir/rest"
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

  # The key slurmctld signs and checks JWTs with (scontrol token, slurmrestd).
  dd if=/dev/urandom of="$dir/ctld/jwt.key" bs=32 count=1 2>/dev/null
  chmod 0600 "$dir/ctld/jwt.key"

  # proctrack/pgid: without cgroups (not writable here), the process group is
  # what lets scancel reach a job's processes whose parent has ended;
  # proctrack/linuxproc loses them. KillWait: seconds from SIGTERM to SIGKILL.
  cat >"$dir/slurm.conf" <<CONF
ClusterName=weft-test
SlurmctldHost=localhost(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$dir/ctld/jwt.key
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
  start_slurmrestd "$((port + 3))"
  echo "$SLURM_CONF"
}

# slurmrestd refuses to run as root: it runs as the user slurmrest (made
# here if missing). SLURM_JWT=daemon makes it pass each client's token on to
# slurmctld; without it, it talks munge and rejects every token.
start_slurmrestd() {
  local rest_port=$1
  id slurmrest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin slurmrest ||
    fail "cannot create the user slurmrest that slurmrestd runs as"
  SLURM_JWT=daemon slurmrestd -f "$SLURM_CONF" -u slurmrest -g slurmrest -a rest_auth/jwt -s openapi/v0.0.38 \
    "127.0.0.1:$rest_port" >"$dir/log/slurmrestd.log" 2>&1 &
  echo $! >"$dir/run/slurmrestd.pid"
  local url="http://127.0.0.1:$rest_port"
  # Without credentials slurmrestd answers 401: enough to know it listens.
  for _ in $(seq 100); do curl -s -o /dev/null "$url/slurm/v0.0.38/ping" && break; sleep 0.1; done
  curl -s -o /dev/null "$url/slurm/v0.0.38/ping" || fail "slurmrestd does not answer (see $dir/log/slurmrestd.log)"
  echo "$url" >"$dir/rest/url"
  (umask 077 && scontrol token username=root lifespan=7200 | sed -n 's/^SLURM_JWT=//p' >"$dir/rest/token")
  [ -s "$dir/rest/token" ] || fail "scontrol token made no token (see $dir/log/slurmctld.log)"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
