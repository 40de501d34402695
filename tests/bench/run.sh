#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Measures Tandem on this machine: builds tandem-bench and the servers,
# starts a throwaway MariaDB and the three servers on loopback ports, runs
# each tandem-bench scenario for a bounded time, prints the figures with the
# machine they came from, and tears everything down (also on Ctrl-C or a
# failure). Not part of CI: the figures depend on the machine.
#
# Usage: tests/bench/run.sh [options] [-- tandem-bench flags...]
#   --build-dir DIR     build tree to use (default: build/ of this checkout)
#   --no-build          use the binaries already in the build tree
#   --scenarios LIST    comma-separated scenarios (default: all, in order
#                       create-ticket,get-ticket,list-tickets,create-account,
#                       ticket-with-account,mixed)
#   --duration D        recorded time per scenario (default 10s)
#   --warmup D          unrecorded warm-up per scenario (default 2s)
#   --concurrency N     load threads (default 8)
#   --log-level L       the servers' log level (default info, as deployed)
#   --keep DIR          copy the JSON results, server logs and /metrics
#                       snapshots into DIR before cleaning up
# Flags after -- go to every tandem-bench run, e.g. -- --channels 1.
# Environment variables of the same names (BENCH_DURATION, BENCH_WARMUP,
# BENCH_CONCURRENCY, BENCH_SCENARIOS) set the defaults.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../../deploy/local/lib.sh
. "$repo/deploy/local/lib.sh"
TANDEM_LOG_TAG=bench

readonly SERVICES=(success support metrics) # start order; stopped in reverse
readonly READY_TIMEOUT=120
readonly STOP_TIMEOUT=30

build=$repo/build
do_build=1
scenarios=${BENCH_SCENARIOS:-create-ticket,get-ticket,list-tickets,create-account,ticket-with-account,mixed}
duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-2s}
concurrency=${BENCH_CONCURRENCY:-8}
log_level=info
keep=
bench_args=()

state=
db_started=0
have_curl=0
bench_pid=
declare -A grpc_port=() metrics_port=() server_pid=()

usage() {
  awk 'NR == 1 || /shellcheck/ { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

parse_args() {
  while (($# > 0)); do
    case $1 in
      --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
      --no-build) do_build=0; shift ;;
      --scenarios) scenarios=${2:?--scenarios needs a list}; shift 2 ;;
      --duration) duration=${2:?--duration needs a value}; shift 2 ;;
      --warmup) warmup=${2:?--warmup needs a value}; shift 2 ;;
      --concurrency) concurrency=${2:?--concurrency needs a value}; shift 2 ;;
      --log-level) log_level=${2:?--log-level needs a value}; shift 2 ;;
      --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
      --) shift; bench_args=("$@"); break ;;
      -h | --help) usage 0 ;;
      *) tandem_log "unknown option $1"; usage 2 ;;
    esac
  done
  build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
}

build_binaries() {
  if [[ ! -f $build/CMakeCache.txt ]]; then
    tandem_log "configuring $build (Ninja, RelWithDebInfo)"
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  tandem_log "building tandem-bench and the servers in $build (-j2)"
  cmake --build "$build" -j 2 --target tandem-bench tandem-support tandem-success tandem-metrics
}

binary_of() {
  echo "$build/services/$1/tandem-$1"
}

start_mariadb() {
  local port
  port=$(tandem_free_port 0) || tandem_die "no free port for MariaDB"
  db_started=1
  "$repo/deploy/local/mariadb.sh" start "$state/mariadb" "$port"
  "$repo/deploy/local/mariadb.sh" provision "$state/mariadb"
  db_port=$port
}

start_server() {
  local svc=$1 upper=${1^^}
  local ready=$state/$svc.ready log=$state/logs/$svc.log password dsn args
  password=$(tandem_env_get "$state/mariadb/credentials.env" "TANDEM_${upper}_DB_PASSWORD")
  [[ -n $password ]] || tandem_die "no password for tandem_$svc"
  dsn="mysql://tandem_$svc:$password@127.0.0.1:$db_port/tandem_$svc"
  args=(--listen=127.0.0.1:0 --metrics-listen=127.0.0.1:0 --ready-file="$ready"
    --log-level="$log_level")
  case $svc in
    support) args+=(--success-address="127.0.0.1:${grpc_port[success]}") ;;
    metrics) args+=(--support-address="127.0.0.1:${grpc_port[support]}"
      --success-address="127.0.0.1:${grpc_port[success]}") ;;
  esac
  tandem_log "starting tandem-$svc"
  env "TANDEM_${upper}_DB_DSN=$dsn" "$(binary_of "$svc")" "${args[@]}" </dev/null >"$log" 2>&1 &
  server_pid[$svc]=$!

  tandem_wait_until_ready "$svc" "$ready" "$log" "$READY_TIMEOUT"
  tandem_log "tandem-$svc serving on 127.0.0.1:${grpc_port[$svc]}" \
    "(/metrics on 127.0.0.1:${metrics_port[$svc]})"
}

