#!/usr/bin/env node
// Runs the pods of every kustomize overlay for real on this machine, as a
// kubelet would, to prove what the static checks (check.sh) cannot: that the
// configuration in the manifests starts the servers. For each overlay:
//
//   render    kubectl kustomize OVERLAY, parsed
//   database  a private MariaDB (deploy/local/mariadb.sh) in a temporary folder;
//             dev: the overlay's own init scripts (the Secret mounted at the
//             MariaDB StatefulSet's /docker-entrypoint-initdb.d) run verbatim as
//             root, as the MariaDB image does on first start; prod: the Secrets
//             the overlay leaves to the operator, made as deploy/README.md says
//             (tandem-auth, tandem-<svc>-db with a database and user per service,
//             tandem-tls from a CA made here)
//   jobs      every Job's container (the migrations), all at once; each must exit 0
//   grants    each database user of a DSN sees its own database and no other
//   start     every Deployment's container, one replica each, all at once
//   probes    the startupProbe polled until SERVING (within the time it allows),
//             then readiness and liveness SERVING; on the gRPC port: a health
//             Check with the CA when the server serves TLS, and a plaintext one
//             that must fail; plaintext SERVING otherwise
//   peers     the servers reach each other (over TLS in prod): Metrics'
//             GetFreshness (admin token signed with the pod's jwt-secret) until
//             both feeds were polled without error; Support's CreateTicket for
//             an unknown account refused by Success; Success's feed polls in
//             Support's log
//   stop      SIGTERM to every server at once; each must exit 0 within
//             terminationGracePeriodSeconds minus its preStop sleep
//
// The cluster is emulated on 127.0.0.1, changing only what must change (each
// rewrite is marked "Rewrite:" below): Service host:port → the local port of
// the pod behind it, listen addresses → free local ports, Secret and ConfigMap
// volumes → temporary folders. Nothing else of the container is changed; its
// environment is what the kubelet gives it, nothing inherited from here.
// tests/deploy/README.md ("pods_test") says what is and is not emulated.
//
// Usage: node tests/deploy/pods_test.mjs [--bin-dir BUILD_DIR] [--k8s-dir DIR]
//                                        [--overlay NAME]... [--keep]
//   --bin-dir   build tree holding services/<svc>/tandem-<svc> (default: build/)
//   --k8s-dir   kustomize tree with overlays/ (default: deploy/k8s)
//   --overlay   run only this overlay (repeatable; default: every folder of overlays/)
//   --keep      keep the temporary folder (logs, Secrets as files) for a look
// npm packages (yaml, @grpc/grpc-js, @grpc/proto-loader) come from
// $TANDEM_TEST_NODE_MODULES, else tests/node/node_modules, and so does kubectl
// (kubectl.mjs). Needs openssl, unzip, MariaDB (server and client). Exits 1 if any step of any overlay failed.

import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { parseManifests, readServers, SERVER_IMAGE } from "./checks.mjs";
import { kubectlPath } from "./kubectl.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const mariadbSh = path.join(repo, "deploy/local/mariadb.sh");

// The PATH of the runtime image (debian:bookworm-slim); the host's is not inherited.
const IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Longest wait for a startup probe, whatever the probe allows (300 s in the
// manifests, for a database that is slow to come up): a healthy start takes a
// few seconds here, and CTest gives the whole run 300 s.
const STARTUP_CAP_S = 60;
const JOB_TIMEOUT_S = 60;
const FRESHNESS_TIMEOUT_S = 30;
const LOG_LINES = 25;

// ---------------------------------------------------------------- options

function usage(message) {
  if (message) console.error(`pods_test: ${message}`);
  console.error("usage: node tests/deploy/pods_test.mjs [--bin-dir DIR] [--k8s-dir DIR] [--overlay NAME]... [--keep]");
  process.exit(2);
}

function parseOptions(argv) {
  const options = {
    binDir: path.join(repo, "build"),
    k8sDir: path.join(repo, "deploy/k8s"),
    overlays: [],
    keep: false,
    nodeModules: process.env.TANDEM_TEST_NODE_MODULES || path.join(repo, "tests/node/node_modules"),
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i] ?? usage(`${argv[i - 1]} needs a value`);
    if (argv[i] === "--bin-dir") options.binDir = path.resolve(value());
    else if (argv[i] === "--k8s-dir") options.k8sDir = path.resolve(value());
    else if (argv[i] === "--overlay") options.overlays.push(value());
    else if (argv[i] === "--keep") options.keep = true;
    else if (argv[i] === "-h" || argv[i] === "--help") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (options.overlays.length === 0) {
    const dir = path.join(options.k8sDir, "overlays");
    if (!fs.existsSync(dir)) usage(`${dir} not found`);
    options.overlays = fs.readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  }
  return options;
}

function loadPackages(nodeModules) {
  const require = createRequire(path.join(nodeModules, "index.js"));
  try {
    return {
      YAML: require("yaml"),
      grpc: require("@grpc/grpc-js"),
      protoLoader: require("@grpc/proto-loader"),
    };
  } catch (error) {
    console.error(`pods_test: ${error.message}\n  (npm packages pinned in tests/node/package.json; ` +
      `tests/run.sh installs them into ${nodeModules})`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------- reporting

// A failed step; `procs` are the processes whose last log lines explain it.
class StepFailure extends Error {
  constructor(message, procs = []) {
    super(message);
    this.procs = procs;
  }
}

function say(overlay, step, status, detail = "") {
  console.log(`[${overlay}] ${step.padEnd(9)} ${status.padEnd(6)} ${detail}`.trimEnd());
}

const seconds = (start) => `${((Date.now() - start) / 1000).toFixed(1)}s`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- processes

// Every process started here that may still run, and every MariaDB state
// folder; the exit and signal handlers clean up whatever is left.
const live = new Set();
const databases = new Set();
let workRoot = null;
let keepWork = false;

// A child process whose output goes to LOG_FILE, keeping its last lines.
class Proc {
  constructor(name, file, args, { env, cwd, uid, gid, logFile, input }) {
    this.name = name;
    this.lines = [];
    this.logFile = logFile;
    this.log = logFile ? fs.createWriteStream(logFile) : null;
    this.stdout = "";
    this.child = spawn(file, args, { env, cwd, uid, gid, stdio: ["pipe", "pipe", "pipe"] });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on("error", (error) => {
        this.note(`could not start ${file}: ${error.message}`);
        this.done = { code: null, signal: null, error };
        live.delete(this);
        resolve(this.done);
      });
      this.child.on("close", (code, signal) => {
        this.done ??= { code, signal };
        live.delete(this);
        this.log?.end();
        resolve(this.done);
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        if (stream === this.child.stdout) this.stdout += chunk;
        this.log?.write(chunk);
        const parts = (partial + chunk).split("\n");
        partial = parts.pop();
        for (const line of parts) this.note(line);
      });
      stream.on("end", () => partial && this.note(partial));
    }
    this.child.stdin.on("error", () => {});
    this.child.stdin.end(input ?? "");
  }

  note(line) {
    // Successful calls (the probes' and this test's own) would crowd out
    // what explains a failure; they stay in the log file.
    if (/^\{.*"msg":"rpc"/.test(line) && /"code":"OK"/.test(line)) return;
    this.lines.push(line);
    if (this.lines.length > LOG_LINES) this.lines.shift();
  }

  running() {
    return this.done === undefined;
  }

  kill(signal) {
    if (this.running()) this.child.kill(signal);
  }

  // Waits up to TIMEOUT_MS for the exit; null when it is still running.
  async wait(timeoutMs) {
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return result;
  }

  // How it ended, with its last line (the servers end with the reason).
  describeExit(withReason = true) {
    const { code, signal, error } = this.done ?? {};
    const how = error ? error.message : signal ? `killed by ${signal}` : `exit status ${code}`;
    const last = this.lines.at(-1);
    return withReason && last && code ? `${how}: ${last}` : how;
  }
}

// Runs a command to its end; returns {code, stdout, output} (output: last lines).
async function run(file, args, { env = process.env, input, timeoutMs = 120_000 } = {}) {
  const proc = new Proc(path.basename(file), file, args, { env, input });
  const result = await proc.wait(timeoutMs);
  if (!result) {
    proc.kill("SIGKILL");
    await proc.exited;
    const output = `timed out after ${timeoutMs / 1000}s\n${proc.lines.join("\n")}`;
    return { code: null, stdout: proc.stdout, output };
  }
  return { code: result.code, stdout: proc.stdout, output: proc.lines.join("\n") };
}

function stopMariadbSync(dir) {
  // spawnSync: also used from the exit handler, where nothing asynchronous runs.
  return spawnSync(mariadbSh, ["stop", dir], { stdio: "ignore", timeout: 130_000 });
}

// Last resort on any exit path: kill what still runs, stop the databases,
// remove the temporary folder.
function cleanUpSync() {
  for (const proc of live) proc.kill("SIGKILL");
  for (const dir of databases) stopMariadbSync(dir);
  databases.clear();
  if (workRoot && !keepWork) fs.rmSync(workRoot, { recursive: true, force: true });
}

process.on("exit", cleanUpSync);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`pods_test: ${signal}: stopping everything`);
    process.exit(128 + os.constants.signals[signal]); // runs cleanUpSync
  });
}

