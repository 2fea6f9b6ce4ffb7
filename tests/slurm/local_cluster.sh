#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, for tests: Debian's munge and slurm-wlm, every file
# (key, sockets, state, logs, slurm.conf) under one directory, nothing system-wide touched.
#
#   source tests/slurm/local_cluster.sh
#   cluster_start DIR     # munged, slurmctld, slurmd; exports SLURM_CONF; waits until idle
#   cluster_stop DIR      # stops, by PID, every daemon cluster_start started
#
# Needs root (slurmd runs jobs as their user) and ProctrackType=proctrack/linuxproc +
# TaskPlugin=task/none (no cgroups in containers).

# A TCP port on localhost that nothing listens on.
cluster_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "local_cluster: no free port found" >&2
  return 1
}

# Starts DAEMON ARGS... in the background with its output in DIR/NAME.out and its PID in
# DIR/NAME.pid (the daemons run in the foreground, so the PID is theirs).
cluster_spawn() {
  local dir=$1 name=$2
  shift 2
  "$@" >"$dir/$name.out" 2>&1 &
  echo $! >"$dir/$name.pid"
}

cluster_write_conf() {
  local dir=$1 node=$2 ctld_port slurmd_port
  ctld_port=$(cluster_free_port)
  slurmd_port=$(cluster_free_port)
  cat >"$dir/slurm.conf" <<EOF
ClusterName=critnet-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pidfile
SlurmdPidFile=$dir/slurmd.pidfile
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=critnet Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

cluster_start() {
  local dir node
  dir=$(realpath "$1")
  node=$(hostname -s)
  for tool in munged slurmctld slurmd sbatch sinfo; do
    command -v "$tool" >/dev/null || {
      echo "local_cluster: $tool not found (apt-get install slurm-wlm munge)" >&2
      return 1
    }
  done
  mkdir -p "$dir/state" "$dir/spool"
  chmod 755 "$dir"
  head -c 1024 /dev/urandom >"$dir/munge.key"
  chmod 600 "$dir/munge.key"
  cluster_spawn "$dir" munged munged --foreground --force --socket="$dir/munge.socket" \
    --key-file="$dir/munge.key" --pid-file="$dir/munged.pidfile" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
  cluster_wait 10 test -S "$dir/munge.socket" || {
    cat "$dir/munged.out" >&2
    return 1
  }
  cluster_write_conf "$dir" "$node"
  export SLURM_CONF=$dir/slurm.conf
  cluster_spawn "$dir" slurmctld slurmctld -D -c -f "$SLURM_CONF"
  cluster_spawn "$dir" slurmd slurmd -D -f "$SLURM_CONF" -N "$node"
  if ! cluster_wait 30 cluster_node_ready; then
    echo "local_cluster: the node did not come up; slurmctld/slurmd said:" >&2
    tail -n 20 "$dir/slurmctld.out" "$dir/slurmd.out" >&2
    return 1
  fi
}

cluster_node_ready() {
  [ "$(sinfo -h -o '%t' 2>/dev/null)" = idle ]
}

# cluster_wait SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
cluster_wait() {
  local limit=$1
  shift
  local tries=$((limit * 5))
  for _ in $(seq 1 "$tries"); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

cluster_stop() {
  local dir pid
  dir=$(realpath "$1")
  # Jobs still queued or running (a failed test) go first, so no job step outlives the node.
  SLURM_CONF=$dir/slurm.conf scancel --user="$(id -un)" 2>/dev/null || true
  for name in slurmd slurmctld munged; do
    [ -f "$dir/$name.pid" ] || continue
    pid=$(cat "$dir/$name.pid")
    kill "$pid" 2>/dev/null || continue
    cluster_wait 15 cluster_gone "$pid" || kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
  done
}

cluster_gone() {
  ! kill -0 "$1" 2>/dev/null
}
