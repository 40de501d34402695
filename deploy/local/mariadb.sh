#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs a private MariaDB server whose files all live in one state directory,
# without touching the system's MariaDB service.
#
#   mariadb.sh start STATE_DIR PORT   initialises STATE_DIR/data on first use, starts the
#                                     server on 127.0.0.1:PORT and waits until it answers;
#                                     does nothing if it is already running
#   mariadb.sh stop STATE_DIR         shuts the server down cleanly and waits until it is gone
#   mariadb.sh provision STATE_DIR    creates the databases and users of the three services;
#                                     their passwords are kept in STATE_DIR/credentials.env
#   mariadb.sh status STATE_DIR       exits 0 when the server is running
#   mariadb.sh shell STATE_DIR [ARGS] opens a mariadb client as root (for people)
#
# The root password is $MARIADB_ROOT_PASSWORD when set; otherwise the first start
# generates one and keeps it in STATE_DIR/root-password. Root may connect over the
# unix socket (STATE_DIR/mariadb.sock) and over TCP from 127.0.0.1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
TANDEM_LOG_TAG=mariadb

readonly SERVICES=(support success metrics)
readonly START_TIMEOUT=60
readonly STOP_TIMEOUT=120

usage() {
  awk 'NR == 1 || /shellcheck/ { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}" >&2
  exit 2
}

