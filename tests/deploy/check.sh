#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2317
# (SC2317: the step functions are called through run_step, which shellcheck cannot see.)
# Checks the Kubernetes manifests (deploy/k8s) and the Dockerfiles
# (deploy/docker) offline, without a cluster or a Docker engine:
#   render      kubectl kustomize of base/ and of every overlay
#   schema      every rendered object against its Kubernetes schema
#   strict      no field the Kubernetes schema does not define
#   yamllint    the kustomize sources (tests/deploy/yamllint.yaml)
#   dockerfile  dockerfile-utils lint, runtime stage rules
#   servers     flags, variables, ports, probes, drain, peers against the
#               servers' own --help; Services, NetworkPolicies, PDBs, HPAs
#               against the pods they select
#   policy      every pod non-root, read-only, no capabilities, seccomp,
#               no token, resources; every server Deployment with rolling
#               updates that keep all pods, Services (ClusterIP and
#               headless), PDB, HPA, NetworkPolicy and a migration Job
#   selftest    every check catches its mutations of a known-good fixture
# Prints one line per step (and the errors under it); exits 1 if any failed.
# tests/deploy/README.md says what each step catches.
#
# Usage: tests/deploy/check.sh [--bin-dir BUILD_DIR] [--k8s-dir DIR] [--docker-dir DIR]
#   --bin-dir     build tree holding services/<svc>/tandem-<svc> (default: build/)
#   --k8s-dir     kustomize tree with base/ and overlays/ (default: deploy/k8s)
#   --docker-dir  folder of the Dockerfiles (default: deploy/docker)
# npm packages come from $TANDEM_TEST_NODE_MODULES, else tests/node/node_modules.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../../deploy/local/lib.sh
. "$repo/deploy/local/lib.sh"
TANDEM_LOG_TAG=deploy-check

bin_dir=$repo/build
k8s_dir=$repo/deploy/k8s
docker_dir=$repo/deploy/docker
node_modules=${TANDEM_TEST_NODE_MODULES:-$repo/tests/node/node_modules}
yamllint_config=$here/yamllint.yaml
work_dir=
rendered_dir= # the render step's output: NAME.yaml per kustomization (run_step runs steps in a subshell)
failed=0

usage() {
  awk 'NR == 1 || /shellcheck|SC2317/ { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

# Runs `run_step NAME COMMAND...`: prints "NAME ok" or "NAME FAILED", then
# the command's output indented.
run_step() {
  local name=$1 output status=0 start=$SECONDS
  shift
  output=$("$@" 2>&1) || status=$?
  if ((status == 0)); then
    printf '%-11s ok      %ss\n' "$name" "$((SECONDS - start))"
  else
    printf '%-11s FAILED  %ss\n' "$name" "$((SECONDS - start))"
    failed=1
  fi
  [[ -z $output ]] || printf '    %s\n' "${output//$'\n'/$'\n'    }"
  return "$status"
}

node_check() {
  node "$here/check.mjs" --node-modules "$node_modules" --bin-dir "$bin_dir" --k8s-dir "$k8s_dir" "$@"
}

# Runs `node_check STEP` on every rendered file.
check_rendered() {
  local files=()
  shopt -s nullglob
  files=("$rendered_dir"/*.yaml)
  shopt -u nullglob
  ((${#files[@]} > 0)) || { echo "nothing was rendered"; return 1; }
  node_check "$1" "${files[@]}"
}

render() {
  local kubectl
  kubectl=$(node "$here/kubectl.mjs" "$node_modules") || return 1
  [[ -d $k8s_dir/base ]] || { echo "no kustomization at ${k8s_dir#"$repo"/}/base"; return 1; }
  local dirs=("$k8s_dir/base") dir name status=0 names=()
  for dir in "$k8s_dir"/overlays/*/; do
    [[ -d $dir ]] && dirs+=("${dir%/}")
  done
  ((${#dirs[@]} > 1)) || { echo "no overlay under ${k8s_dir#"$repo"/}/overlays"; status=1; }
  for dir in "${dirs[@]}"; do
    name=$(basename "$dir")
    if "$kubectl" kustomize "$dir" >"$work_dir/$name.yaml" 2>"$work_dir/$name.err"; then
      mv "$work_dir/$name.yaml" "$rendered_dir/$name.yaml"
      names+=("$name")
    else
      echo "kubectl kustomize ${dir#"$repo"/} failed:"
      sed 's/^/  /' "$work_dir/$name.err"
      status=1
    fi
  done
  ((${#names[@]} == 0)) || echo "rendered: ${names[*]}"
  return "$status"
}

schema() {
  check_rendered schema
}

strict() {
  check_rendered strict
}

lint_yaml() {
  command -v yamllint >/dev/null 2>&1 ||
    { echo "yamllint not found: apt-get install yamllint (it is in TANDEM_APT_PACKAGES)"; return 1; }
  [[ -d $k8s_dir ]] || { echo "${k8s_dir#"$repo"/} not found"; return 1; }
  # From the checkout, so that the messages name deploy/k8s/... files.
  (cd "$repo" && yamllint --strict -f parsable -c "$yamllint_config" "${k8s_dir#"$repo"/}")
}

lint_dockerfiles() {
  local files=()
  shopt -s nullglob
  files=("$docker_dir"/Dockerfile "$docker_dir"/Dockerfile.* "$docker_dir"/*.[Dd]ockerfile)
  shopt -u nullglob
  ((${#files[@]} > 0)) || { echo "no Dockerfile in ${docker_dir#"$repo"/} (Dockerfile, Dockerfile.*, *.Dockerfile)"; return 1; }
  node_check dockerfile "${files[@]}"
}

servers() {
  check_rendered servers
}

policy() {
  check_rendered policy
}

# The policy cases mutate the real prod render (the fixture is too small).
selftest() {
  node "$here/selftest.mjs" --node-modules "$node_modules" --bin-dir "$bin_dir" \
    --policy-fixture "$rendered_dir/prod.yaml" \
    --operator-secrets "$k8s_dir/overlays/prod/operator-secrets.txt"
}

main() {
  while (($# > 0)); do
    case $1 in
      --bin-dir) bin_dir=${2:?--bin-dir needs a folder}; shift ;;
      --k8s-dir) k8s_dir=${2:?--k8s-dir needs a folder}; shift ;;
      --docker-dir) docker_dir=${2:?--docker-dir needs a folder}; shift ;;
      -h | --help) usage 0 ;;
      *) echo "unknown argument: $1" >&2; usage 2 ;;
    esac
    shift
  done
  bin_dir=$(cd "$bin_dir" 2>/dev/null && pwd) || tandem_die "--bin-dir: no such folder"
  [[ ! -d $k8s_dir ]] || k8s_dir=$(cd "$k8s_dir" && pwd)
  [[ ! -d $docker_dir ]] || docker_dir=$(cd "$docker_dir" && pwd)
  command -v node >/dev/null 2>&1 || tandem_die "node not found (Debian: nodejs, in TANDEM_APT_PACKAGES)"
  [[ -d $node_modules ]] || tandem_die "$node_modules not found: run tests/run.sh, or npm install in tests/node"
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-deploy-check.XXXXXX") || exit 1
  trap 'rm -rf -- "$work_dir"' EXIT
  rendered_dir=$work_dir/rendered
  mkdir "$rendered_dir" || exit 1

  run_step render render
  run_step schema schema
  run_step strict strict
  run_step yamllint lint_yaml
  run_step dockerfile lint_dockerfiles
  run_step servers servers
  run_step policy policy
  run_step selftest selftest
  exit "$failed"
}

main "$@"