// Returns N distinct free TCP ports of 127.0.0.1 (never 3306). All are held
// open until every one is picked, so the kernel cannot hand one out twice.
async function freePorts(n) {
  const held = [];
  const ports = [];
  try {
    while (ports.length < n) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, resolve);
      });
      held.push(server);
      if (server.address().port !== 3306) ports.push(server.address().port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  return ports;
}

const randomHex = (bytes) => crypto.randomBytes(bytes).toString("hex");

// ---------------------------------------------------------------- the render

function decodeSecret(secret) {
  const data = {};
  // kustomize wraps long base64 values across lines; the API server skips them.
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    data[key] = Buffer.from(String(value).replace(/\s+/g, ""), "base64");
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = Buffer.from(String(value));
  return data;
}

// Indexes a render. One namespace per overlay, so objects go by name.
function indexRender(objects) {
  const byKind = (kind) => objects.filter((object) => object.kind === kind);
  const named = (kind) => new Map(byKind(kind).map((object) => [object.metadata.name, object]));
  const secrets = new Map([...named("Secret")].map(([name, secret]) => [name, decodeSecret(secret)]));
  const configMaps = new Map([...named("ConfigMap")].map(([name, map]) => [name,
    Object.fromEntries(Object.entries(map.data ?? {}).map(([key, value]) => [key, Buffer.from(String(value))]))]));
  return {
    namespace: objects.find((object) => object.metadata?.namespace)?.metadata.namespace ?? "default",
    services: named("Service"),
    secrets,
    configMaps,
    // Workloads whose pods run: Deployments and StatefulSets serve, Jobs run to the end.
    workloads: objects.filter((object) => ["Deployment", "StatefulSet", "Job"].includes(object.kind)),
  };
}

function matchesSelector(selector, labels) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels?.[key] === value);
}

// A secret or config value as text.
const text = (buffer) => buffer.toString("utf8");

// ---------------------------------------------------------------- a pod

// Everything needed to run one container of a workload here.
class Pod {
  constructor(workload, container) {
    this.workload = workload;
    this.spec = workload.spec.template.spec;
    this.container = container;
    this.name = `${workload.kind}/${workload.metadata.name}`;
    this.service = SERVER_IMAGE.exec(container.image ?? "")?.[2] ?? null;
    this.ports = new Map(); // containerPort → local port
    this.portNames = new Map(); // port name → containerPort
    for (const port of container.ports ?? []) {
      if (port.name) this.portNames.set(port.name, port.containerPort);
    }
  }

  get labels() {
    return this.workload.spec.template.metadata?.labels ?? {};
  }

  // The local port of containerPort PORT (a number or a port name), or null.
  local(port) {
    const number = typeof port === "string" ? this.portNames.get(port) : port;
    return this.ports.get(number) ?? null;
  }
}

// The effective value of flag NAME of a server: {from: "arg", index} |
// {from: "env", variable} | {from: "default"}, and value.
function flagSource(help, name, args, env) {
  const flag = help.flags.get(name);
  let found = null;
  args.forEach((arg, index) => {
    if (arg === `--${name}` && !flag?.bool && index + 1 < args.length) {
      found = { from: "arg", index: index + 1, value: args[index + 1] };
    } else if (arg.startsWith(`--${name}=`)) {
      found = { from: "arg", index, prefix: `--${name}=`, value: arg.slice(name.length + 3) };
    } else if (arg === `--${name}`) {
      found = { from: "arg", index, value: "true" };
    }
  });
  if (found) return found;
  for (const variable of flag?.envs ?? []) {
    if (env[variable]) return { from: "env", variable, value: env[variable] };
  }
  return { from: "default", value: flag?.default ?? "" };
}

function setFlag(source, name, value, args, env) {
  if (source.from === "arg") args[source.index] = (source.prefix ?? "") + value;
  else if (source.from === "env") env[source.variable] = value;
  else args.push(`--${name}=${value}`);
}

// ---------------------------------------------------------------- an overlay

