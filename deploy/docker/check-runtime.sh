#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Proves, without Docker, that the runtime stage of deploy/docker/Dockerfile
# (debian:bookworm-slim plus exactly deploy/docker/runtime-packages.txt) holds
# everything the three servers need. Run it as root on Debian 12:
#   1. builds the servers and tandemctl (cmake --build);
#   2. debootstraps a minimal bookworm once (kept in the state folder): the
#      base system that debian:bookworm-slim is made of;
#   3. maps every shared library the servers load (ldd) to its Debian package
#      (dpkg -S) and fails naming any library whose package is neither in
#      runtime-packages.txt nor in that base system;
#   4. installs exactly runtime-packages.txt into a copy of the base system
#      with --no-install-recommends, mounts it read-only with an empty /tmp
#      (like readOnlyRootFilesystem and an emptyDir), and runs each server's
#      --help inside it as user 65532;
#   5. unless --no-serve: starts a private MariaDB on the host, and runs each
#      server inside the folder as 65532 against it: --migrate-only, then
#      serving until ready; checks gRPC health, /metrics, a MariaDB
#      authentication plugin (ed25519) and a time zone; SIGTERM must end each
#      server with status 0.
# With --image SVC, the real image of SVC is built from the Dockerfile with
# buildah (no Docker engine needed; its base images debian:bookworm and
# debian:bookworm-slim are made from the debootstrapped base, with the same
# apt suites, since Docker Hub is not reachable here): the build stage
# compiles and runs the unit tests, the runtime stage is the Dockerfile's own.
# Its user and entrypoint are checked, and SVC then runs from that image's
# root filesystem (read-only) in steps 4 and 5 instead of from the folder.
# It prints a summary (also kept in STATE_DIR/last-result.txt) and exits
# non-zero on any failure. Whatever it mounted or started is undone on exit.
#
# Usage: deploy/docker/check-runtime.sh [options]
#   --build-dir DIR   build directory (default: build/ of the checkout,
#                     configured like tests/run.sh does when missing)
#   --no-build        use the binaries already in the build directory
#   --state-dir DIR   cache and scratch files (default: .tandem/runtime-check)
#   --mirror URL      Debian mirror (default: the first .../debian of /etc/apt)
#   --db-port PORT    port of the private MariaDB (default: 33261)
#   --no-serve        stop after the --help runs (no database, no serving)
#   --fresh           debootstrap again instead of using the cached base system
#   --image SVC       build SVC's image with buildah and run SVC from it
#                     (repeatable; each build compiles the tree: ~17 min)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../local/lib.sh
. "$repo/deploy/local/lib.sh"
TANDEM_LOG_TAG=check-runtime

readonly SERVICES=(success support metrics) # start order; stopped in reverse
readonly SUITE=bookworm
readonly RUN_AS=65532:65532
readonly READY_TIMEOUT=120
readonly STOP_TIMEOUT=30
readonly ZONE=America/New_York
readonly PLUGIN_DIR=/usr/lib/x86_64-linux-gnu/libmariadb3/plugin
# caching_sha2_password is what MySQL 8 asks for; MariaDB cannot ask for it, so
# the live check below uses ed25519, loaded by the same mechanism from the same folder.
readonly PLUGINS=(caching_sha2_password.so client_ed25519.so)

packages_file=$here/runtime-packages.txt
mariadb_sh=$repo/deploy/local/mariadb.sh
node_modules=$repo/tests/node/node_modules
health_proto=/usr/share/grpc-proto/grpc/health/v1/health.proto

build=$repo/build
state=$repo/.tandem/runtime-check
mirror=
db_port=33261
do_build=1
do_serve=1
fresh=0
image_services=()