stop_servers() {
  local i svc pid
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    svc=${SERVICES[i]}
    pid=${server_pid[$svc]:-}
    [[ -n $pid ]] || continue
    tandem_stop_pid "$pid" "$STOP_TIMEOUT" || true
    wait "$pid" 2>/dev/null || true
    unset "server_pid[$svc]"
  done
}

cleanup() {
  local status=$?
  trap '' INT TERM HUP
  ((status == 0)) || tandem_log "stopping everything (exit status $status)"
  if [[ -n $bench_pid ]] && tandem_pid_alive "$bench_pid"; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  stop_servers
  if ((db_started)); then
    "$repo/deploy/local/mariadb.sh" stop "$state/mariadb" >/dev/null 2>&1 ||
      tandem_warn "MariaDB did not stop cleanly"
  fi
  if [[ -n $state && -d $state ]]; then
    if [[ -n $keep ]]; then
      mkdir -p "$keep"
      cp -r "$state/results" "$state/logs" "$keep/" 2>/dev/null || true
      cp "$state/mariadb/mariadb.log" "$keep/logs/" 2>/dev/null || true
      tandem_log "results, logs and /metrics snapshots kept in $keep"
    fi
    rm -rf -- "$state"
  fi
  exit "$status"
}

# Prints the CPU time (clock ticks, user + system) PID has used.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # After the command name: field 3 is the state, 14 and 15 user and system.
  awk '{ print $12 + $13 }' <<<"$stat"
}

# Sets the variable named $1 to the CPU seconds (user + system) of this
# shell's reaped children. `times` must run in this shell, not a subshell.
children_cpu() {
  times >"$state/times"
  printf -v "$1" '%s' "$(awk 'NR == 2 {
    total = 0
    for (i = 1; i <= 2; i++) {
      split($i, part, "m"); sub(/s$/, "", part[2]); total += part[1] * 60 + part[2]
    }
    print total
  }' "$state/times")"
}

# Saves every server's /metrics to $state/results/NAME.SVC.prom (empty
# files without curl).
snapshot_metrics() {
  local name=$1 svc
  for svc in "${SERVICES[@]}"; do
    if ((!have_curl)); then
      : >"$state/results/$name.$svc.prom"
      continue
    fi
    curl -fsS --max-time 5 "http://127.0.0.1:${metrics_port[$svc]}/metrics" \
      >"$state/results/$name.$svc.prom" 2>/dev/null || : >"$state/results/$name.$svc.prom"
  done
}