class Overlay {
  constructor(name, options, packages, servers) {
    this.name = name;
    this.options = options;
    this.packages = packages;
    this.servers = servers;
    this.work = fs.mkdtempSync(path.join(workRoot, `${name}-`));
    fs.chmodSync(this.work, 0o711);
    this.procs = [];
    this.clients = [];
    this.db = null;
  }

  step(step, detail, start) {
    say(this.name, step, "ok", `${detail}${start ? ` (${seconds(start)})` : ""}`);
  }

  async renderOverlay() {
    const start = Date.now();
    const dir = path.join(this.options.k8sDir, "overlays", this.name);
    const result = await run(kubectlPath(this.options.nodeModules), ["kustomize", dir]);
    if (result.code !== 0) throw new StepFailure(`kubectl kustomize ${dir} failed:\n${result.output}`);
    const objects = parseManifests(this.packages.YAML, result.stdout, this.name).map((item) => item.object);
    this.render = indexRender(objects);
    this.pods = [];
    for (const workload of this.render.workloads) {
      for (const container of workload.spec.template.spec.containers ?? []) {
        this.pods.push(new Pod(workload, container));
      }
      if ((workload.spec.template.spec.initContainers ?? []).length > 0) {
        throw new StepFailure(`${workload.kind}/${workload.metadata.name}: init containers are not emulated`);
      }
    }
    this.step("render", `${objects.length} objects, ${this.pods.length} containers`, start);
  }

  // ------------------------------------------------------------ database

  // Runs STATEMENTS with the mariadb client over TCP as USER.
  async sql(statements, user = "root", password = this.db.password) {
    const client = fs.existsSync("/usr/bin/mariadb") ? "mariadb" : "mysql";
    const args = ["--no-defaults", "--protocol=TCP", "--host=127.0.0.1", `--port=${this.db.port}`,
      `--user=${user}`, "--batch", "--skip-column-names", "--connect-timeout=5"];
    return run(client, args, { env: { PATH: process.env.PATH, MYSQL_PWD: password }, input: statements });
  }

  async database() {
    const start = Date.now();
    const dir = path.join(this.work, "mariadb");
    fs.mkdirSync(dir);
    const [port] = await freePorts(1);
    const password = randomHex(16);
    databases.add(dir);
    this.db = { dir, port, password };
    const started = await run(mariadbSh, ["start", dir, String(port)],
      { env: { ...process.env, MARIADB_ROOT_PASSWORD: password } });
    if (started.code !== 0) throw new StepFailure(`deploy/local/mariadb.sh start failed:\n${started.output}`);

    // The MariaDB pods of the render are not run: the private MariaDB stands
    // in for them, and their containerPort maps to its port.
    const isDatabase = (pod) => /(^|\/)(mariadb|mysql)(:|@|$)/.test(pod.container.image);
    const databasePods = this.pods.filter((pod) => !pod.service && isDatabase(pod));
    const others = this.pods.filter((pod) => !pod.service && !isDatabase(pod));
    if (others.length > 0) {
      const names = others.map((pod) => `${pod.name} (${pod.container.image})`);
      throw new StepFailure(`no way to run ${names.join(", ")} here`);
    }
    const done = [];
    for (const pod of databasePods) {
      for (const item of pod.container.ports ?? []) pod.ports.set(item.containerPort, port);
      // The init scripts: what the image runs on first start from /docker-entrypoint-initdb.d.
      const mount = (pod.container.volumeMounts ?? []).find((item) => item.mountPath === "/docker-entrypoint-initdb.d");
      if (!mount) continue;
      const files = this.volumeFiles(pod, mount.name);
      for (const file of Object.keys(files).sort()) {
        if (!file.endsWith(".sql")) {
          throw new StepFailure(`${pod.name}: init script ${file}: only .sql files are emulated`);
        }
        const result = await this.sql(text(files[file]));
        if (result.code !== 0) {
          throw new StepFailure(`${pod.name}: ${file} (run as root, as the image does on first start) ` +
            `failed:\n${result.output}`);
        }
        done.push(`${file} of ${pod.name}`);
      }
    }
    await this.operatorSecrets(done);
    this.step("database", `127.0.0.1:${port}; ${done.join("; ")}`, start);
  }

  // Makes the Secrets the pods reference that the render lacks, as an
  // operator does per deploy/README.md ("prod — create the Secrets first").
  async operatorSecrets(done) {
    const wanted = new Set();
    for (const pod of this.pods.filter((item) => item.service)) {
      for (const item of pod.container.env ?? []) {
        if (item.valueFrom?.secretKeyRef) wanted.add(item.valueFrom.secretKeyRef.name);
      }
      for (const item of pod.container.envFrom ?? []) if (item.secretRef) wanted.add(item.secretRef.name);
      for (const volume of pod.spec.volumes ?? []) if (volume.secret) wanted.add(volume.secret.secretName);
    }
    const made = [];
    for (const name of [...wanted].filter((item) => !this.render.secrets.has(item)).sort()) {
      let data;
      let match;
      if (name === "tandem-auth") {
        data = { "jwt-secret": randomHex(32), "page-token-key": randomHex(32) };
      } else if ((match = /^tandem-(support|success|metrics)-db$/.exec(name))) {
        // One database and one user per service, granted its own database only.
        const user = `tandem_${match[1]}`;
        const password = randomHex(16);
        const result = await this.sql(
          `CREATE DATABASE ${user} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n` +
          `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';\n` +
          `GRANT ALL PRIVILEGES ON \`${user.replace("_", "\\_")}\`.* TO '${user}'@'%';\n`);
        if (result.code !== 0) throw new StepFailure(`creating database and user ${user} failed:\n${result.output}`);
        // The operator's external database is the private MariaDB here.
        data = { dsn: `mysql://${user}:${password}@127.0.0.1:${this.db.port}/${user}` };
      } else if (name === "tandem-tls") {
        data = await this.makeCertificates();
      } else {
        throw new StepFailure(`the pods need Secret ${name}, which is neither in the render nor one that ` +
          "deploy/README.md tells the operator to create");
      }
      this.render.secrets.set(name, Object.fromEntries(Object.entries(data).map(([key, value]) =>
        [key, Buffer.isBuffer(value) ? value : Buffer.from(value)])));
      made.push(name);
    }
    if (made.length > 0) done.push(`operator's Secrets ${made.join(", ")}`);
  }

