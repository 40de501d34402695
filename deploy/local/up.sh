#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs Tandem on this machine: installs the Debian packages that are missing,
# builds, starts a private MariaDB and the three servers (success, support,
# metrics), prints their addresses and a development token, and stays in the
# foreground. Ctrl-C (or SIGTERM) stops everything and exits 0; if a server
# dies, its log is shown, everything stops and the exit status is 1.
#
# Usage: deploy/local/up.sh [--no-build]
#   --no-build   use the binaries already in build/
#
# State lives in .tandem/ at the top of the checkout and survives restarts:
#   mariadb/     the database server's files; a second run keeps the data
#   secrets.env  the JWT secret and the page-token key, generated once
#   logs/        one log per server (the previous run's as *.previous.log)
#   env          export lines for another shell: source .tandem/env
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
TANDEM_LOG_TAG=up

readonly SERVICES=(success support metrics) # start order; stopped in reverse
readonly READY_TIMEOUT=120
readonly STOP_TIMEOUT=30

state=$repo/.tandem
db_state=$state/mariadb
logs=$state/logs
run=$state/run
build=$repo/build
ctl=$build/tools/tandemctl/tandemctl

declare -A grpc_port=() metrics_port=() server_pid=()
db_port=
db_started=0
ticker_pid=

usage() {
  awk 'NR == 1 || /shellcheck/ { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

binary_of() {
  echo "$build/services/$1/tandem-$1"
}

build_tandem() {
  tandem_log "configuring and building (Ninja, -j2; the first build takes a while)"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$build" -j 2
}

check_binaries() {
  local svc
  for svc in "${SERVICES[@]}"; do
    [[ -x $(binary_of "$svc") ]] || tandem_die "$(binary_of "$svc") is missing: run without --no-build"
  done
  [[ -x $ctl ]] || tandem_die "$ctl is missing: run without --no-build"
}

# Stops servers that an earlier run left behind (for example when it was
# killed with SIGKILL), so that they do not keep using the database.
stop_leftovers() {
  local svc pid_file pid argv0
  for svc in "${SERVICES[@]}"; do
    pid_file=$run/$svc.pid
    [[ -r $pid_file ]] || continue
    pid=$(<"$pid_file")
    rm -f "$pid_file"
    [[ $pid =~ ^[0-9]+$ ]] || continue
    tandem_pid_alive "$pid" || continue
    argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1) || continue
    [[ ${argv0##*/} == "tandem-$svc" ]] || continue
    tandem_log "stopping tandem-$svc left over from an earlier run (pid $pid)"
    tandem_stop_pid "$pid" "$STOP_TIMEOUT" || true
  done
}

start_mariadb() {
  if "$here/mariadb.sh" status "$db_state" >/dev/null 2>&1; then
    db_port=$(<"$db_state/port")
  else
    local saved=0
    [[ -r $db_state/port ]] && saved=$(<"$db_state/port")
    db_port=$(tandem_free_port "$saved") || tandem_die "no free port for MariaDB"
  fi
  db_started=1
  "$here/mariadb.sh" start "$db_state" "$db_port"
  "$here/mariadb.sh" provision "$db_state"
}

show_log_tail() {
  tandem_log "last lines of $logs/$1.log:"
  tail -n 40 "$logs/$1.log" >&2 || true
}

start_server() {
  local svc=$1 upper=${1^^}
  local ready=$run/$svc.ready log=$logs/$svc.log
  local password dsn server_args
  password=$(tandem_env_get "$db_state/credentials.env" "TANDEM_${upper}_DB_PASSWORD")
  [[ -n $password ]] || tandem_die "no password for tandem_$svc in $db_state/credentials.env"
  # Generated passwords are hex, so the DSN needs no percent-encoding.
  dsn="mysql://tandem_$svc:$password@127.0.0.1:$db_port/tandem_$svc"
  tandem_loopback_args "$svc" "$ready"

  rm -f "$ready"
  [[ -f $log ]] && mv -f "$log" "$logs/$svc.previous.log"
  tandem_log "starting tandem-$svc on 127.0.0.1:${grpc_port[$svc]}"
  # Secrets travel in the environment, not on the command line (visible in ps).
  env "TANDEM_${upper}_DB_DSN=$dsn" "$(binary_of "$svc")" "${server_args[@]}" </dev/null >"$log" 2>&1 &
  server_pid[$svc]=$!
  echo "${server_pid[$svc]}" >"$run/$svc.pid"

  tandem_wait_until_ready "$svc" "$ready" "$log" "$READY_TIMEOUT"
}

stop_servers() {
  local i svc pid status
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    svc=${SERVICES[i]}
    pid=${server_pid[$svc]:-}
    [[ -n $pid ]] || continue
    if tandem_pid_alive "$pid"; then
      tandem_log "stopping tandem-$svc (pid $pid)"
      tandem_stop_pid "$pid" "$STOP_TIMEOUT" || true
    fi
    status=0
    wait "$pid" 2>/dev/null || status=$?
    ((status == 0)) || tandem_warn "tandem-$svc exited with status $status"
    rm -f "$run/$svc.pid" "$run/$svc.ready"
    unset "server_pid[$svc]"
  done
}

on_exit() {
  local status=$?
  trap '' INT TERM HUP
  [[ -n $ticker_pid ]] && kill "$ticker_pid" 2>/dev/null
  stop_servers
  if ((db_started)); then
    "$here/mariadb.sh" stop "$db_state" || status=1
  fi
  tandem_log "stopped (exit status $status)"
  exit "$status"
}

print_banner() {
  local token svc
  if ! token=$("$ctl" token --tenant demo --role admin --subject dev --ttl 24h); then
    tandem_warn "tandemctl token failed; no development token"
    token=
  fi
  (
    umask 077
    {
      echo "# Written by deploy/local/up.sh for the servers it is running now."
      echo "export TANDEM_SUPPORT_ADDRESS=127.0.0.1:${grpc_port[support]}"
      echo "export TANDEM_SUCCESS_ADDRESS=127.0.0.1:${grpc_port[success]}"
      echo "export TANDEM_METRICS_ADDRESS=127.0.0.1:${grpc_port[metrics]}"
      echo "export TANDEM_TOKEN=$token"
    } >"$state/env"
  )

  cat <<EOF

Tandem is running. Ctrl-C stops everything.

  service   gRPC                 Prometheus
EOF
  for svc in support success metrics; do
    printf '  %-9s 127.0.0.1:%-10s   http://127.0.0.1:%s/metrics\n' \
      "$svc" "${grpc_port[$svc]}" "${metrics_port[$svc]}"
  done
  cat <<EOF
  mariadb   127.0.0.1:$db_port      (root shell: deploy/local/mariadb.sh shell .tandem/mariadb)
  logs      $logs/

Development token (tenant demo, role admin, valid 24h):
  $token

In another shell (or: source .tandem/env):
  export TANDEM_SUPPORT_ADDRESS=127.0.0.1:${grpc_port[support]}
  export TANDEM_SUCCESS_ADDRESS=127.0.0.1:${grpc_port[success]}
  export TANDEM_METRICS_ADDRESS=127.0.0.1:${grpc_port[metrics]}
  export TANDEM_TOKEN=$token
  tandemctl=$ctl
  \$tandemctl accounts create --display-name "Acme Corp"
  \$tandemctl tickets create --subject "Cannot sign in" --account accounts/ID
  \$tandemctl tickets list
  \$tandemctl freshness

EOF
}

# Waits until a server exits or MariaDB goes away (checked every 5 s).
monitor() {
  local svc status
  while :; do
    sleep 5 &
    ticker_pid=$!
    wait -n "${server_pid[@]}" "$ticker_pid" || true
    kill "$ticker_pid" 2>/dev/null || true
    ticker_pid=
    for svc in "${SERVICES[@]}"; do
      tandem_pid_alive "${server_pid[$svc]}" && continue
      status=0
      wait "${server_pid[$svc]}" || status=$?
      unset "server_pid[$svc]"
      show_log_tail "$svc"
      tandem_log "ERROR: tandem-$svc exited with status $status; stopping everything"
      exit 1
    done
    if ! "$here/mariadb.sh" status "$db_state" >/dev/null; then
      tandem_log "ERROR: MariaDB stopped; stopping everything"
      tail -n 25 "$db_state/mariadb.log" >&2 || true
      exit 1
    fi
  done
}

main() {
  local do_build=1 arg
  for arg in "$@"; do
    case $arg in
      --no-build) do_build=0 ;;
      -h | --help) usage 0 ;;
      *) tandem_log "unknown option $arg" && usage 2 ;;
    esac
  done

  tandem_install_packages || exit 1
  trap on_exit EXIT
  trap 'exit 0' INT TERM HUP
  ((do_build)) && build_tandem
  check_binaries

  mkdir -p "$state" "$logs" "$run"
  chmod 700 "$state"
  tandem_env_ensure "$state/secrets.env" TANDEM_JWT_SECRET TANDEM_PAGE_TOKEN_KEY ||
    tandem_die "cannot write $state/secrets.env"
  TANDEM_JWT_SECRET=$(tandem_env_get "$state/secrets.env" TANDEM_JWT_SECRET)
  TANDEM_PAGE_TOKEN_KEY=$(tandem_env_get "$state/secrets.env" TANDEM_PAGE_TOKEN_KEY)
  export TANDEM_JWT_SECRET TANDEM_PAGE_TOKEN_KEY

  stop_leftovers
  start_mariadb
  tandem_pick_server_ports "$db_port" || tandem_die "no free ports for the servers"
  local svc
  for svc in "${SERVICES[@]}"; do
    start_server "$svc"
  done
  print_banner
  monitor
}

main "$@"