root=         # the folder standing in for the image, where apt installs
image=        # the same folder mounted read-only, where the servers run
db_state=
jwt_secret=
page_token_key=
server_argv=() # set by server_command
db_started=0
declare -A server_pid=() grpc_port=() metrics_port=()
declare -A root_of=() binary_in=() # per server: the read-only root it runs in, its path there
buildah_containers=()
runtime_packages=()
summary=()
started=$SECONDS

usage() {
  awk 'NR == 1 || /shellcheck/ { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' \
    "${BASH_SOURCE[0]}" >&2
  exit "$1"
}

note() {
  summary+=("$*")
  tandem_log "$*"
}

# Prints the packages of runtime-packages.txt, one per line.
read_packages() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$packages_file" | grep -v '^$'
}

# Prints the first URI of /etc/apt's sources whose path ends in /$1 (debian or
# debian-security), in one-line or deb822 form; comments are skipped.
apt_source_uri() {
  local files=() file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
    [[ -r $file ]] && files+=("$file")
  done
  ((${#files[@]})) || return 1
  local uri
  uri=$(grep -hv '^[[:space:]]*#' "${files[@]}" |
    grep -oE "(https?|file)://[^][:space:]]+/$1/?([[:space:]]|\$)" |
    head -n 1 | tr -d '[:space:]') || true
  [[ -n $uri ]] || return 1
  echo "${uri%/}"
}

# ---- building ----------------------------------------------------------------

build_binaries() {
  if [[ ! -f $build/CMakeCache.txt ]]; then
    tandem_log "configuring $build"
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  tandem_log "building the servers and tandemctl in $build"
  cmake --build "$build" -j 2 --target tandem-support tandem-success tandem-metrics tandemctl
}

binary_of() {
  echo "$build/services/$1/tandem-$1"
}

# ---- libraries and their packages --------------------------------------------

# Prints the package that owns FILE, trying the path as given, resolved, and
# with and without the /usr prefix (merged /usr: dpkg knows only one of them).
package_of() {
  local path candidates=() owner
  for path in "$1" "$(readlink -f "$1")"; do
    candidates+=("$path")
    case $path in
      /usr/*) candidates+=("${path#/usr}") ;;
      *) candidates+=("/usr$path") ;;
    esac
  done
  for path in "${candidates[@]}"; do
    owner=$(dpkg -S "$path" 2>/dev/null | head -n 1) || continue
    [[ -n $owner ]] || continue
    owner=${owner%%: *}
    echo "${owner%%:*}"
    return 0
  done
  return 1
}

check_libraries() {
  local svc binary line lib path pkg failed=0 needed
  local -A owner_of=() allowed=() used_packages=()
  for pkg in "${runtime_packages[@]}"; do allowed[$pkg]=listed; done
  while read -r pkg; do
    allowed[$pkg]=${allowed[$pkg]:+listed, }base
  done < <(dpkg-query --admindir="$state/minbase/var/lib/dpkg" -W -f='${Package}\n')

  for svc in "${SERVICES[@]}"; do
    binary=$(binary_of "$svc")
    needed=$(readelf -d "$binary" | grep -c '(NEEDED)') || needed=0
    local count=0 libraries
    libraries=$(ldd "$binary" 2>&1) || tandem_die "ldd $binary failed: $libraries"
    while read -r line; do
      if [[ $line == *"not found"* ]]; then
        tandem_log "ERROR: tandem-$svc: ${line%% *} is not found on this machine"
        failed=1
        continue
      fi
      # "libfoo.so.1 => /path (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
      if [[ $line =~ ^([^[:space:]]+)[[:space:]]+=\>[[:space:]]+(/[^[:space:]]+) ]]; then
        lib=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
      elif [[ $line =~ ^(/[^[:space:]]+)[[:space:]] ]]; then
        path=${BASH_REMATCH[1]} lib=${path##*/}
      else
        continue # linux-vdso.so.1: the kernel's
      fi
      count=$((count + 1))
      [[ -n ${owner_of[$lib]:-} ]] && continue
      if ! pkg=$(package_of "$path"); then
        tandem_log "ERROR: tandem-$svc: no Debian package owns $path ($lib)"
        failed=1
        continue
      fi
      owner_of[$lib]=$pkg
      used_packages[$pkg]=1
      if [[ -z ${allowed[$pkg]:-} ]]; then
        tandem_log "ERROR: $lib ($path) comes from $pkg, which is not in" \
          "$(basename "$packages_file")"
        failed=1
      fi
    done <<<"$libraries"
    tandem_log "tandem-$svc: $needed direct (NEEDED), $count loaded shared libraries"
  done
  ((failed == 0)) || return 1

  # Every library with its package, and where the package comes from.
  for lib in $(printf '%s\n' "${!owner_of[@]}" | sort); do
    pkg=${owner_of[$lib]}
    printf '  %-54s %-26s %s\n' "$lib" "$pkg" "${allowed[$pkg]}"
  done >"$state/libraries.txt"
  local unused=()
  for pkg in "${runtime_packages[@]}"; do
    [[ -n ${used_packages[$pkg]:-} ]] || unused+=("$pkg")
  done
  note "libraries: ${#owner_of[@]} distinct shared libraries from ${#used_packages[@]} packages," \
    "all in runtime-packages.txt or the base (list: $state/libraries.txt)"
  ((${#unused[@]} == 0)) ||
    note "listed for files ldd cannot see: ${unused[*]}"
}

# ---- the base system and the folder ------------------------------------------

# Unmounts everything under the folder $1 (deepest first).
unmount_under() {
  local dir=$1 mount_point
  [[ -n $dir && -d $dir ]] || return 0
  dir=$(readlink -f "$dir")
  while read -r mount_point; do
    umount "$mount_point" 2>/dev/null || umount -l "$mount_point" || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
    sort -r)
}

# Succeeds when nothing is mounted under the folder $1.
nothing_mounted_under() {
  local dir
  dir=$(readlink -f "$1")
  ! awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' \
    /proc/self/mounts
}

# Removes the folder $1, refusing while anything is mounted inside it.
remove_tree() {
  [[ -e $1 ]] || return 0
  unmount_under "$1"
  nothing_mounted_under "$1" || tandem_die "something is still mounted under $1; not removing it"
  rm -rf --one-file-system -- "$1"
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  tandem_log "installing debootstrap"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; }; then
    tandem_die "cannot install debootstrap"
  fi
}

# Debootstraps the minimal base system once; later runs copy the cached one.
prepare_base() {
  local base=$state/minbase start=$SECONDS
  if ((fresh)); then remove_tree "$base"; fi
  if [[ -f $base/var/lib/dpkg/status ]]; then
    note "base: cached debootstrap --variant=minbase $SUITE" \
      "($(cat "$state/minbase.mirror" 2>/dev/null))"
    return 0
  fi
  ensure_debootstrap
  remove_tree "$base.tmp"
  tandem_log "debootstrap --variant=minbase $SUITE from $mirror (about a minute)"
  if ! debootstrap --variant=minbase "$SUITE" "$base.tmp" "$mirror" \
    >"$state/logs/debootstrap.log" 2>&1; then
    tail -n 20 "$state/logs/debootstrap.log" >&2
    tandem_die "debootstrap failed (log: $state/logs/debootstrap.log)"
  fi
  mv "$base.tmp" "$base"
  echo "$mirror" >"$state/minbase.mirror"
  note "base: debootstrap --variant=minbase $SUITE from $mirror in $((SECONDS - start))s"
}

# Runs a command inside the folder as root.
in_root() {
  chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive "$@"
}

mount_into_root() {
  mkdir -p "$state/apt-archives/partial"
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  # The downloaded .debs are kept between runs, so a second run is fast.
  mount --bind "$state/apt-archives" "$root/var/cache/apt/archives"
}

install_runtime_packages() {
  local start=$SECONDS before after security
  tandem_log "copying the base system to $root"
  unmount_under "$image"
  remove_tree "$root"
  cp -a "$state/minbase" "$root"
  mount_into_root
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  security=$(apt_source_uri debian-security) || security=http://deb.debian.org/debian-security
  # The same suites as the debian:bookworm-slim image.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security $SUITE-security main
EOF
  before=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package}\n' | wc -l)
  tandem_log "apt-get install --no-install-recommends ${runtime_packages[*]}"
  if ! { in_root apt-get update &&
    in_root apt-get install -y --no-install-recommends "${runtime_packages[@]}"; } \
    >"$state/logs/apt.log" 2>&1; then
    tail -n 30 "$state/logs/apt.log" >&2
    tandem_die "installing the runtime packages failed (log: $state/logs/apt.log)"
  fi
  local pkg status missing=()
  for pkg in "${runtime_packages[@]}"; do
    status=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' "$pkg" 2>/dev/null) ||
      status=
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) || tandem_die "not installed in $root: ${missing[*]}"
  # As the Dockerfile does: nothing at run time may need the package lists.
  rm -rf "$root"/var/lib/apt/lists/*
  after=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package}\n' | wc -l)
  unmount_under "$root"
  note "packages: ${#runtime_packages[@]} listed; the folder went from $before to $after" \
    "packages ($((after - before)) added with dependencies) in $((SECONDS - start))s"
}

# Mounts the root filesystem SOURCE read-only at VIEW, as a pod with
# readOnlyRootFilesystem sees its image, with /proc, /dev and an empty
# writable /tmp (an emptyDir), and makes sure it cannot be written.
# Usage: mount_read_only SOURCE VIEW
mount_read_only() {
  local source=$1 view=$2
  unmount_under "$view"
  mkdir -p "$view"
  mount --bind "$source" "$view"
  mount -o remount,bind,ro "$view"
  mount -t proc proc "$view/proc"
  mount --bind /dev "$view/dev"
  mount -t tmpfs -o mode=1777,size=64m tmpfs "$view/tmp"
  if chroot "$view" touch /usr/local/bin/write-test 2>/dev/null; then
    tandem_die "$view is writable"
  fi
}

# Mounts the folder read-only at $image, with the servers in it.
mount_image() {
  local svc
  for svc in "${SERVICES[@]}"; do
    install -m 0755 "$(binary_of "$svc")" "$root/usr/local/bin/tandem-$svc"
  done
  mount_read_only "$root" "$image"
  for svc in "${SERVICES[@]}"; do
    root_of[$svc]=$image
    binary_in[$svc]=/usr/local/bin/tandem-$svc
  done
  note "image: the folder is mounted read-only at $image, with a tmpfs /tmp"
}

# ---- the real images, built with buildah -------------------------------------

buildah_() {
  buildah --root "$state/containers/storage" --runroot "$state/containers/run" \
    --storage-driver vfs "$@"
}

# Makes debian:bookworm and debian:bookworm-slim in buildah's private
# storage from the debootstrapped base, with the image's apt suites.
make_base_images() {
  command -v buildah >/dev/null 2>&1 || {
    tandem_log "installing buildah"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y buildah; } ||
      tandem_die "cannot install buildah"
  }
  local container mount_point security
  container=$(buildah_ from scratch)
  buildah_containers+=("$container")
  mount_point=$(buildah_ mount "$container")
  [[ -d $mount_point ]] || tandem_die "buildah mounted no folder for the base image"
  cp -a "$state/minbase/." "$mount_point/"
  security=$(apt_source_uri debian-security) || security=http://deb.debian.org/debian-security
  printf 'deb %s %s main
' "$mirror" "$SUITE" "$mirror" "$SUITE-updates" "$security" \
    "$SUITE-security" >"$mount_point/etc/apt/sources.list"
  buildah_ umount "$container" >/dev/null
  buildah_ config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd /bin/bash "$container"
  buildah_ commit -q "$container" docker.io/library/debian:bookworm >/dev/null
  buildah_ tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
  note "base images: debian:bookworm and debian:bookworm-slim made from the debootstrapped base"
}

# Builds SVC's image from the Dockerfile, checks its user and entrypoint, and
# mounts its root filesystem read-only (with /proc, /dev and a tmpfs /tmp)
# for SVC to run from.
build_image() {
  local svc=$1 start=$SECONDS tag=localhost/tandem-$1:runtime-check log=$state/logs/image-$1.log
  tandem_log "building $tag from deploy/docker/Dockerfile with buildah (log: $log)"
  if ! buildah_ bud --format docker --pull-never --isolation chroot --layers \
    --build-arg SERVICE="$svc" --build-arg GRPC_PORT="${TANDEM_DEFAULT_GRPC_PORT[$svc]}" \
    --build-arg METRICS_PORT="${TANDEM_DEFAULT_METRICS_PORT[$svc]}" \
    -f "$here/Dockerfile" -t "$tag" "$repo" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    tandem_die "building the image of $svc failed (log: $log)"
  fi
  local tests user entrypoint
  tests=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1) || tests="no unit test summary"
  user=$(buildah_ inspect --format '{{.Docker.Config.User}}' "$tag")
  entrypoint=$(buildah_ inspect --format '{{.Docker.Config.Entrypoint}}' "$tag")
  [[ $user == 65532:65532 ]] || tandem_die "the image of $svc runs as '$user', not 65532:65532"
  [[ $entrypoint == "[/usr/local/bin/tandem-server]" ]] ||
    tandem_die "the image of $svc has the entrypoint $entrypoint"
  local container mount_point view=$state/image-$svc
  container=$(buildah_ from --pull-never "$tag")
  buildah_containers+=("$container")
  mount_point=$(buildah_ mount "$container")
  [[ -d $mount_point ]] || tandem_die "buildah mounted no folder for the image of $svc"
  mount_read_only "$mount_point" "$view"
  root_of[$svc]=$view
  binary_in[$svc]=/usr/local/bin/tandem-server
  note "image: $tag built in $((SECONDS - start))s (unit tests in its build stage: $tests);" \
    "user $user, entrypoint $entrypoint; mounted read-only at $view"
}

check_files() {
  local plugin svc
  for svc in "${SERVICES[@]}"; do
    [[ -f ${root_of[$svc]}/usr/share/zoneinfo/$ZONE ]] ||
      tandem_die "no /usr/share/zoneinfo/$ZONE in ${root_of[$svc]}"
    for plugin in "${PLUGINS[@]}"; do
      [[ -f ${root_of[$svc]}$PLUGIN_DIR/$plugin ]] ||
        tandem_die "no $PLUGIN_DIR/$plugin in ${root_of[$svc]}"
    done
  done
  note "files: /usr/share/zoneinfo/$ZONE, $PLUGIN_DIR/{${PLUGINS[*]}} present"
}

run_help() {
  local svc out missing
  for svc in "${SERVICES[@]}"; do
    missing=$(chroot "${root_of[$svc]}" ldd "${binary_in[$svc]}" | grep 'not found' || true)
    [[ -z $missing ]] || tandem_die "tandem-$svc misses libraries in the folder:"$'\n'"$missing"
    if ! out=$(chroot --userspec="$RUN_AS" "${root_of[$svc]}" env -i "${binary_in[$svc]}" --help \
      2>&1); then
      printf '%s\n' "$out" | tail -n 20 >&2
      tandem_die "tandem-$svc --help failed inside the folder"
    fi
    [[ $out == "Usage: tandem-$svc "* ]] || tandem_die "tandem-$svc --help printed no usage"
    printf '%s\n' "$out" >"$state/logs/$svc.help"
  done
  note "help: tandem-{${SERVICES[*]}} --help ran inside the folder as $RUN_AS, no library missing" \
    "${image_services[*]:+(${image_services[*]}: inside its image)}"
}

# ---- serving against a real database -----------------------------------------

start_database() {
  db_state=$state/mariadb
  db_started=1
  "$mariadb_sh" start "$db_state" "$db_port"
  "$mariadb_sh" provision "$db_state"
  # Support signs in with ed25519, which libmariadb loads from its plugin
  # folder at run time (as it loads caching_sha2_password for MySQL 8).
  local password installed
  password=$(tandem_env_get "$db_state/credentials.env" TANDEM_SUPPORT_DB_PASSWORD)
  installed=$("$mariadb_sh" shell "$db_state" --batch --skip-column-names -e \
    "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'")
  if [[ $installed == 0 ]]; then
    "$mariadb_sh" shell "$db_state" --batch -e "INSTALL SONAME 'auth_ed25519'"
  fi
  "$mariadb_sh" shell "$db_state" --batch -e \
    "ALTER USER 'tandem_support'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('$password')"
  local plugin
  plugin=$("$mariadb_sh" shell "$db_state" --batch --skip-column-names -e \
    "SELECT JSON_VALUE(Priv, '$.plugin') FROM mysql.global_priv
     WHERE User = 'tandem_support' AND Host = '127.0.0.1'")
  [[ $plugin == ed25519 ]] ||
    tandem_die "tandem_support@127.0.0.1 signs in with '$plugin', not ed25519"
}

# Sets server_argv to run tandem-SVC inside the folder as 65532, with a clean
# environment holding only its settings, as a container would; extra
# arguments are its flags.
server_command() {
  local svc=$1 upper=${1^^} password
  shift
  password=$(tandem_env_get "$db_state/credentials.env" "TANDEM_${upper}_DB_PASSWORD")
  [[ -n $password ]] || tandem_die "no password for tandem_$svc"
  server_argv=(chroot --userspec="$RUN_AS" "${root_of[$svc]}" env -i
    "TANDEM_${upper}_DB_DSN=mysql://tandem_$svc:$password@127.0.0.1:$db_port/tandem_$svc"
    "TANDEM_JWT_SECRET=$jwt_secret" "TANDEM_PAGE_TOKEN_KEY=$page_token_key"
    "${binary_in[$svc]}" "$@")
}

migrate() {
  local svc=$1
  server_command "$svc" --migrate-only
  if ! "${server_argv[@]}" </dev/null >"$state/logs/$svc.migrate.log" 2>&1; then
    tail -n 20 "$state/logs/$svc.migrate.log" >&2
    tandem_die "tandem-$svc --migrate-only failed inside the folder"
  fi
}

start_server() {
  local svc=$1 server_args ready=/tmp/tandem/$1.ready log=$state/logs/$1.log
  tandem_loopback_args "$svc" "$ready"
  server_command "$svc" "${server_args[@]}"
  rm -f "${root_of[$svc]}$ready"
  # chroot and env exec the server, so $! is the server itself.
  "${server_argv[@]}" </dev/null >"$log" 2>&1 &
  server_pid[$svc]=$!

  tandem_wait_until_ready "$svc" "${root_of[$svc]}$ready" "$log" "$READY_TIMEOUT"
  tandem_log "tandem-$svc serving on 127.0.0.1:${grpc_port[$svc]} (pid ${server_pid[$svc]}," \
    "user $(stat -c %u:%g "/proc/${server_pid[$svc]}"))"
}

# Asks grpc.health.v1.Health of every server, for each service name given.
check_named_health() {
  local names=("$@") svc targets=()
  for svc in "${SERVICES[@]}"; do targets+=("$svc=127.0.0.1:${grpc_port[$svc]}"); done
  NODE_PATH=$node_modules node - "$health_proto" "${names[*]}" "${targets[@]}" <<'EOF'
const grpc = require("@grpc/grpc-js");
const loader = require("@grpc/proto-loader");
const [proto, names, ...targets] = process.argv.slice(2);
const definition = loader.loadSync(proto, { enums: String });
const health = grpc.loadPackageDefinition(definition).grpc.health.v1.Health;
const check = (client, service) => new Promise((resolve) => {
  client.check({ service }, { deadline: Date.now() + 5000 }, (err, res) =>
    resolve(err ? `error ${err.code}: ${err.details}` : res.status));
});
(async () => {
  let ok = true;
  for (const target of targets) {
    const [name, address] = target.split("=");
    const client = new health(address, grpc.credentials.createInsecure());
    for (const service of names.split(" ")) {
      const status = await check(client, service);
      console.log(`  ${name} "${service}": ${status}`);
      ok = ok && status === "SERVING";
    }
    client.close();
  }
  process.exit(ok ? 0 : 1);
})();
EOF
}

check_serving() {
  local ctl=$build/tools/tandemctl/tandemctl svc fd line
  local addresses=(--support-address "127.0.0.1:${grpc_port[support]}"
    --success-address "127.0.0.1:${grpc_port[success]}"
    --metrics-address "127.0.0.1:${grpc_port[metrics]}")
  "$ctl" "${addresses[@]}" health || tandem_die "tandemctl health: not every server is SERVING"
  note "health: tandemctl health: all three SERVING"

  if grep -q readiness "$state/logs/support.help"; then
    if [[ -d $node_modules/@grpc/grpc-js && -r $health_proto ]]; then
      check_named_health liveness readiness || tandem_die "a named health service is not SERVING"
      note "health: liveness and readiness SERVING on all three (@grpc/grpc-js)"
    else
      tandem_warn "no $node_modules/@grpc/grpc-js or $health_proto: liveness/readiness not checked"
    fi
  fi

  for svc in "${SERVICES[@]}"; do
    exec {fd}<>"/dev/tcp/127.0.0.1/${metrics_port[$svc]}" ||
      tandem_die "cannot connect to tandem-$svc's /metrics"
    printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
    IFS= read -r -t 5 line <&"$fd" || line=
    exec {fd}>&-
    [[ $line == "HTTP/1."?" 200"* ]] || tandem_die "tandem-$svc /metrics answered '${line%$'\r'}'"
  done
  note "metrics: GET /metrics answered 200 on all three"

  # Metrics loads the zone with absl::LoadTimeZone from the folder's tzdata.
  local token
  token=$("$ctl" token --jwt-secret "$jwt_secret" --tenant runtime-check --role admin --ttl 10m)
  "$ctl" "${addresses[@]}" --token "$token" metrics settings --time-zone "$ZONE" ||
    tandem_die "tandem-metrics could not set the time zone $ZONE"
  note "time zone: tandem-metrics accepted $ZONE (absl::LoadTimeZone inside the folder)"
}

stop_servers() {
  local i svc pid status failed=0
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    svc=${SERVICES[i]}
    pid=${server_pid[$svc]:-}
    [[ -n $pid ]] || continue
    tandem_stop_pid "$pid" "$STOP_TIMEOUT" || true
    status=0
    wait "$pid" 2>/dev/null || status=$?
    unset "server_pid[$svc]"
    if ((status != 0)); then
      tandem_log "ERROR: tandem-$svc exited with status $status after SIGTERM"
      failed=1
    fi
  done
  return "$failed"
}

serve() {
  local svc start=$SECONDS
  jwt_secret=$(tandem_random_hex 32)
  page_token_key=$(tandem_random_hex 32)
  start_database
  note "database: private MariaDB on 127.0.0.1:$db_port, support signs in with ed25519"
  for svc in "${SERVICES[@]}"; do
    install -d -m 0700 -o "${RUN_AS%:*}" -g "${RUN_AS#*:}" "${root_of[$svc]}/tmp/tandem"
  done
  for svc in "${SERVICES[@]}"; do migrate "$svc"; done
  note "migrations: --migrate-only exited 0 for all three (as $RUN_AS inside the folder)"
  tandem_pick_server_ports "$db_port" || tandem_die "no free ports for the servers"
  for svc in "${SERVICES[@]}"; do start_server "$svc"; done
  check_serving
  stop_servers || tandem_die "a server did not exit 0 on SIGTERM"
  note "shutdown: SIGTERM, every server exited 0; serving checks took $((SECONDS - start))s"
}

# ---- main --------------------------------------------------------------------

on_exit() {
  local status=$?
  trap '' INT TERM HUP
  ((${#server_pid[@]} == 0)) || stop_servers || true
  [[ -z $image ]] || unmount_under "$image"
  [[ -z $root ]] || unmount_under "$root"
  local svc container
  for svc in "${image_services[@]}"; do unmount_under "$state/image-$svc"; done
  for container in "${buildah_containers[@]}"; do
    buildah_ umount "$container" >/dev/null 2>&1 || true
    buildah_ rm "$container" >/dev/null 2>&1 || true
  done
  if ((db_started)); then "$mariadb_sh" stop "$db_state" || status=1; fi
  {
    echo "check-runtime.sh on $(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - started))s:"
    ((${#summary[@]} == 0)) || printf '  %s\n' "${summary[@]}"
    if ((status == 0)); then
      echo "RESULT: OK"
    elif ((status == 130)); then
      echo "RESULT: INTERRUPTED"
    else
      echo "RESULT: FAILED (status $status; the ERROR lines above say why)"
    fi
  } | tee "$state/last-result.txt" >&2
  exit "$status"
}

main() {
  while (($#)); do
    case $1 in
      --build-dir) build=${2:?--build-dir needs a folder}; shift ;;
      --state-dir) state=${2:?--state-dir needs a folder}; shift ;;
      --mirror) mirror=${2:?--mirror needs a URL}; shift ;;
      --db-port) db_port=${2:?--db-port needs a port}; shift ;;
      --no-build) do_build=0 ;;
      --no-serve) do_serve=0 ;;
      --fresh) fresh=1 ;;
      --image)
        case ${2:-} in
          support | success | metrics) image_services+=("$2") ;;
          *) tandem_die "--image needs support, success or metrics" ;;
        esac
        shift ;;
      -h | --help) usage 0 ;;
      *) tandem_log "unknown option $1"; usage 2 ;;
    esac
    shift
  done
  ((EUID == 0)) || tandem_die "run as root (debootstrap, chroot and mount need it)"
  mkdir -p "$state/logs"
  state=$(cd "$state" && pwd)
  build=$(mkdir -p "$build" && cd "$build" && pwd)
  root=$state/root
  image=$state/image
  [[ -n $mirror ]] || mirror=$(apt_source_uri debian) || mirror=http://deb.debian.org/debian
  mapfile -t runtime_packages < <(read_packages)
  ((${#runtime_packages[@]})) || tandem_die "no packages in $packages_file"

  trap on_exit EXIT
  trap 'exit 130' INT TERM HUP
  if ((do_build)); then build_binaries; fi
  local svc
  for svc in "${SERVICES[@]}"; do
    [[ -x $(binary_of "$svc") ]] ||
      tandem_die "$(binary_of "$svc") is missing: run without --no-build"
  done
  [[ -x $build/tools/tandemctl/tandemctl ]] || ((do_serve == 0)) ||
    tandem_die "$build/tools/tandemctl/tandemctl is missing: run without --no-build"

  prepare_base
  check_libraries
  install_runtime_packages
  mount_image
  if ((${#image_services[@]})); then
    make_base_images
    for svc in "${image_services[@]}"; do build_image "$svc"; done
  fi
  check_files
  run_help
  if ((do_serve)); then serve; else note "serving: skipped (--no-serve)"; fi
}

main "$@"