  // A CA and a server certificate it signs, valid for every Service name of
  // the render (short, .NAMESPACE.svc, .cluster.local) and for 127.0.0.1 and
  // localhost: the peers dial 127.0.0.1 here.
  async makeCertificates() {
    const dir = path.join(this.work, "pki");
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = (name) => path.join(dir, name);
    const ns = this.render.namespace;
    const names = [...this.render.services.keys()].flatMap((service) =>
      [service, `${service}.${ns}.svc`, `${service}.${ns}.svc.cluster.local`]);
    fs.writeFileSync(file("server.ext"), [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      `subjectAltName=${[...names.map((name) => `DNS:${name}`), "DNS:localhost", "IP:127.0.0.1"].join(",")}`,
      "",
    ].join("\n"));
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    const steps = [
      ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "2",
        "-subj", "/CN=Tandem pods test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
      ["req", ...ec, "-keyout", file("tls.key"), "-out", file("tls.csr"), "-subj", `/CN=${names[0] ?? "tandem"}`],
      ["x509", "-req", "-in", file("tls.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
        "-CAcreateserial", "-out", file("tls.crt"), "-days", "2", "-extfile", file("server.ext")],
    ];
    for (const args of steps) {
      const result = await run("openssl", args);
      if (result.code !== 0) throw new StepFailure(`openssl ${args[0]} failed:\n${result.output}`);
    }
    this.caPem = fs.readFileSync(file("ca.crt"));
    return { "tls.crt": fs.readFileSync(file("tls.crt")), "tls.key": fs.readFileSync(file("tls.key")),
      "ca.crt": this.caPem };
  }

  // The files of volume NAME of POD: {relative path: Buffer}.
  volumeFiles(pod, name) {
    const volume = (pod.spec.volumes ?? []).find((item) => item.name === name);
    if (!volume) throw new StepFailure(`${pod.name}: volumeMount ${name} names no volume`);
    const source = volume.secret ?? volume.configMap;
    if (!source) return null;
    const kind = volume.secret ? "Secret" : "ConfigMap";
    const objectName = volume.secret ? source.secretName : source.name;
    const data = (volume.secret ? this.render.secrets : this.render.configMaps).get(objectName);
    if (!data) {
      if (source.optional) return {};
      throw new StepFailure(`${pod.name}: volume ${name}: ${kind} ${objectName} does not exist ` +
        "(the kubelet would leave the pod in ContainerCreating)");
    }
    if (!source.items) return { ...data };
    const files = {};
    for (const item of source.items) {
      if (!data[item.key]) {
        if (source.optional) continue;
        throw new StepFailure(`${pod.name}: volume ${name}: ${kind} ${objectName} has no key ${item.key}`);
      }
      files[item.path] = data[item.key];
    }
    return files;
  }

  // ------------------------------------------------------------ the container

  // Prepares POD to run here: its user, its volumes, its environment, its
  // arguments.
  async prepare(pod) {
    this.runAs(pod);
    const rewritePaths = this.mountVolumes(pod);
    const env = this.environment(pod);
    if (pod.container.command) {
      throw new StepFailure(`${pod.name}: command is set; only args are emulated (the image's entrypoint is the server)`);
    }
    // $(VAR) expanded as the kubelet does.
    const args = (pod.container.args ?? []).map((arg) => expand(String(arg), env));
    for (const key of Object.keys(env)) env[key] = this.rewriteHosts(pod.name, rewritePaths(env[key]));
    for (let i = 0; i < args.length; i++) args[i] = this.rewriteHosts(pod.name, rewritePaths(args[i]));

    // Rewrite: each listen address (--listen, --metrics-listen,
    // --health-listen, set by an argument, a variable or the default) becomes
    // 127.0.0.1:<free port>, the local port of that containerPort. A
    // migration (--migrate-only) listens on nothing.
    const help = this.servers[pod.service];
    pod.flags = (name) => flagSource(help, name, args, env).value;
    if (pod.flags("migrate-only") !== "true") {
      for (const name of [...help.flags.keys()].filter((flag) => flag.endsWith("listen"))) {
        const source = flagSource(help, name, args, env);
        const port = Number(/:(\d+)$/.exec(source.value)?.[1]);
        if (!source.value || !port) continue; // empty: disabled
        if (!pod.ports.has(port)) pod.ports.set(port, (await freePorts(1))[0]);
        setFlag(source, name, `127.0.0.1:${pod.ports.get(port)}`, args, env);
      }
    }
    pod.env = env;
    pod.args = args;
    pod.binary = path.join(this.options.binDir, "services", pod.service, `tandem-${pod.service}`);
  }

  // Runs POD as its runAsUser and runAsGroup when we may (we are root); its
  // Secret files are then owned by root and the pod's fsGroup, as the kubelet
  // makes them, and readable only through the volume's mode.
  runAs(pod) {
    const asRoot = process.getuid?.() === 0;
    const security = { ...(pod.spec.securityContext ?? {}), ...(pod.container.securityContext ?? {}) };
    pod.uid = asRoot ? security.runAsUser : undefined;
    pod.gid = pod.uid !== undefined ? security.runAsGroup ?? 0 : undefined;
    pod.fsGroup = asRoot ? pod.spec.securityContext?.fsGroup : undefined;
    if (pod.fsGroup !== undefined && pod.gid !== undefined && pod.fsGroup !== pod.gid) {
      // Node cannot give a child supplementary groups: fsGroup works here only as the primary group.
      throw new StepFailure(`${pod.name}: fsGroup ${pod.fsGroup} differs from runAsGroup ${pod.gid}; not emulated`);
    }
  }

  // Rewrite: each volumeMount of a Secret or ConfigMap volume becomes a
  // folder of this run holding the keys as files with the volume's modes; an
  // emptyDir becomes an empty folder. Returns the function that rewrites
  // paths under the mountPaths in a variable or argument.
  mountVolumes(pod) {
    const mounts = [];
    pod.mountNotes = [];
    for (const mount of pod.container.volumeMounts ?? []) {
      const volume = (pod.spec.volumes ?? []).find((item) => item.name === mount.name);
      if (!volume) throw new StepFailure(`${pod.name}: volumeMount ${mount.name} names no volume`);
      const folder = path.join(this.work, "volumes", `${pod.workload.metadata.name}-${pod.container.name}`, mount.name);
      fs.mkdirSync(folder, { recursive: true, mode: 0o755 });
      if (volume.emptyDir) {
        if (pod.fsGroup !== undefined) fs.chownSync(folder, 0, pod.fsGroup);
        fs.chmodSync(folder, 0o2777);
      } else {
        const files = this.volumeFiles(pod, mount.name);
        if (!files) {
          throw new StepFailure(`${pod.name}: volume ${mount.name}: only secret, configMap and emptyDir volumes are emulated`);
        }
        const source = volume.secret ?? volume.configMap;
        for (const [file, content] of Object.entries(files)) {
          const target = path.join(folder, file);
          fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
          fs.writeFileSync(target, content);
          if (pod.fsGroup !== undefined) fs.chownSync(target, 0, pod.fsGroup);
          fs.chmodSync(target, source.items?.find((item) => item.path === file)?.mode ?? source.defaultMode ?? 0o644);
        }
        const owner = pod.fsGroup !== undefined ? `, owner 0:${pod.fsGroup}, read by uid ${pod.uid} gid ${pod.gid}` : "";
        pod.mountNotes.push(`mounted here: ${mount.mountPath} → ${folder} ` +
          `(${volume.secret ? "Secret" : "ConfigMap"} ${volume.secret?.secretName ?? volume.configMap.name}, ` +
          `files ${Object.keys(files).join(", ") || "none"}, mode 0${(source.defaultMode ?? 0o644).toString(8)}${owner})`);
      }
      const from = mount.mountPath.replace(/\/$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      mounts.push({ pattern: new RegExp(`(^|[=,:\\s])${from}(?=/|$|[,\\s])`, "g"),
        to: mount.subPath ? path.join(folder, mount.subPath) : folder });
    }
    return (value) => mounts.reduce((result, { pattern, to }) =>
      result.replace(pattern, (whole, before) => `${before}${to}`), value);
  }

  // POD's environment as the kubelet builds it: Service links, envFrom, env,
  // and the image's PATH. Nothing of this process's environment is inherited.
  environment(pod) {
    const env = this.serviceLinks(pod);
    const missing = (what) =>
      new StepFailure(`${pod.name}: ${what} (the kubelet would not start the container: CreateContainerConfigError)`);
    for (const source of pod.container.envFrom ?? []) {
      const ref = source.configMapRef ?? source.secretRef;
      const data = (source.configMapRef ? this.render.configMaps : this.render.secrets).get(ref.name);
      if (!data) {
        if (ref.optional) continue;
        throw missing(`envFrom ${source.configMapRef ? "ConfigMap" : "Secret"} ${ref.name} does not exist`);
      }
      for (const [key, value] of Object.entries(data)) env[(source.prefix ?? "") + key] = text(value);
    }
    for (const item of pod.container.env ?? []) {
      const ref = item.valueFrom?.secretKeyRef ?? item.valueFrom?.configMapKeyRef;
      const field = item.valueFrom?.fieldRef?.fieldPath;
      if (!item.valueFrom) {
        env[item.name] = expand(String(item.value ?? ""), env);
      } else if (ref) {
        const kind = item.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
        const data = (kind === "Secret" ? this.render.secrets : this.render.configMaps).get(ref.name);
        if (data?.[ref.key] !== undefined) env[item.name] = text(data[ref.key]);
        else if (!ref.optional) throw missing(`env ${item.name}: ${kind} ${ref.name} has no key ${ref.key}`);
      } else if (field) {
        const fields = {
          "metadata.name": `${pod.workload.metadata.name}-0`, "metadata.namespace": this.render.namespace,
          "status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1", "spec.nodeName": os.hostname(),
          "spec.serviceAccountName": pod.spec.serviceAccountName ?? "default",
        };
        if (!(field in fields)) {
          throw new StepFailure(`${pod.name}: env ${item.name}: fieldRef ${field} is not emulated`);
        }
        env[item.name] = fields[field];
      } else {
        throw new StepFailure(`${pod.name}: env ${item.name}: this valueFrom is not emulated`);
      }
    }
    env.PATH = IMAGE_PATH;
    return env;
  }

  // The variables the kubelet adds unless enableServiceLinks is false, for
  // every Service with a cluster IP: TANDEM_SUPPORT_SERVICE_HOST,
  // TANDEM_SUPPORT_PORT, ... They share the servers' TANDEM_<SVC>_ prefix, so
  // a server that mistook one for a setting would show here.
  serviceLinks(pod) {
    const env = {};
    if (pod.spec.enableServiceLinks === false) return env;
    const ip = "10.96.0.10"; // any address: nothing here dials it
    for (const [name, service] of this.render.services) {
      const ports = service.spec.ports ?? [];
      if (service.spec.clusterIP === "None" || ports.length === 0) continue;
      const prefix = name.toUpperCase().replace(/-/g, "_");
      env[`${prefix}_SERVICE_HOST`] = ip;
      env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
      env[`${prefix}_PORT`] = `tcp://${ip}:${ports[0].port}`;
      for (const port of ports) {
        const protocol = (port.protocol ?? "TCP").toUpperCase();
        if (port.name) env[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, "_")}`] = String(port.port);
        const key = `${prefix}_PORT_${port.port}_${protocol}`;
        env[key] = `${protocol.toLowerCase()}://${ip}:${port.port}`;
        env[`${key}_PROTO`] = protocol.toLowerCase();
        env[`${key}_PORT`] = String(port.port);
        env[`${key}_ADDR`] = ip;
      }
    }
    return env;
  }

  // Rewrite: every host:port in VALUE whose host is a Service of the render
  // (host:port, dns:///host:port, a DSN's @host:port, also host.NAMESPACE.svc
  // and host.NAMESPACE.svc.cluster.local) becomes 127.0.0.1:<local port of the
  // pod behind it>; the MariaDB Service's becomes the private MariaDB's.
  rewriteHosts(where, value) {
    const ns = this.render.namespace;
    return value.replace(/(^|[/@,=\s])([a-z0-9]([-a-z0-9]*[a-z0-9])?)((\.[a-z0-9-]+)*):(\d+)\b/g,
      (whole, before, host, _, suffix, __, port) => {
        if (!["", `.${ns}`, `.${ns}.svc`, `.${ns}.svc.cluster.local`].includes(suffix)) return whole;
        if (!this.render.services.has(host)) return whole;
        return `${before}127.0.0.1:${this.serviceTarget(where, host, Number(port))}`;
      });
  }

  // The local port behind Service NAME's PORT, as seen by WHERE: for a
  // ClusterIP Service, its port → targetPort → the containerPort of a pod it
  // selects; for a headless Service, the pods' own port (clients dial the pod).
  serviceTarget(where, name, port) {
    const service = this.render.services.get(name);
    const headless = service.spec.clusterIP === "None";
    const entry = (service.spec.ports ?? []).find((item) => item.port === port);
    if (!entry && !headless) throw new StepFailure(`${where}: ${name}:${port}: Service ${name} has no port ${port}`);
    const target = headless ? port : entry.targetPort ?? entry.port;
    const pods = this.pods.filter((pod) =>
      pod.workload.kind !== "Job" && matchesSelector(service.spec.selector, pod.labels));
    if (pods.length === 0) throw new StepFailure(`${where}: ${name}:${port}: Service ${name} selects no pod`);
    for (const pod of pods) {
      const local = pod.local(target);
      if (local) return local;
    }
    throw new StepFailure(`${where}: ${name}:${port}: no pod selected by Service ${name} has the ` +
      `containerPort ${target} (${pods.map((pod) => pod.name).join(", ")})`);
  }

  start(pod) {
    const logFile = path.join(this.work, `${pod.workload.metadata.name}.log`);
    const proc = new Proc(pod.name, pod.binary, pod.args,
      { env: pod.env, cwd: "/", uid: pod.uid, gid: pod.gid, logFile });
    pod.proc = proc;
    this.procs.push(proc);
    return proc;
  }

  // ------------------------------------------------------------ steps

  async prepareAll() {
    // Local ports for every containerPort of the serving pods first, so that
    // any pod's Service addresses can be rewritten.
    const serving = this.pods.filter((pod) => pod.service && pod.workload.kind !== "Job");
    const wanted = serving.flatMap((pod) => (pod.container.ports ?? []).map((item) => [pod, item.containerPort]));
    const ports = await freePorts(wanted.length);
    wanted.forEach(([pod, containerPort], i) => pod.ports.set(containerPort, ports[i]));
    for (const pod of this.pods.filter((item) => item.service)) await this.prepare(pod);
  }

  async jobs() {
    const start = Date.now();
    const jobs = this.pods.filter((pod) => pod.service && pod.workload.kind === "Job");
    const procs = jobs.map((pod) => this.start(pod));
    const limit = (pod) => 1000 * Math.min(JOB_TIMEOUT_S, pod.workload.spec.activeDeadlineSeconds ?? Infinity);
    const results = await Promise.all(jobs.map((pod, i) => procs[i].wait(limit(pod))));
    const failed = jobs.filter((pod, i) => !results[i] || results[i].code !== 0);
    if (failed.length > 0) {
      const why = (pod) => pod.proc.running() ? `still running after ${limit(pod) / 1000}s`
        : `failed: ${pod.proc.describeExit()}`;
      throw new StepFailure(failed.map((pod) => `${pod.name} ${why(pod)} (the Job must complete on its first try)`)
        .join("\n"), failed.map((pod) => pod.proc));
    }
    this.step("jobs", `${jobs.map((pod) => pod.workload.metadata.name).join(", ")} exited 0`, start);
  }

  // Each DSN's user sees its own database and no other.
  async grants() {
    const start = Date.now();
    const seen = new Map();
    for (const pod of this.pods.filter((item) => item.service)) {
      const dsn = pod.flags("db-dsn");
      if (!dsn || seen.has(dsn)) continue;
      const url = new URL(dsn);
      const user = decodeURIComponent(url.username);
      const database = decodeURIComponent(url.pathname.slice(1));
      const result = await this.sql("SHOW DATABASES;", user, decodeURIComponent(url.password));
      if (result.code !== 0) throw new StepFailure(`${pod.name}: cannot connect as ${user}:\n${result.output}`);
      const visible = result.stdout.split("\n").filter((name) => name && name !== "information_schema");
      if (visible.length !== 1 || visible[0] !== database) {
        throw new StepFailure(`${pod.name}: database user ${user} sees ${visible.join(", ") || "no database"}; ` +
          `it must see ${database} and nothing else`);
      }
      seen.set(dsn, `${user} → ${database}`);
    }
    this.step("grants", `${[...seen.values()].join(", ")} only`, start);
  }

  // Client credentials and channel options for POD's gRPC port: TLS verified
  // against the CA, for the name of a Service that selects the pod (a
  // headless one first: the name peers dial), when the server serves TLS.
  channel(pod, tls) {
    const { grpc } = this.packages;
    if (!tls) return { credentials: grpc.credentials.createInsecure(), options: {} };
    const ca = this.caPem ?? fs.readFileSync(pod.flags("peer-tls-ca-file"));
    const names = [...this.render.services].filter(([, service]) => matchesSelector(service.spec.selector, pod.labels))
      .sort(([, a], [, b]) => (b.spec.clusterIP === "None") - (a.spec.clusterIP === "None")).map(([name]) => name);
    const name = names[0] ?? "localhost";
    return {
      credentials: grpc.credentials.createSsl(ca), name,
      options: { "grpc.ssl_target_name_override": name, "grpc.default_authority": name },
    };
  }

  health(port, service, { channel = null, timeoutMs = 2000 } = {}) {
    const { grpc } = this.packages;
    const { credentials, options } = channel ?? this.channel(null, false);
    const client = new this.healthClient(`127.0.0.1:${port}`, credentials, options);
    this.clients.push(client);
    return new Promise((resolve) => {
      client.Check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
        client.close();
        resolve(error ? { error: `${grpc.status[error.code] ?? error.code}: ${error.details}` }
          : { status: response.status });
      });
    });
  }

  // Calls PROBE's grpc health Check on POD; {ok, detail}.
  async probe(pod, probe) {
    if (!probe?.grpc) throw new StepFailure(`${pod.name}: only grpc probes are emulated`);
    const local = pod.local(probe.grpc.port);
    if (!local) {
      throw new StepFailure(`${pod.name}: probe port ${probe.grpc.port} is not a port the server listens on here`);
    }
    const timeoutMs = 1000 * (probe.timeoutSeconds ?? 1);
    const result = await this.health(local, probe.grpc.service ?? "", { timeoutMs });
    return { ok: result.status === "SERVING", detail: result.error ?? result.status };
  }

  async startServers() {
    const start = Date.now();
    this.serving = this.pods.filter((pod) => pod.service && pod.workload.kind !== "Job");
    for (const pod of this.serving) this.start(pod);
    await Promise.all(this.serving.map(async (pod) => {
      const startup = pod.container.startupProbe;
      const allowed = 1000 * Math.min(STARTUP_CAP_S, (startup?.initialDelaySeconds ?? 0) +
        (startup?.failureThreshold ?? 3) * (startup?.periodSeconds ?? 10));
      const deadline = Date.now() + allowed;
      let last = "no answer";
      // Polled every 0.25 s instead of every periodSeconds, within the time the probe allows.
      for (;;) {
        if (!pod.proc.running()) {
          throw new StepFailure(`${pod.name} exited before its startup probe passed: ${pod.proc.describeExit()}` +
            pod.mountNotes.map((note) => `\n${note}`).join(""), [pod.proc]);
        }
        if (startup) {
          const result = await this.probe(pod, startup);
          if (result.ok) break;
          last = result.detail;
        } else {
          break;
        }
        if (Date.now() > deadline) {
          throw new StepFailure(`${pod.name}: startupProbe ${describeProbe(startup)} not SERVING within ` +
            `${allowed / 1000}s: ${last}`, [pod.proc]);
        }
        await sleep(250);
      }
      pod.started = Date.now() - start;
    }));
    const user = this.serving[0]?.uid !== undefined ? `, as uid ${this.serving[0].uid} gid ${this.serving[0].gid}`
      : ", as this user (not root: the pods' runAsUser and file ownership are not emulated)";
    this.step("start", `startup probes SERVING: ${this.serving.map((pod) =>
      `${pod.workload.metadata.name} ${(pod.started / 1000).toFixed(1)}s`).join(", ")}${user}`);
  }

  async probes() {
    const start = Date.now();
    const details = [];
    for (const pod of this.serving) {
      for (const kind of ["readinessProbe", "livenessProbe"]) {
        const probe = pod.container[kind];
        if (!probe) throw new StepFailure(`${pod.name} has no ${kind}`);
        // Readiness may take a moment after start-up; a few tries, as the kubelet makes.
        let result;
        for (let attempt = 0; attempt < 10; attempt++) {
          result = await this.probe(pod, probe);
          if (result.ok) break;
          await sleep(500);
        }
        if (!result.ok) {
          throw new StepFailure(`${pod.name}: ${kind} ${describeProbe(probe)}: ${result.detail}`, [pod.proc]);
        }
      }
      // The gRPC port itself: TLS with the CA when the server serves TLS (and
      // plaintext must then fail), plaintext otherwise.
      const grpcPort = pod.local("grpc") ?? pod.local(Number(/:(\d+)$/.exec(pod.flags("listen"))?.[1]));
      const tlsFile = pod.flags("tls-cert-file");
      if (tlsFile) {
        const channel = this.channel(pod, true);
        const secure = await this.health(grpcPort, "", { channel });
        if (secure.status !== "SERVING") {
          throw new StepFailure(`${pod.name}: health Check over TLS on the gRPC port (verified against the CA ` +
            `for the name ${channel.name}): ${secure.error ?? secure.status}`, [pod.proc]);
        }
        const plain = await this.health(grpcPort, "");
        if (!plain.error) {
          throw new StepFailure(`${pod.name}: a plaintext health Check on the TLS gRPC port answered ${plain.status}`);
        }
        details.push(`${pod.workload.metadata.name} (TLS as ${channel.name}; plaintext refused)`);
      } else {
        const plain = await this.health(grpcPort, "");
        if (plain.status !== "SERVING") {
          throw new StepFailure(`${pod.name}: health Check on the gRPC port: ${plain.error ?? plain.status}`, [pod.proc]);
        }
        details.push(`${pod.workload.metadata.name} (plaintext grpc)`);
      }
    }
    this.step("probes", `readiness, liveness SERVING; ${details.join(", ")}`, start);
  }

  // Signs an HS256 JWT as the servers expect (common/auth.cc).
  static token(secret, issuer) {
    const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const body = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({
      iss: issuer, sub: "pods-test", tenant: "pods-test", roles: ["admin"], iat: now, exp: now + 600,
    })}`;
    return `${body}.${crypto.createHmac("sha256", secret).update(body).digest("base64url")}`;
  }

  // A client of POD's gRPC port for SERVICE (e.g. tandem.metrics.v1.MetricsService)
  // and the metadata of an admin token signed with the pod's own jwt-secret.
  client(pod, file, service) {
    const { grpc, protoLoader } = this.packages;
    const definition = protoLoader.loadSync(file, {
      includeDirs: [path.join(repo, "protos"), "/usr/include"],
      keepCase: true, longs: String, enums: String, defaults: true,
    });
    const Client = service.split(".").reduce((scope, name) => scope[name], grpc.loadPackageDefinition(definition));
    const { credentials, options } = this.channel(pod, Boolean(pod.flags("tls-cert-file")));
    const client = new Client(`127.0.0.1:${pod.local("grpc")}`, credentials, options);
    this.clients.push(client);
    const metadata = new grpc.Metadata();
    const token = Overlay.token(pod.flags("jwt-secret"), pod.flags("jwt-issuer") || "tandem");
    metadata.add("authorization", `Bearer ${token}`);
    const call = (method, request) => new Promise((resolve) => client[method](request, metadata,
      { deadline: Date.now() + 5000 }, (error, response) => resolve(error
        ? { code: error.code, error: `${grpc.status[error.code] ?? error.code}: ${error.details}` } : { response })));
    return { client, call };
  }

  // The peers reach each other (over TLS when the servers serve it): Metrics
  // polls both feeds (Metrics → Support, Metrics → Success), Support asks
  // Success about a ticket's account, Success polls Support's feed.
  async peers() {
    const start = Date.now();
    const pod = this.serving.find((item) => item.service === "metrics");
    if (!pod) throw new StepFailure("no tandem-metrics Deployment in the render");
    const tlsFile = pod.flags("tls-cert-file");
    const { client, call } = this.client(pod, "tandem/metrics/v1/metrics_service.proto",
      "tandem.metrics.v1.MetricsService");
    const deadline = Date.now() + 1000 * FRESHNESS_TIMEOUT_S;
    let last = "no answer";
    try {
      for (;;) {
        const answer = await call("GetFreshness", {});
        if (answer.error) {
          last = answer.error;
        } else {
          const feeds = new Map(answer.response.feeds.map((feed) => [feed.feed, feed]));
          const pending = ["support", "success"].filter((name) =>
            !feeds.get(name)?.last_poll_time || feeds.get(name).last_error);
          if (pending.length === 0) break;
          last = pending.map((name) => `${name}: ${feeds.get(name)?.last_error || "not polled yet"}`).join("; ");
        }
        if (Date.now() > deadline) {
          throw new StepFailure(`GetFreshness of ${pod.name}: both feeds not polled without error within ` +
            `${FRESHNESS_TIMEOUT_S}s: ${last}`, [pod.proc]);
        }
        await sleep(300);
      }
    } finally {
      client.close();
    }
    const checked = ["Metrics → Support, Success (GetFreshness: both feeds polled, no error)"];

    // Support → Success: a ticket naming an account that does not exist is
    // INVALID_ARGUMENT only when Support reached Success; an unreachable
    // Success would let the ticket through as PENDING_VERIFICATION.
    const support = this.serving.find((item) => item.service === "support");
    if (support && this.serving.some((item) => item.service === "success")) {
      const { client: tickets, call: ask } = this.client(support, "tandem/support/v1/support_service.proto",
        "tandem.support.v1.SupportService");
      const id = Array.from(crypto.randomBytes(25), (byte) => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[byte % 32]).join("");
      const missing = `accounts/0${id}`; // a well-formed id (common/ids.cc) that Success never made
      const answer = await ask("CreateTicket",
        { ticket: { subject: "pods test", requester_email: "pods@example.com", account: missing } });
      tickets.close();
      if (answer.code !== this.packages.grpc.status.INVALID_ARGUMENT || !/does not exist in Success/.test(answer.error)) {
        throw new StepFailure(`${support.name} → Success: CreateTicket for the unknown ${missing} should be ` +
          "INVALID_ARGUMENT " +
          `("does not exist in Success"), which needs Success's answer; got ${answer.error ?? `a ticket, ` +
          `account_check ${answer.response.account_check}`}`, [support.proc]);
      }
      checked.push("Support → Success (CreateTicket: unknown account refused by Success)");
    }

    // Success → Support: Success polls Support's event feed; Support logs
    // every call (at level info) with the caller's subject.
    const success = this.serving.find((item) => item.service === "success");
    if (support && success && ["debug", "info"].includes(support.flags("log-level") || "info")) {
      const polled = (line) => {
        try {
          const entry = JSON.parse(line);
          return /EventFeed\/ListEvents$/.test(entry.method ?? "") && entry.subject === "success" &&
            entry.code === "OK";
        } catch {
          return false;
        }
      };
      const until = Date.now() + 1000 * FRESHNESS_TIMEOUT_S;
      while (!fs.readFileSync(support.proc.logFile, "utf8").split("\n").some(polled)) {
        if (Date.now() > until) {
          throw new StepFailure(`Success → Support: ${support.name} logged no successful EventFeed/ListEvents call ` +
            `from subject "success" within ${FRESHNESS_TIMEOUT_S}s`, [success.proc]);
        }
        await sleep(300);
      }
      checked.push("Success → Support (its feed polls, in Support's log)");
    }
    this.step("peers", `${checked.join("; ")}${tlsFile ? ", over TLS" : ""}`, start);
  }

  async stop() {
    const start = Date.now();
    for (const client of this.clients) client.close();
    // The kubelet runs the preStop sleep, then sends SIGTERM; what is left of
    // the grace period after the sleep is the server's to exit in.
    const budget = (pod) => 1000 * ((pod.spec.terminationGracePeriodSeconds ?? 30) -
      (pod.container.lifecycle?.preStop?.sleep?.seconds ?? 0));
    for (const pod of this.serving) pod.proc.kill("SIGTERM");
    const results = await Promise.all(this.serving.map((pod) => pod.proc.wait(budget(pod))));
    const failed = this.serving.filter((pod, i) => !results[i] || results[i].code !== 0);
    if (failed.length > 0) {
      const why = (pod) => pod.proc.running() ? `still running after ${budget(pod) / 1000}s` : pod.proc.describeExit();
      throw new StepFailure(failed.map((pod) => `${pod.name} after SIGTERM: ${why(pod)}`).join("\n"),
        failed.map((pod) => pod.proc));
    }
    this.step("stop", `SIGTERM: all exited 0 within terminationGracePeriodSeconds - preStop (${seconds(start)})`);
  }

  // Stops whatever still runs, and the database.
  async cleanUp() {
    for (const client of this.clients) client.close();
    for (const proc of this.procs) proc.kill("SIGKILL");
    await Promise.all(this.procs.map((proc) => proc.exited));
    if (this.db) {
      const result = await run(mariadbSh, ["stop", this.db.dir], { timeoutMs: 130_000 });
      if (result.code === 0) databases.delete(this.db.dir);
      else console.error(`pods_test: [${this.name}] mariadb.sh stop failed:\n${result.output}`);
    }
  }

  async run() {
    const start = Date.now();
    try {
      await this.renderOverlay();
      await this.database();
      await this.prepareAll();
      await this.jobs();
      await this.grants();
      const healthProto = this.packages.protoLoader.loadSync("grpc/health/v1/health.proto", {
        includeDirs: [process.env.TANDEM_GRPC_PROTO_PATH || "/usr/share/grpc-proto"], enums: String, keepCase: true,
      });
      this.healthClient = this.packages.grpc.loadPackageDefinition(healthProto).grpc.health.v1.Health;
      await this.startServers();
      await this.probes();
      await this.peers();
      await this.stop();
      return { ok: true, detail: `passed in ${seconds(start)}` };
    } catch (error) {
      const message = error instanceof StepFailure ? error.message : error.stack;
      say(this.name, "FAILED", "", message.replace(/\n/g, "\n    "));
      for (const proc of error.procs ?? []) {
        const whole = this.options.keep ? `whole log: ${proc.logFile}` : "--keep keeps the whole log";
        console.log(`    --- last lines of ${proc.name} (${proc.running() ? "running" : proc.describeExit(false)}; ` +
          `successful calls left out; ${whole}):`);
        for (const line of proc.lines) console.log(`    | ${line}`);
      }
      return { ok: false, detail: `FAILED: ${message.split("\n")[0]}` };
    } finally {
      await this.cleanUp();
    }
  }
}

function describeProbe(probe) {
  return `(grpc port ${probe.grpc.port}, service "${probe.grpc.service ?? ""}")`;
}

// Kubelet-style $(VAR) expansion from the variables defined so far; $$ escapes.
function expand(value, env) {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name) =>
    whole === "$$" ? "$" : env[name] ?? whole);
}

// ---------------------------------------------------------------- main

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const packages = loadPackages(options.nodeModules);
  const { servers, errors } = readServers(options.binDir);
  if (errors.length > 0) {
    console.error(`pods_test: ${errors.join("\n  ")}`);
    process.exit(1);
  }
  keepWork = options.keep;
  workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-pods-"));
  fs.chmodSync(workRoot, 0o711); // the pods' user must reach its volume folders
  if (process.getuid?.() === 0) {
    // ... and so must every folder above it.
    for (let dir = path.dirname(workRoot); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if ((fs.statSync(dir).mode & 0o001) === 0) {
        console.error(`pods_test: ${dir} is closed to other users, so the pods' user could not read its ` +
          "volumes: set TMPDIR to a folder others may traverse");
        process.exit(2);
      }
    }
  }
  const start = Date.now();
  const summary = [];
  let failed = false;
  for (const name of options.overlays) {
    const result = await new Overlay(name, options, packages, servers).run();
    summary.push(`${name.padEnd(8)} ${result.detail}`);
    failed ||= !result.ok;
  }
  console.log(`\n==== pods_test: summary (${seconds(start)}) ====`);
  for (const line of summary) console.log(`  ${line}`);
  if (keepWork) console.log(`  kept ${workRoot}`);
  console.log(failed ? "==== FAILED ====" : "==== all passed ====");
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(`pods_test: ${error.stack}`);
  process.exitCode = 1;
});
