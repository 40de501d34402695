# shellcheck shell=bash
# Helpers shared by Tandem's local scripts (deploy/local/*.sh, tests/run.sh).
# Source it; it only defines variables and functions and changes no shell option.

# Debian packages Tandem needs to build, run and test. The single list that
# up.sh and tests/run.sh install from.
TANDEM_APT_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libmysqlcppconn-dev mariadb-server mariadb-client
  libcpp-jwt-dev prometheus-cpp-dev libspdlog-dev nlohmann-json3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  golang-github-gogo-googleapis-dev grpc-proto openssl yamllint unzip
  nodejs npm
)

# Prints a progress line on stderr, tagged with the calling script's name.
tandem_log() {
  printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${TANDEM_LOG_TAG:-tandem}" "$*" >&2
}

# Prints a warning on stderr.
tandem_warn() {
  tandem_log "WARNING: $*"
}

# Prints an error on stderr and exits 1.
tandem_die() {
  tandem_log "ERROR: $*"
  exit 1
}

# Succeeds when the Debian package PKG is installed.
tandem_package_installed() {
  local pkg=$1 status
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || status=
  [[ $status == "install ok installed" ]] && return 0
  # NodeSource's nodejs package bundles npm and conflicts with Debian's npm
  # package, so an npm on PATH counts as installed.
  [[ $pkg == npm ]] && command -v npm >/dev/null 2>&1 && return 0
  return 1
}

# Installs whichever of TANDEM_APT_PACKAGES is missing. Does no apt work at all
# when everything is present. When not root, prints the command to run and
# returns 1.
tandem_install_packages() {
  command -v dpkg-query >/dev/null 2>&1 ||
    { tandem_log "ERROR: dpkg-query not found: these scripts expect Debian 12"; return 1; }
  local pkg missing=()
  for pkg in "${TANDEM_APT_PACKAGES[@]}"; do
    tandem_package_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0

  if ((EUID != 0)); then
    tandem_log "ERROR: missing Debian packages: ${missing[*]}"
    tandem_log "Install them as root, then run this again:"
    printf '  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y %s\n' \
      "${missing[*]}" >&2
    return 1
  fi
  tandem_log "installing missing Debian packages: ${missing[*]}"
  apt-get update || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" || return 1
}

# The servers' default ports (their --listen and --metrics-listen defaults),
# which the local scripts prefer when they are free.
declare -gA TANDEM_DEFAULT_GRPC_PORT=([support]=50051 [success]=50052 [metrics]=50053)
declare -gA TANDEM_DEFAULT_METRICS_PORT=([support]=9461 [success]=9462 [metrics]=9463)

# Fills the caller's associative arrays grpc_port and metrics_port with free
# ports for each server named in the caller's SERVICES, the defaults when
# free. Ports given as arguments (e.g. the database's) are never picked.
# shellcheck disable=SC2004  # (the arrays are associative: $svc is a key, not arithmetic)
tandem_pick_server_ports() {
  local svc taken=("$@")
  for svc in "${SERVICES[@]}"; do
    grpc_port[$svc]=$(tandem_free_port "${TANDEM_DEFAULT_GRPC_PORT[$svc]}" "${taken[@]}") || return 1
    taken+=("${grpc_port[$svc]}")
    metrics_port[$svc]=$(tandem_free_port "${TANDEM_DEFAULT_METRICS_PORT[$svc]}" "${taken[@]}") || return 1
    taken+=("${metrics_port[$svc]}")
  done
}

# Sets the caller's array server_args to the flags that run server SVC on
# loopback: its ports (from the caller's grpc_port and metrics_port), its
# peers' addresses, and --ready-file READY.
# Usage: tandem_loopback_args SVC READY
tandem_loopback_args() {
  local svc=$1 ready=$2
  server_args=(--listen "127.0.0.1:${grpc_port[$svc]}"
    --metrics-listen "127.0.0.1:${metrics_port[$svc]}" --ready-file "$ready")
  case $svc in
    success) server_args+=(--support-address "127.0.0.1:${grpc_port[support]}") ;;
    support) server_args+=(--success-address "127.0.0.1:${grpc_port[success]}") ;;
    metrics) server_args+=(--support-address "127.0.0.1:${grpc_port[support]}"
      --success-address "127.0.0.1:${grpc_port[success]}") ;;
  esac
}