# Prints, per RPC the servers handled between two snapshots, the calls and
# their mean handling time inside the server (from
# tandem_grpc_server_handling_seconds), to compare with what the client saw.
server_side_table() {
  local before=$1 after=$2 svc
  printf '  %-8s %-22s %22s %14s\n' server method "calls (with warm-up)" "mean in server"
  for svc in "${SERVICES[@]}"; do
    awk -v svc="$svc" '
      function key(line) {
        match(line, /grpc_method="[^"]*"/)
        return substr(line, RSTART + 13, RLENGTH - 14)
      }
      /^tandem_grpc_server_handling_seconds_(sum|count)\{/ {
        kind = ($0 ~ /_sum\{/) ? "sum" : "count"
        value = $NF
        if (FILENAME == ARGV[1]) old[kind, key($0)] = value
        else new[kind, key($0)] = value
        methods[key($0)] = 1
      }
      END {
        for (m in methods) {
          calls = new["count", m] - old["count", m]
          if (calls <= 0) continue
          printf "  %-8s %-22s %22d %12.2fms\n", svc, m, calls,
            1000 * (new["sum", m] - old["sum", m]) / calls
        }
      }' "$state/results/$before.$svc.prom" "$state/results/$after.$svc.prom"
  done
}

run_scenario() {
  local name=$1 svc tck=$2
  local -A ticks_before=()
  local db_pid
  db_pid=$(cat "$state/mariadb/mariadb.pid")
  for svc in "${SERVICES[@]}"; do ticks_before[$svc]=$(cpu_ticks "${server_pid[$svc]}"); done
  ticks_before[mariadb]=$(cpu_ticks "$db_pid")
  snapshot_metrics "$name.before"

  echo
  echo "=== $name === (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  # The bench runs in the background so that a signal reaches the traps at
  # once; the shell's `times` (CPU of reaped children) gives its CPU time.
  local status=0 children_before children_after started=$EPOCHREALTIME
  children_cpu children_before
  "$build/tools/tandem-bench/tandem-bench" \
    --scenario="$name" --duration="$duration" --warmup="$warmup" \
    --concurrency="$concurrency" --json-out="$state/results/$name.json" \
    --support-address="127.0.0.1:${grpc_port[support]}" \
    --success-address="127.0.0.1:${grpc_port[success]}" \
    --metrics-address="127.0.0.1:${grpc_port[metrics]}" \
    "${bench_args[@]}" >"$state/results/$name.txt" 2>"$state/results/$name.stderr" &
  bench_pid=$!
  wait "$bench_pid" || status=$?
  bench_pid=
  children_cpu children_after
  cat "$state/results/$name.txt"
  if ((status != 0)); then
    cat "$state/results/$name.stderr" >&2
    tandem_warn "scenario $name failed (exit status $status)"
    return 1
  fi
  snapshot_metrics "$name.after"

  echo
  if ((have_curl)); then
    echo "Inside the servers (from their /metrics):"
    server_side_table "$name.before" "$name.after"
  else
    echo "Inside the servers: not shown (install curl to read the servers' /metrics)"
  fi
  local calls real
  real=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  # Calls the load made (warm-up included), to put CPU time per call.
  calls=$(sed -n 's/^ *"calls_made": *\([0-9]*\).*/\1/p' "$state/results/$name.json")
  echo
  echo "CPU used during the scenario ($(nproc) cores x ${real}s wall;" \
    "per call = over the $calls calls made, warm-up included):"
  printf '  %-14s %8s %12s\n' process "CPU s" "CPU us/call"
  cpu_row tandem-bench "$(awk -v a="$children_before" -v b="$children_after" \
    'BEGIN { print b - a }')" "$calls"
  for svc in "${SERVICES[@]}"; do
    cpu_row "tandem-$svc" "$(awk -v a="${ticks_before[$svc]}" \
      -v b="$(cpu_ticks "${server_pid[$svc]}")" -v t="$tck" 'BEGIN { print (b - a) / t }')" "$calls"
  done
  cpu_row mariadbd "$(awk -v a="${ticks_before[mariadb]}" -v b="$(cpu_ticks "$db_pid")" \
    -v t="$tck" 'BEGIN { print (b - a) / t }')" "$calls"
  echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Prints one row of the CPU table: NAME, CPU SECONDS, CALLS.
cpu_row() {
  awk -v n="$1" -v c="$2" -v k="$3" \
    'BEGIN { printf "  %-14s %8.2f %12.0f\n", n, c, (k > 0 ? 1e6 * c / k : 0) }'
}

print_machine() {
  echo "Machine"
  echo "  cores:   $(nproc)"
  echo "  CPU:     $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "  memory:  $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "  kernel:  $(uname -r)"
  echo "  MariaDB: $("$(command -v mariadbd || echo /usr/sbin/mariadbd)" --version 2>/dev/null |
    awk '{ print $3 }') (innodb_flush_log_at_trx_commit=2, deploy/local/mariadb.sh)"
  echo "  load:    concurrency $concurrency, ${duration} recorded after ${warmup} warm-up per" \
    "scenario; client and servers share the machine"
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}

main() {
  parse_args "$@"
  ((do_build)) && build_binaries
  local svc
  for svc in "${SERVICES[@]}"; do
    [[ -x $(binary_of "$svc") ]] || tandem_die "$(binary_of "$svc") is missing: build first"
  done
  [[ -x $build/tools/tandem-bench/tandem-bench ]] ||
    tandem_die "$build/tools/tandem-bench/tandem-bench is missing: build first"

  command -v curl >/dev/null 2>&1 && have_curl=1

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  state=$(mktemp -d "${TMPDIR:-/tmp}/tandem-bench.XXXXXX")
  mkdir -p "$state/logs" "$state/results" "$state/mariadb"

  # Fresh secrets for this run only; the servers and tandem-bench read them
  # from the environment. A token from the caller's shell would not match.
  unset TANDEM_TOKEN TANDEM_BENCH_TOKEN
  TANDEM_JWT_SECRET=$(tandem_random_hex 32)
  TANDEM_PAGE_TOKEN_KEY=$(tandem_random_hex 32)
  export TANDEM_JWT_SECRET TANDEM_PAGE_TOKEN_KEY

  start_mariadb
  for svc in "${SERVICES[@]}"; do start_server "$svc"; done

  echo
  print_machine
  local name failed=0 tck
  tck=$(getconf CLK_TCK)
  IFS=, read -r -a names <<<"$scenarios"
  for name in "${names[@]}"; do
    run_scenario "$name" "$tck" || failed=1
  done
  echo
  ((failed == 0)) || tandem_die "at least one scenario failed"
  tandem_log "done"
}

main "$@"