# Sets the path variables for state directory $1 (made absolute).
set_paths() {
  state=$(cd "$1" && pwd) || tandem_die "no state directory $1"
  data=$state/data
  pid_file=$state/mariadb.pid
  log_file=$state/mariadb.log
  port_file=$state/port
  init_marker=$state/initialized
  root_password_file=$state/root-password
  credentials_file=$state/credentials.env
  socket=$state/mariadb.sock
  # The server's own temporary folder: servers sharing /tmp have been seen to
  # clash over internal temporary tables while several initialise at once
  # ("Unknown table 'mysql.tmp_user_sys'").
  tmp_dir=$state/tmp
  # A unix socket path must fit in 108 bytes; deep checkouts fall back to a
  # name in /tmp derived from the state directory.
  if ((${#socket} > 100)); then
    socket=/tmp/tandem-mariadb-$(printf '%s' "$state" | cksum | cut -d' ' -f1).sock
  fi
}

find_binary() {
  local name
  for name in "$@"; do
    command -v "$name" 2>/dev/null && return 0
    [[ -x /usr/sbin/$name ]] && { echo "/usr/sbin/$name"; return 0; }
  done
  tandem_die "none of $* found: install mariadb-server and mariadb-client"
}

# mariadbd refuses to run as root unless told to.
run_as=()
((EUID != 0)) || run_as=(--user=root)

# Prints the pid of this state directory's server, or fails when it is not running.
running_pid() {
  local pid
  [[ -r $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] && tandem_pid_alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "--datadir=$data" || return 1
  echo "$pid"
}

root_password() {
  if [[ -n ${MARIADB_ROOT_PASSWORD:-} ]]; then
    printf '%s\n' "$MARIADB_ROOT_PASSWORD"
  elif [[ -r $root_password_file ]]; then
    cat "$root_password_file"
  else
    return 1
  fi
}

# Quotes $1 as an SQL string literal.
sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\'\'}"
}

# Runs the mariadb client as root over the socket; extra arguments are passed on.
as_root() {
  local password
  password=$(root_password) ||
    tandem_die "no root password: set MARIADB_ROOT_PASSWORD or keep $root_password_file"
  MYSQL_PWD=$password "$(find_binary mariadb mysql)" --no-defaults --socket="$socket" \
    --user=root --connect-timeout=5 "$@"
}

# The first line of the log that this start writes (the log is kept across
# starts); set by cmd_start.
log_start_line=1

# Prints this start's errors from the log, then its last lines:
# mariadb-install-db ends with two dozen lines of advice that would hide the
# error above them.
log_tail() {
  [[ -r $log_file ]] || return 0
  local errors
  errors=$(tail -n "+$log_start_line" "$log_file" | grep 'ERROR' | tail -n 10) || true
  if [[ -n $errors ]]; then
    tandem_log "errors in $log_file:"
    printf '%s\n' "$errors" >&2
  fi
  tandem_log "last lines of $log_file:"
  tail -n 25 "$log_file" >&2
}

# Creates the data directory and sets the root accounts' passwords before the
# server ever listens on the network.
initialise() {
  local password mariadbd
  mariadbd=$(find_binary mariadbd mysqld)
  if [[ -n $(ls -A "$data" 2>/dev/null) ]]; then
    tandem_warn "$data is left from an interrupted first start; creating it again"
  fi
  rm -rf -- "${data:?}"
  if [[ -n ${MARIADB_ROOT_PASSWORD:-} ]]; then
    password=$MARIADB_ROOT_PASSWORD
  else
    password=$(tandem_random_hex 24)
    (umask 077 && printf '%s\n' "$password" >"$root_password_file")
  fi
  [[ $password != *$'\n'* ]] || tandem_die "MARIADB_ROOT_PASSWORD must be one line"

  tandem_log "initialising $data"
  mkdir -p "$tmp_dir"
  if ! "$(find_binary mariadb-install-db mysql_install_db)" --no-defaults "${run_as[@]}" \
    --datadir="$data" --tmpdir="$tmp_dir" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve >>"$log_file" 2>&1; then
    log_tail
    tandem_die "mariadb-install-db failed"
  fi

  # --bootstrap runs the statements without grant checks and without
  # networking, then exits. Only root@localhost and root@127.0.0.1 remain.
  local literal
  literal=$(sql_string "$password")
  if ! "$mariadbd" --no-defaults "${run_as[@]}" --datadir="$data" --tmpdir="$tmp_dir" --bootstrap \
    --skip-networking --log-error="$log_file" >>"$log_file" 2>&1 <<SQL; then
DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1');
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1');
FLUSH PRIVILEGES;
ALTER USER 'root'@'localhost' IDENTIFIED BY $literal;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY $literal;
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY $literal;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
SQL
    log_tail
    tandem_die "setting the root password failed"
  fi
  touch "$init_marker"
}

# Closes every inherited descriptor above stderr, so that the server does not
# hold open a pipe of whoever started this script.
close_inherited_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
      eval "exec $fd>&-" 2>/dev/null || true
    fi
  done
}

cmd_start() {
  (($# == 2)) || usage
  local port=$2 pid mariadbd
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    tandem_die "bad port '$port'"
  fi
  ((port != 3306)) || tandem_die "refusing port 3306: it belongs to the system's MySQL/MariaDB"
  mkdir -p "$1"
  chmod 700 "$1"
  set_paths "$1"

  if pid=$(running_pid); then
    local running_port
    running_port=$(cat "$port_file" 2>/dev/null || echo "?")
    [[ $running_port == "$port" ]] ||
      tandem_warn "already running on port $running_port, not $port"
    tandem_log "already running (pid $pid, port $running_port)"
    return 0
  fi
  [[ ! -f $log_file ]] || log_start_line=$(($(wc -l <"$log_file") + 1))

  mariadbd=$(find_binary mariadbd mysqld)
  if [[ ! -e $init_marker ]] || [[ -z $(ls -A "$data" 2>/dev/null) ]]; then
    rm -f "$init_marker"
    initialise
  fi
  rm -f "$pid_file" "$socket"
  mkdir -p "$tmp_dir"

  # Small-machine settings: a 256 MiB buffer pool, no performance schema.
  # innodb_flush_log_at_trx_commit=2 survives a crash of the server (not of
  # the machine) and makes commits far cheaper. Times are stored in UTC.
  (
    close_inherited_fds
    exec setsid "$mariadbd" --no-defaults "${run_as[@]}" \
      --datadir="$data" --tmpdir="$tmp_dir" --socket="$socket" --port="$port" --bind-address=127.0.0.1 \
      --pid-file="$pid_file" --log-error="$log_file" --skip-name-resolve \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --default-time-zone=+00:00 --innodb-buffer-pool-size=256M \
      --innodb-flush-log-at-trx-commit=2 --performance-schema=OFF \
      --max-connections=500 --max-allowed-packet=64M
  ) </dev/null >>"$log_file" 2>&1 &
  pid=$!
  echo "$port" >"$port_file"

  local admin password deadline=$((SECONDS + START_TIMEOUT))
  admin=$(find_binary mariadb-admin mysqladmin)
  password=$(root_password) || password=
  # ping succeeds as soon as the server accepts connections (even when it
  # refuses the credentials).
  until MYSQL_PWD=$password "$admin" --no-defaults --socket="$socket" --user=root \
    --connect-timeout=2 ping >/dev/null 2>&1; do
    if ! tandem_pid_alive "$pid"; then
      log_tail
      tandem_die "mariadbd exited during start-up (is port $port taken?)"
    fi
    if ((SECONDS >= deadline)); then
      log_tail
      kill -TERM "$pid" 2>/dev/null || true
      tandem_die "mariadbd did not answer within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  tandem_log "running on 127.0.0.1:$port (pid $pid, socket $socket)"
}

cmd_stop() {
  (($# == 1)) || usage
  if [[ ! -d $1 ]]; then
    tandem_log "not running (no $1)"
    return 0
  fi
  set_paths "$1"
  local pid
  if ! pid=$(running_pid); then
    tandem_log "not running"
    return 0
  fi
  tandem_log "stopping pid $pid"
  tandem_stop_pid "$pid" "$STOP_TIMEOUT" || return 1
  tandem_log "stopped"
}

cmd_status() {
  (($# == 1)) || usage
  [[ -d $1 ]] || { echo "not running"; return 1; }
  set_paths "$1"
  local pid
  if pid=$(running_pid); then
    echo "running (pid $pid, port $(cat "$port_file" 2>/dev/null || echo "?"), socket $socket)"
  else
    echo "not running"
    return 1
  fi
}

cmd_provision() {
  (($# == 1)) || usage
  [[ -d $1 ]] || tandem_die "no state directory $1"
  set_paths "$1"
  running_pid >/dev/null || tandem_die "not running: run 'mariadb.sh start $1 PORT' first"

  local svc vars=()
  for svc in "${SERVICES[@]}"; do vars+=("TANDEM_${svc^^}_DB_PASSWORD"); done
  tandem_env_ensure "$credentials_file" "${vars[@]}" || tandem_die "cannot write $credentials_file"

  # In GRANT, '_' in a database name is a wildcard; escape it so that each
  # user gets exactly its own database.
  local sql="" db host literal
  for svc in "${SERVICES[@]}"; do
    db=tandem_$svc
    literal=$(sql_string "$(tandem_env_get "$credentials_file" "TANDEM_${svc^^}_DB_PASSWORD")")
    sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"$'\n'
    for host in localhost 127.0.0.1; do
      sql+="CREATE USER IF NOT EXISTS '$db'@'$host' IDENTIFIED BY $literal;"$'\n'
      sql+="ALTER USER '$db'@'$host' IDENTIFIED BY $literal;"$'\n'
      sql+="GRANT ALL PRIVILEGES ON \`${db//_/\\_}\`.* TO '$db'@'$host';"$'\n'
    done
  done
  as_root --batch <<<"$sql" || tandem_die "provisioning failed"
  tandem_log "databases and users ready: ${SERVICES[*]/#/tandem_} (passwords in $credentials_file)"
}

cmd_shell() {
  (($# >= 1)) || usage
  set_paths "$1"
  shift
  running_pid >/dev/null || tandem_die "not running"
  as_root "$@"
}

main() {
  (($# >= 2)) || usage
  local command=$1
  shift
  case $command in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    provision) cmd_provision "$@" ;;
    status) cmd_status "$@" ;;
    shell) cmd_shell "$@" ;;
    *) usage ;;
  esac
}

main "$@"
