#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2317
# (SC2317: the step functions are called through run_step, which shellcheck cannot see.)
# Runs every Tandem test on this machine, the way CI does (.ci/run calls it):
#   1. installs the missing Debian packages and the pinned npm packages
#      (tests/node/package.json, into tests/node/node_modules);
#   2. builds (CMake + Ninja, -j2);
#   3. starts a throwaway MariaDB and runs ctest (unit, integration and e2e);
#   4. checks the Kubernetes manifests and the Dockerfile offline
#      (tests/deploy/check.sh: kustomize render, schemas, yamllint, flags);
#   5. runs buf lint and buf format on protos/.
# Whatever it started is stopped and removed, even when a step fails. It ends
# with a summary and exits non-zero if any step failed.
#
# Usage: tests/run.sh [--no-build] [CTEST_ARGS...]
#   --no-build   test the binaries already in build/
#   CTEST_ARGS   passed to ctest, e.g. "-L unit" (only unit tests) or "-R Ticket"
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=../deploy/local/lib.sh
. "$repo/deploy/local/lib.sh"
TANDEM_LOG_TAG=tests

readonly CTEST_TIMEOUT=600 # seconds, for each test that sets no TIMEOUT of its own

build=$repo/build
node_dir=$here/node
node_modules=$node_dir/node_modules
mariadb_sh=$repo/deploy/local/mariadb.sh

do_build=1
ctest_args=()
work_dir= # throwaway files of this run: the database, the ctest log
db_dir=
group=
summary=()
failed=0
step_detail=

usage() {
  awk 'NR == 1 || /shellcheck|SC2317/ { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

# Runs one step: `run_step NAME COMMAND...`. The command may set step_detail
# to a short note for the summary. Returns the command's status.
run_step() {
  local name=$1 start=$SECONDS status=0
  shift
  step_detail=
  tandem_log "---- $name"
  "$@" || status=$?
  local took="$((SECONDS - start))s"
  if ((status == 0)); then
    summary+=("$(printf '%-11s ok      %s' "$name" "$took${step_detail:+; $step_detail}")")
  else
    summary+=("$(printf '%-11s FAILED  %s' "$name" "$took; status $status${step_detail:+; $step_detail}")")
    failed=1
  fi
  return "$status"
}

skip_step() {
  summary+=("$(printf '%-11s skipped %s' "$1" "$2")")
}

# Runs `run_in_group LOG CMD...`: CMD in its own process group, so that an
# interrupt of this script can stop it and everything it started. With LOG
# not empty, the output goes to LOG and is shown as it comes.
run_in_group() {
  local log=$1 status=0 tail_pid=
  shift
  if [[ -n $log ]]; then
    setsid "$@" </dev/null >"$log" 2>&1 &
    group=$!
    tail -n +1 -f --pid="$group" "$log" &
    tail_pid=$!
  else
    setsid "$@" </dev/null &
    group=$!
  fi
  wait "$group" || status=$?
  group=
  [[ -z $tail_pid ]] || wait "$tail_pid"
  return "$status"
}

on_interrupt() {
  trap '' INT TERM
  tandem_log "interrupted; stopping"
  summary+=("interrupted")
  failed=1
  if [[ -n $group ]]; then
    kill -TERM -- "-$group" 2>/dev/null
    tandem_wait_until 15 tandem_pid_gone "$group" || kill -KILL -- "-$group" 2>/dev/null
  fi
  exit 130
}

# Succeeds when node_modules holds exactly the versions package.json pins.
node_packages_present() {
  node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    const pinned = JSON.parse(fs.readFileSync(path.join(dir, "package.json"))).dependencies;
    for (const [name, version] of Object.entries(pinned)) {
      const file = path.join(dir, "node_modules", name, "package.json");
      if (!fs.existsSync(file) || JSON.parse(fs.readFileSync(file)).version !== version) {
        process.exit(1);
      }
    }' "$node_dir"
}

install_node_packages() {
  if node_packages_present; then
    step_detail="already installed"
    return 0
  fi
  (cd "$node_dir" && npm install --no-package-lock --no-audit --no-fund) || return 1
  node_packages_present || { tandem_log "npm install left packages missing"; return 1; }
  step_detail="installed"
}

build_all() {
  run_in_group "" cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    run_in_group "" cmake --build "$build" -j 2
}

start_test_db() {
  local port password
  db_dir=$work_dir/mariadb
  port=$(tandem_free_port 0) || return 1
  password=$(tandem_random_hex 16)
  MARIADB_ROOT_PASSWORD=$password "$mariadb_sh" start "$db_dir" "$port" || return 1
  export TANDEM_TEST_DB_HOST=127.0.0.1
  export TANDEM_TEST_DB_PORT=$port
  export TANDEM_TEST_DB_ROOT_PASSWORD=$password
  export TANDEM_TEST_NODE_MODULES=$node_modules
  TANDEM_TEST_NODE=$(command -v node) || return 1
  export TANDEM_TEST_NODE
  step_detail="127.0.0.1:$port"
}

stop_test_db() {
  [[ -n $db_dir ]] || return 0
  MARIADB_ROOT_PASSWORD=${TANDEM_TEST_DB_ROOT_PASSWORD:-} "$mariadb_sh" stop "$db_dir"
  db_dir=
}

run_ctest() {
  local log=$work_dir/ctest.log status=0
  run_in_group "$log" ctest --test-dir "$build" --output-on-failure --no-tests=error -j 2 \
    --timeout "$CTEST_TIMEOUT" "${ctest_args[@]}" || status=$?
  # e.g. "95% tests passed, 1 tests failed out of 20"
  step_detail=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1)
  [[ -n $step_detail ]] || step_detail=$(grep -E 'No tests were found' "$log" | head -n 1)
  return "$status"
}

deploy_check() {
  "$here/deploy/check.sh" --bin-dir "$build"
}

buf_lint() {
  (cd "$repo/protos" && "$node_modules/.bin/buf" lint)
}

buf_format() {
  (cd "$repo/protos" && "$node_modules/.bin/buf" format -d --exit-code)
}

finish() {
  trap - EXIT
  stop_test_db || failed=1
  [[ -z $work_dir ]] || rm -rf -- "$work_dir"
  echo
  echo "==== Tandem tests: summary ($((SECONDS / 60))m $((SECONDS % 60))s) ===="
  printf '  %s\n' "${summary[@]}"
  if ((failed)); then
    echo "==== FAILED ===="
    exit 1
  fi
  echo "==== all passed ===="
  exit 0
}

main() {
  while (($# > 0)); do
    case $1 in
      --no-build) do_build=0 ;;
      -h | --help) usage 0 ;;
      *) ctest_args+=("$1") ;;
    esac
    shift
  done
  trap finish EXIT
  trap on_interrupt INT TERM
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-tests.XXXXXX") || exit 1

  run_step packages tandem_install_packages || exit
  run_step npm install_node_packages || exit

  local built=1
  if ((do_build)); then
    run_step build build_all || built=0
  else
    skip_step build "--no-build"
  fi

  if ((built)); then
    if run_step mariadb start_test_db; then
      run_step ctest run_ctest
    else
      skip_step ctest "no database"
    fi
    stop_test_db
    run_step deploy deploy_check
  else
    skip_step mariadb "the build failed"
    skip_step ctest "the build failed"
    skip_step deploy "the build failed"
  fi

  run_step "buf lint" buf_lint
  run_step "buf format" buf_format
  finish
}

main "$@"