# Prints "GRPC_PORT METRICS_PORT" from a server's --ready-file; fails until
# the file is complete.
tandem_read_ready_file() {
  local json grpc
  json=$(cat "$1" 2>/dev/null) || return 1
  [[ $json =~ \"grpc_port\"[[:space:]]*:[[:space:]]*([0-9]+) ]] || return 1
  grpc=${BASH_REMATCH[1]}
  [[ $json =~ \"metrics_port\"[[:space:]]*:[[:space:]]*([0-9]+) ]] || return 1
  echo "$grpc ${BASH_REMATCH[1]}"
}

# Waits until tandem-SVC, started in the background as ${server_pid[SVC]},
# writes READY_FILE, then sets grpc_port[SVC] and metrics_port[SVC] from it.
# Dies after the last lines of LOG when the server exits first (its pid is
# then dropped from server_pid) or TIMEOUT seconds pass. The caller declares
# the associative arrays server_pid, grpc_port and metrics_port; run it in
# the caller's shell, not in $(...), so `wait` can reap the server.
# Usage: tandem_wait_until_ready SVC READY_FILE LOG TIMEOUT
tandem_wait_until_ready() {
  local svc=$1 ready=$2 log=$3 timeout=$4 deadline ports status
  # shellcheck disable=SC2154 # the caller's arrays
  local pid=${server_pid[$svc]}
  deadline=$((SECONDS + timeout))
  until ports=$(tandem_read_ready_file "$ready"); do
    if ! tandem_pid_alive "$pid"; then
      status=0
      wait "$pid" || status=$?
      unset "server_pid[$svc]"
      tandem_log "last lines of $log:"
      tail -n 40 "$log" >&2 || true
      tandem_die "tandem-$svc exited with status $status before it was ready"
    fi
    if ((SECONDS >= deadline)); then
      tandem_log "last lines of $log:"
      tail -n 40 "$log" >&2 || true
      tandem_die "tandem-$svc was not ready within ${timeout}s"
    fi
    sleep 0.2
  done
  read -r "grpc_port[$svc]" "metrics_port[$svc]" <<<"$ports"
}

# Prints a TCP port that nothing listens on (on any address, IPv4 or IPv6).
# Usage: tandem_free_port [PREFERRED [EXCLUDED...]]
# PREFERRED (0 for none) is returned when it is free; otherwise the kernel
# picks one. Ports listed as EXCLUDED (already handed out by the caller) and
# 3306 are never returned. The port is only free when checked, so bind it soon.
tandem_free_port() {
  local preferred=${1:-0}
  (($# > 0)) && shift
  if command -v node >/dev/null 2>&1; then
    node -e '
      const net = require("net");
      const [preferred, ...excluded] = process.argv.slice(1).map(Number);
      const skip = new Set([3306, ...excluded]);
      const listen = (port) => new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(null));
        server.listen({ port, exclusive: true }, () => resolve(server));
      });
      (async () => {
        const held = [];
        let port = 0;
        if (preferred > 0 && !skip.has(preferred)) {
          const server = await listen(preferred);
          if (server) { held.push(server); port = preferred; }
        }
        // Keep every probe open until the end so the kernel cannot hand the
        // same excluded port back twice.
        for (let tries = 0; port === 0 && tries < 64; tries++) {
          const server = await listen(0);
          if (!server) continue;
          held.push(server);
          if (!skip.has(server.address().port)) port = server.address().port;
        }
        held.forEach((server) => server.close());
        if (port === 0) process.exit(1);
        console.log(port);
      })();' -- "$preferred" "$@"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '
import socket, sys
preferred, *excluded = (int(a) for a in sys.argv[1:])
skip = {3306, *excluded}
held = []
def listen(port):
    s = socket.socket(socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET)
    try:
        s.bind(("", port)); s.listen(1); held.append(s); return s.getsockname()[1]
    except OSError:
        s.close(); return 0
port = listen(preferred) if preferred > 0 and preferred not in skip else 0
for _ in range(64):
    if port: break
    port = listen(0)
    if port in skip: port = 0
if not port: sys.exit(1)
print(port)' "$preferred" "$@"
  else
    tandem_log "ERROR: tandem_free_port needs node or python3"
    return 1
  fi
}

# Prints BYTES (default 24) random bytes as lower-case hex: safe in shell
# assignments, SQL literals and URLs without quoting.
tandem_random_hex() {
  od -An -vtx1 -N "${1:-24}" /dev/urandom | tr -d ' \n'
  echo
}

# Prints the value that FILE (lines of NAME=value) gives NAME; empty if none.
tandem_env_get() {
  sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1
}

# Makes FILE (mode 600) give every NAME a value: names without one get a new
# random hex value; existing values are kept. For secrets generated once.
tandem_env_ensure() {
  local file=$1 name
  shift
  (umask 077 && touch "$file") && chmod 600 "$file" || return 1
  for name in "$@"; do
    [[ -n $(tandem_env_get "$file" "$name") ]] && continue
    printf '%s=%s\n' "$name" "$(tandem_random_hex 32)" >>"$file" || return 1
  done
}

# Runs CMD every 0.2 s until it succeeds or TIMEOUT seconds pass.
# Usage: tandem_wait_until TIMEOUT CMD [ARGS...]; returns 1 on timeout.
tandem_wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.2
  done
}

# Succeeds when PID is alive. A zombie counts as gone: it has exited and only
# waits to be reaped (orphans may stay zombies where PID 1 does not reap).
tandem_pid_alive() {
  local stat
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Succeeds when PID is gone.
tandem_pid_gone() {
  ! tandem_pid_alive "$1"
}

# Sends SIGTERM to PID and waits up to TIMEOUT seconds (default 30) for it to
# go; then sends SIGKILL. Returns 1 if it had to be killed.
tandem_stop_pid() {
  local pid=$1 timeout=${2:-30}
  tandem_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! tandem_wait_until "$timeout" tandem_pid_gone "$pid"; then
    tandem_warn "process $pid did not stop within ${timeout}s; killing it"
    kill -KILL "$pid" 2>/dev/null
    return 1
  fi
}
