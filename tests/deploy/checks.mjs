// The checks behind tests/deploy/check.sh, as functions of their inputs so that
// check.mjs runs them on the rendered overlays and selftest.mjs on mutated
// copies of a known-good fixture. Each check returns a list of error strings;
// an empty list means it passed.
//
// Packages come from the node_modules folder given to loadPackages():
// kubernetes-models and @kubernetes-models/validate (schemas), yaml, and
// dockerfile-utils (Dockerfile lint).

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

// Images of Tandem servers: tandem-support, REGISTRY/tandem-success:TAG, ...
export const SERVER_IMAGE = /(^|\/)tandem-(support|success|metrics)(:|@|$)/;
export const SERVICES = ["support", "success", "metrics"];

const DEFAULT_GRACE_SECONDS = 30; // Kubernetes' default terminationGracePeriodSeconds
const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"];

// ---------------------------------------------------------------- packages

// Loads the npm packages the checks need from NODE_MODULES.
export async function loadPackages(nodeModules) {
  const need = ["kubernetes-models", "@kubernetes-models/validate", "yaml", "dockerfile-utils"];
  const missing = need.filter((name) => !existsSync(path.join(nodeModules, name, "package.json")));
  if (missing.length > 0) {
    throw new Error(`missing npm packages in ${nodeModules}: ${missing.join(", ")} ` +
      "(pinned in tests/node/package.json; tests/run.sh installs them)");
  }
  const require = createRequire(path.join(nodeModules, "index.js"));
  const modelCache = new Map();
  return {
    YAML: require("yaml"),
    dockerfileUtils: require("dockerfile-utils"),
    // Returns the kubernetes-models class for apiVersion/kind, or null when
    // the package defines no such kind.
    async model(apiVersion, kind) {
      const key = `${apiVersion}/${kind}`;
      if (!modelCache.has(key)) {
        let found = null;
        if (/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(String(apiVersion)) && /^[A-Za-z0-9]+$/.test(String(kind))) {
          const file = path.join(nodeModules, "kubernetes-models", apiVersion, `${kind}.js`);
          if (existsSync(file)) {
            const cls = (await import(pathToFileURL(file).href))[kind];
            // Top-level kinds carry their apiVersion and kind; nested types
            // such as v1/Probe do not.
            if (cls && cls.apiVersion === apiVersion && cls.kind === kind) found = cls;
          }
        }
        modelCache.set(key, found);
      }
      return modelCache.get(key);
    },
  };
}

// Parses multi-document YAML into objects, each tagged with SOURCE (a name
// for messages, e.g. the overlay).
export function parseManifests(YAML, text, source) {
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push({ source, object: value });
  }
  return objects;
}

function label(object) {
  return `${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;
}

function namespaceOf(object) {
  return object?.metadata?.namespace ?? "";
}

// ---------------------------------------------------------------- schema

// Base64 fields as the API server decodes them: Go's decoder skips line
// breaks, and kustomize wraps long Secret values across lines.
function asDecoded(object) {
  const field = object?.apiVersion === "v1" && object.kind === "Secret" ? "data"
    : object?.apiVersion === "v1" && object.kind === "ConfigMap" ? "binaryData" : null;
  if (!field || !object[field] || typeof object[field] !== "object") return object;
  const copy = { ...object, [field]: { ...object[field] } };
  for (const [key, value] of Object.entries(copy[field])) {
    if (typeof value === "string") copy[field][key] = value.replace(/[\r\n]/g, "");
  }
  return copy;
}

// Validates every object against its Kubernetes schema (kubernetes-models'
// validate()). Unknown apiVersion/kind pairs are errors.
export async function schemaErrors(packages, manifests) {
  const errors = [];
  for (const { source, object } of manifests) {
    const where = `${source}: ${label(object)}`;
    const Model = await packages.model(object?.apiVersion, object?.kind);
    if (!Model) {
      errors.push(`${where}: unknown kind ${object?.apiVersion}/${object?.kind} (not in kubernetes-models)`);
      continue;
    }
    try {
      new Model(asDecoded(object)).validate();
    } catch (error) {
      errors.push(`${where}: ${error.message}`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------- strict fields

// Rejects fields the Kubernetes schema does not define. kubernetes-models
// ships its schemas compiled into validator functions (no JSON files), and a
// validator reads exactly the properties its schema defines, follows every
// $ref into the nested validators, and enumerates the keys of maps
// (additionalProperties). So each object is validated through a Proxy that
// records which keys the validator read, at every depth; a key it never read
// is not in the schema. Scalars such as int-or-string and quantities are
// leaves and need nothing special.
export async function strictErrors(packages, manifests) {
  const errors = [];
  for (const { source, object } of manifests) {
    const Model = await packages.model(object?.apiVersion, object?.kind);
    if (!Model) continue; // reported by the schema check
    // One record per object (the validator may read a property more than
    // once, e.g. to test for it and then to validate it).
    const watched = new Map();
    const wrap = (value, at) => {
      if (value === null || typeof value !== "object") return value;
      if (!watched.has(value)) {
        const read = new Set();
        const proxy = new Proxy(value, {
          get(target, key, receiver) {
            const result = Reflect.get(target, key, receiver);
            if (typeof key !== "string" || !Object.hasOwn(target, key)) return result;
            read.add(key);
            return wrap(result, Array.isArray(target) ? `${at}[${key}]` : at ? `${at}.${key}` : key);
          },
        });
        watched.set(value, { at, read, proxy });
      }
      return watched.get(value).proxy;
    };
    try {
      Model.prototype.validate.call(wrap(object, ""));
    } catch {
      // Schema errors are the schema check's to report.
    }
    for (const [value, { at, read }] of watched) {
      if (Array.isArray(value)) continue;
      for (const key of Object.keys(value)) {
        if (!read.has(key)) {
          const field = at ? `${at}.${key}` : key;
          errors.push(`${source}: ${label(object)}: ${field}: unknown field`);
        }
      }
    }
  }
  return errors;
}

// ---------------------------------------------------------------- Dockerfile

// Splits a Dockerfile into instructions {keyword, args, line}, joining
// continuation lines and dropping comments.
export function dockerfileInstructions(text) {
  const instructions = [];
  let pending = null;
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (pending === null && /^\s*(#|$)/.test(line)) return;
    if (pending !== null && /^\s*#/.test(line)) return; // comment inside a continuation
    const continued = /\\\s*$/.test(line);
    const piece = continued ? line.replace(/\\\s*$/, "") : line;
    if (pending === null) pending = { text: piece, line: index + 1 };
    else pending.text += ` ${piece.trim()}`;
    if (!continued) {
      const match = /^\s*(\S+)\s*(.*)$/.exec(pending.text);
      instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: pending.line });
      pending = null;
    }
  });
  if (pending !== null) {
    const match = /^\s*(\S+)\s*(.*)$/.exec(pending.text);
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: pending.line });
  }
  return instructions;
}

function isExecForm(args) {
  if (!args.startsWith("[")) return false;
  try {
    const list = JSON.parse(args);
    return Array.isArray(list) && list.length > 0 && list.every((item) => typeof item === "string");
  } catch {
    return false;
  }
}

// Lints one Dockerfile: dockerfile-utils' validator (errors and warnings both
// fail) and Tandem's own rules for the runtime image.
export function dockerfileErrors(packages, text, name) {
  const errors = [];
  const severity = { 1: "error", 2: "warning", 3: "info", 4: "hint" };
  for (const diagnostic of packages.dockerfileUtils.validate(text)) {
    if (diagnostic.severity !== 1 && diagnostic.severity !== 2) continue;
    errors.push(`${name}:${diagnostic.range.start.line + 1}: ${severity[diagnostic.severity]}: ${diagnostic.message}`);
  }

  const instructions = dockerfileInstructions(text);
  const globalArgs = new Map();
  const stages = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith("--"));
      const image = (words[0] ?? "").replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
        (whole, variable) => globalArgs.get(variable) ?? whole);
      stages.push({ image, line: instruction.line, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === "ARG") {
        const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(instruction.args);
        if (match) globalArgs.set(match[1], (match[2] ?? "").replace(/^"(.*)"$/, "$1"));
      }
    } else {
      stages.at(-1).instructions.push(instruction);
    }
  }
  if (stages.length === 0) return [...errors, `${name}: no FROM instruction`];

  // An image reference without its digest: debian:bookworm-slim@sha256:... counts.
  const imageName = (image) => image.replace(/@sha256:[0-9a-f]+$/, "");
  const last = stages.at(-1);
  if (imageName(last.image) !== "debian:bookworm-slim") {
    errors.push(`${name}:${last.line}: the last stage must be FROM debian:bookworm-slim, not ${last.image}`);
  }
  if (!stages.slice(0, -1).some((stage) => imageName(stage.image) === "debian:bookworm")) {
    errors.push(`${name}: no build stage FROM debian:bookworm`);
  }
  const lastOf = (keyword) => last.instructions.filter((item) => item.keyword === keyword).at(-1);
  const user = lastOf("USER");
  if (!user) {
    errors.push(`${name}: the last stage has no USER (it must run as USER 65532)`);
  } else if (!/^65532(:65532)?$/.test(user.args)) {
    errors.push(`${name}:${user.line}: the last stage must run as USER 65532 (or 65532:65532), not ${user.args}`);
  }
  const entrypoint = lastOf("ENTRYPOINT");
  if (!entrypoint) {
    errors.push(`${name}: the last stage has no ENTRYPOINT`);
  } else if (!isExecForm(entrypoint.args)) {
    errors.push(`${name}:${entrypoint.line}: ENTRYPOINT must be exec form (a JSON array), not ${entrypoint.args}`);
  }
  const cmd = lastOf("CMD");
  if (cmd && !isExecForm(cmd.args)) {
    errors.push(`${name}:${cmd.line}: CMD must be exec form (a JSON array): the runtime image needs no shell`);
  }
  return errors;
}

// ---------------------------------------------------------------- server --help

// Parses `tandem-<svc> --help`: every flag with its environment variables
// and default, and the health check service names.
export function parseHelp(text) {
  const flags = new Map();
  const health = new Set();
  let healthSection = false;
  let inHealth = false;
  let current = null;
  for (const line of text.split("\n")) {
    let match;
    if (/^Health check services/.test(line)) {
      healthSection = inHealth = true;
      current = null;
      continue;
    }
    if (inHealth) {
      if (!/^\s+--/.test(line) && (match = /^\s+(\S+)(\s{2,}|$)/.exec(line))) {
        health.add(match[1]);
        if (line.includes('""')) health.add(""); // "the empty name "" too"
        continue;
      }
      inHealth = false;
    }
    if ((match = /^\s{1,3}--([A-Za-z0-9][A-Za-z0-9-]*)(?:\s+\(([^)]*)\))?\s*$/.exec(line))) {
      current = { name: match[1], envs: match[2] ? match[2].split(/\s*,\s*/) : [], help: "" };
      flags.set(current.name, current);
      continue;
    }
    if (current && /^\s{4,}\S/.test(line)) {
      current.help = `${current.help} ${line.trim()}`.trim();
      const defaultMatch = /Default: (.*)\.$/.exec(current.help);
      current.default = defaultMatch ? defaultMatch[1] : undefined;
      current.bool = current.default === "true" || current.default === "false";
    } else {
      current = null;
    }
  }
  return { flags, health, healthSection };
}

// Runs BIN_DIR/services/<svc>/tandem-<svc> --help for every server. Returns
// {servers: {svc: parsed help}, errors}.
export function readServers(binDir) {
  const servers = {};
  const errors = [];
  for (const service of SERVICES) {
    const binary = path.join(binDir, "services", service, `tandem-${service}`);
    if (!existsSync(binary)) {
      errors.push(`${binary} not found: build first (or pass --bin-dir)`);
      continue;
    }
    const run = spawnSync(binary, ["--help"], { encoding: "utf8", timeout: 10000 });
    if (run.status !== 0) {
      errors.push(`tandem-${service} --help failed (status ${run.status}): ${(run.stderr ?? "").trim()}`);
      continue;
    }
    const help = parseHelp(run.stdout);
    if (help.flags.size === 0) {
      errors.push(`tandem-${service} --help lists no flags: has its format changed?`);
      continue;
    }
    servers[service] = help;
  }
  return { servers, errors };
}

// Parses a duration as absl::ParseDuration does (500ms, 5s, 1m30s, 24h);
// returns seconds, or null.
export function durationSeconds(text) {
  const units = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const value = String(text).trim();
  if (value === "0") return 0;
  if (!/^([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+$/.test(value)) return null;
  let total = 0;
  for (const [, number, unit] of value.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(number) * units[unit];
  }
  return total;
}

// ---------------------------------------------------------------- the render

function matchesSelector(selector, labels) {
  if (!selector) return false;
  labels = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    if (operator === "In" && !(has && values.includes(labels[key]))) return false;
    if (operator === "NotIn" && has && values.includes(labels[key])) return false;
    if (operator === "Exists" && !has) return false;
    if (operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function isEmptySelector(selector) {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 &&
    (selector?.matchExpressions ?? []).length === 0;
}

// Every pod template of the render: {owner, where, namespace, labels, spec}.
function podTemplates(manifests) {
  const templates = [];
  for (const { source, object } of manifests) {
    let template = null;
    switch (object?.kind) {
      case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "Job":
        template = object.spec?.template;
        break;
      case "CronJob":
        template = object.spec?.jobTemplate?.spec?.template;
        break;
      case "Pod":
        template = object;
        break;
      default:
        continue;
    }
    if (!template?.spec) continue;
    templates.push({
      owner: object,
      where: `${source}: ${label(object)}`,
      namespace: namespaceOf(object),
      labels: template.metadata?.labels ?? {},
      spec: template.spec,
    });
  }
  return templates;
}

function containersOf(spec) {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

function hasPort(template, port) {
  return containersOf(template.spec).some((container) => (container.ports ?? []).some((item) =>
    typeof port === "string" ? item.name === port : item.containerPort === port));
}

// Resolves a port (number or name) of a pod template to a number, or null.
function portNumber(template, port) {
  if (typeof port === "number") return port;
  for (const container of containersOf(template.spec)) {
    for (const item of container.ports ?? []) if (item.name === port) return item.containerPort;
  }
  return null;
}

function findObject(manifests, kind, name, namespace) {
  return manifests.map((item) => item.object).find((object) => object?.kind === kind &&
    object.metadata?.name === name && namespaceOf(object) === namespace);
}

function decodeSecret(secret) {
  const data = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    data[key] = Buffer.from(String(value), "base64").toString("utf8");
  }
  return { ...data, ...(secret.stringData ?? {}) };
}

// The variables a container sets: Map name -> [{value, from}], where value is
// a string, or null when it comes from somewhere the render cannot show.
function containerEnv(manifests, template, container, where, errors) {
  const env = new Map();
  const add = (name, value, from) => {
    if (!env.has(name)) env.set(name, []);
    env.get(name).push({ value, from });
  };
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? "";
    if (source.configMapRef) {
      const map = findObject(manifests, "ConfigMap", source.configMapRef.name, template.namespace);
      if (!map) {
        errors.push(`${where}: envFrom ConfigMap ${source.configMapRef.name} is not in the render`);
        continue;
      }
      for (const [key, value] of Object.entries(map.data ?? {})) {
        add(prefix + key, String(value), `ConfigMap/${source.configMapRef.name}`);
      }
    } else if (source.secretRef) {
      const secret = findObject(manifests, "Secret", source.secretRef.name, template.namespace);
      if (!secret) {
        errors.push(`${where}: envFrom Secret ${source.secretRef.name} is not in the render, so its keys ` +
          "cannot be checked against the server's variables; use env[].valueFrom.secretKeyRef");
        continue;
      }
      for (const [key, value] of Object.entries(decodeSecret(secret))) {
        add(prefix + key, String(value), `Secret/${source.secretRef.name}`);
      }
    }
  }
  for (const item of container.env ?? []) {
    if (item.value !== undefined || !item.valueFrom) {
      add(item.name, String(item.value ?? ""), "env");
      continue;
    }
    const ref = item.valueFrom.configMapKeyRef ?? item.valueFrom.secretKeyRef;
    const kind = item.valueFrom.configMapKeyRef ? "ConfigMap" : item.valueFrom.secretKeyRef ? "Secret" : null;
    let value = null;
    let from = "env valueFrom";
    if (kind) {
      from = `env from ${kind}/${ref.name} key ${ref.key}`;
      const object = findObject(manifests, kind, ref.name, template.namespace);
      if (object) {
        const data = kind === "Secret" ? decodeSecret(object) : object.data ?? {};
        if (Object.hasOwn(data, ref.key)) value = String(data[ref.key]);
      }
      if (value === null) value = `<${kind}/${ref.name}:${ref.key}>`; // same ref, same value
    }
    add(item.name, value, from);
  }
  return env;
}

// Succeeds for a value the render does not show: valueFrom a field, or a key
// of a Secret or ConfigMap outside the render (written <Kind/name:key>).
function isUnknown(value) {
  return value === null || /^<.*>$/.test(value);
}

// Expands $(VAR) in an argument from the container's literal variables, as
// the kubelet does; $$ escapes.
function expandArgument(argument, env) {
  return String(argument).replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name) => {
    if (whole === "$$") return "$";
    const values = env.get(name);
    const value = values?.at(-1)?.value;
    return typeof value === "string" ? value : whole;
  });
}

// Splits an address (host:port, dns:///host:port) into {host, port}, or null.
function splitAddress(address) {
  let rest = address.replace(/^dns:\/\/[^/]*\//, "");
  if (/^[a-z0-9]+:/.test(rest) && !/^[^:]+:\d+$/.test(rest)) return null; // ipv4:, unix:, ...
  const colon = rest.lastIndexOf(":");
  if (colon < 0) return null;
  const host = rest.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(rest.slice(colon + 1));
  if (!host || !Number.isInteger(port)) return null;
  return { host, port };
}

function listenPort(value) {
  const address = splitAddress(value ?? "");
  return address ? address.port : null;
}

// Checks one Tandem server container against its binary's --help.
function checkServerContainer(context, template, container, isInit) {
  const { manifests, servers, errors } = context;
  const service = SERVER_IMAGE.exec(container.image ?? "")[2];
  const where = `${template.where}: container ${container.name}`;
  const help = servers[service];
  if (!help) return; // the binary could not be read: reported once
  const binary = `tandem-${service}`;

  // Flags: argv as the binary parses it.
  const env = containerEnv(manifests, template, container, where, errors);
  const argv = [...(container.command ?? []).slice(1), ...(container.args ?? [])]
    .map((argument) => expandArgument(argument, env));
  const fromArgs = new Map();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (!argument.startsWith("--")) {
      errors.push(`${where}: unexpected argument "${argument}": ${binary} takes only --name=value flags`);
      continue;
    }
    const eq = argument.indexOf("=");
    const name = argument.slice(2, eq < 0 ? undefined : eq);
    const flag = help.flags.get(name);
    if (!flag) {
      errors.push(`${where}: unknown flag --${name} (not in ${binary} --help)`);
      continue;
    }
    let value;
    if (eq >= 0) value = argument.slice(eq + 1);
    else if (flag.bool) value = "true";
    else if (i + 1 < argv.length) value = argv[++i];
    else {
      errors.push(`${where}: flag --${name} needs a value`);
      continue;
    }
    if (fromArgs.has(name) && fromArgs.get(name) !== value) {
      errors.push(`${where}: --${name} is given twice in args with different values`);
    }
    fromArgs.set(name, value);
  }

  // Variables: each must belong to a flag of this binary.
  const flagOfEnv = new Map();
  for (const flag of help.flags.values()) for (const name of flag.envs) flagOfEnv.set(name, flag);
  for (const [name, values] of env) {
    if (!flagOfEnv.has(name)) {
      const froms = [...new Set(values.map((item) => item.from))].join(", ");
      errors.push(`${where}: ${name} (${froms}) is not an environment variable of ${binary}`);
    }
  }

  // Effective value of every flag; a flag set twice must agree.
  const effective = new Map();
  for (const flag of help.flags.values()) {
    const settings = [];
    if (fromArgs.has(flag.name)) settings.push({ value: fromArgs.get(flag.name), from: `args --${flag.name}` });
    for (const name of flag.envs) {
      const values = env.get(name);
      if (!values) continue;
      // Within the container, env[] overrides envFrom (the last one wins).
      const last = values.at(-1);
      if (last.value === "") continue; // the binary ignores empty variables
      settings.push({ value: last.value, from: `${name} (${last.from})` });
    }
    const distinct = new Set(settings.map((item) => item.value ?? `<${item.from}>`));
    if (distinct.size > 1) {
      errors.push(`${where}: --${flag.name} is set ${settings.length} times with different values: ` +
        settings.map((item) => item.from).join(", "));
    }
    // A value the binary would reject, judged by the kind of its default.
    for (const { value, from } of settings) {
      if (typeof value !== "string" || flag.default === undefined) continue;
      let expected = null;
      if (flag.bool && !/^(true|false|1|0|yes|no)$/i.test(value)) expected = "true or false";
      else if (/^-?\d+$/.test(flag.default) && !/^-?\d+$/.test(value)) expected = "an integer";
      else if (durationSeconds(flag.default) !== null && flag.default !== "0" && durationSeconds(value) === null) {
        expected = "a duration such as 500ms, 5s or 24h";
      }
      if (expected) errors.push(`${where}: --${flag.name} from ${from}: "${value}" is not ${expected}`);
    }
    if (settings.length > 0) effective.set(flag.name, settings[0].value);
    else effective.set(flag.name, flag.default);
  }
  const need = (name) => {
    if (!help.flags.has(name)) {
      errors.push(`${where}: ${binary} --help has no --${name} flag, which this check relies on`);
      return false;
    }
    return true;
  };

  // Files named by flags must come from a volume: the image has none of them.
  const mounts = container.volumeMounts ?? [];
  for (const flag of help.flags.values()) {
    const value = effective.get(flag.name);
    if (!flag.name.endsWith("-file") || typeof value !== "string" || value === "") continue;
    const under = (mount) => value === mount.mountPath ||
      value.startsWith(mount.mountPath.endsWith("/") ? mount.mountPath : `${mount.mountPath}/`);
    if (!mounts.some(under)) errors.push(`${where}: --${flag.name}=${value} is not under any volumeMount of the container`);
  }

  // A database DSN whose host is a short name points at a Service of the
  // render (an in-cluster database), on one of its ports.
  const dsn = help.flags.has("db-dsn") ? effective.get("db-dsn") : undefined;
  const dsnMatch = typeof dsn === "string" ? /^mysql:\/\/(?:[^@/]*@)?([A-Za-z0-9-]+)(?::(\d+))?\//.exec(dsn) : null;
  if (dsnMatch && dsnMatch[1] !== "localhost") {
    const [, host, portText] = dsnMatch;
    const port = Number(portText ?? 3306);
    const service = findObject(manifests, "Service", host, template.namespace);
    if (!service) {
      errors.push(`${where}: --db-dsn names host ${host}, which is not a Service in the render`);
    } else {
      const servicePort = (service.spec?.ports ?? []).find((item) => item.port === port);
      if (!servicePort) {
        errors.push(`${where}: --db-dsn names ${host}:${port}, but Service ${host} has no port ${port}`);
      } else {
        const target = servicePort.targetPort ?? servicePort.port;
        for (const item of podTemplates(manifests).filter((candidate) => candidate.namespace === namespaceOf(service) &&
          !isEmptySelectorMap(service.spec?.selector) && matchesMap(service.spec.selector, candidate.labels))) {
          const blocking = blockingPolicies(manifests, template, item, target);
          if (blocking.length > 0) {
            errors.push(`${where}: --db-dsn names ${host}:${port}, but ${blocking.map(label).join(", ")} admits no ` +
              `call from these pods to ${item.where.replace(/^[^:]*: /, "")} port ${target}`);
          }
        }
      }
    }
  }

  const migrateOnly = need("migrate-only") &&
    ["true", "1", "yes"].includes(String(effective.get("migrate-only")).toLowerCase());
  if (migrateOnly || isInit) return; // runs once and exits: no ports, probes, drain or peers

  // Ports.
  const ports = new Map((container.ports ?? []).filter((item) => item.name).map((item) => [item.name, item.containerPort]));
  let grpcPort = null;
  if (need("listen")) {
    const value = effective.get("listen");
    grpcPort = listenPort(value);
    if (grpcPort === null) {
      errors.push(`${where}: cannot tell the gRPC port from --listen (${value ?? "valueFrom"})`);
    } else if (!ports.has("grpc")) {
      errors.push(`${where}: no containerPort named grpc (the server listens on ${grpcPort})`);
    } else if (ports.get("grpc") !== grpcPort) {
      errors.push(`${where}: containerPort grpc is ${ports.get("grpc")} but the server listens on ${grpcPort} (--listen=${value})`);
    }
  }
  if (need("metrics-listen")) {
    const value = effective.get("metrics-listen");
    const metricsPort = listenPort(value);
    if (value === "" || value === undefined) {
      if (ports.has("metrics")) errors.push(`${where}: containerPort metrics, but --metrics-listen is empty (metrics disabled)`);
    } else if (metricsPort === null) {
      errors.push(`${where}: cannot tell the metrics port from --metrics-listen (${value ?? "valueFrom"})`);
    } else if (!ports.has("metrics")) {
      errors.push(`${where}: no containerPort named metrics (the server serves /metrics on ${metricsPort})`);
    } else if (ports.get("metrics") !== metricsPort) {
      errors.push(`${where}: containerPort metrics is ${ports.get("metrics")} but /metrics is on ${metricsPort} (--metrics-listen=${value})`);
    }
  }

  // A plaintext health-only port, when the binary has --health-listen and it is set.
  let healthPort = null;
  if (help.flags.has("health-listen")) {
    const value = effective.get("health-listen");
    healthPort = listenPort(value);
    if (value && healthPort === null) errors.push(`${where}: cannot tell the health port from --health-listen (${value})`);
    if (ports.has("health") && ports.get("health") !== healthPort) {
      errors.push(`${where}: containerPort health is ${ports.get("health")} but --health-listen is ${value ? value : "empty"}`);
    }
  }
  const tls = effective.get("tls-cert-file");
  const servesTls = tls !== undefined && tls !== "";

  // Probes: native gRPC, on a port serving gRPC health in plaintext, asking
  // for a service the server serves.
  for (const probeName of PROBES) {
    const probe = container[probeName];
    if (!probe) {
      if (template.owner.kind === "Deployment") errors.push(`${where}: no ${probeName} (Deployments need gRPC startup, readiness and liveness probes)`);
      continue;
    }
    if (!probe.grpc) {
      if (template.owner.kind === "Deployment") errors.push(`${where}: ${probeName} is not a native grpc probe`);
      const port = probe.tcpSocket?.port ?? probe.httpGet?.port;
      if (typeof port === "string" && !ports.has(port)) errors.push(`${where}: ${probeName} uses port ${port}, which the container does not name`);
      continue;
    }
    const port = probe.grpc.port;
    if (healthPort !== null && port === healthPort) {
      // The health-only listener: plaintext whatever --tls-cert-file says.
    } else if (grpcPort !== null && port === grpcPort) {
      if (servesTls) {
        errors.push(`${where}: ${probeName} probes the gRPC port ${port}, which serves TLS (--tls-cert-file), but the ` +
          `kubelet's gRPC probes speak plaintext only${healthPort === null ? "" : `: probe --health-listen's port ${healthPort}`}`);
      }
    } else if (grpcPort !== null) {
      errors.push(`${where}: ${probeName} probes port ${port}, but gRPC listens on ${grpcPort}` +
        (healthPort === null ? "" : ` and health on ${healthPort}`) +
        (help.flags.has("health-listen") && healthPort === null ? " (--health-listen is empty)" : ""));
    }
    const name = probe.grpc.service ?? "";
    if (!help.healthSection) {
      errors.push(`${where}: ${probeName}: ${binary} --help lists no "Health check services", so service "${name}" cannot be checked`);
    } else if (!help.health.has(name)) {
      errors.push(`${where}: ${probeName} asks for health service "${name}", which ${binary} does not serve ` +
        `(it serves ${[...help.health].map((item) => `"${item}"`).join(", ")})`);
    }
  }

  // Grace period longer than the drain.
  if (need("drain-timeout")) {
    const drain = durationSeconds(effective.get("drain-timeout") ?? "");
    const grace = template.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    if (drain === null) {
      errors.push(`${where}: cannot parse --drain-timeout ${effective.get("drain-timeout")}`);
    } else if (!(grace > drain)) {
      errors.push(`${where}: terminationGracePeriodSeconds ${grace} is not longer than --drain-timeout ${effective.get("drain-timeout")}`);
    }
  }

  // Peer addresses name a Service of the render and one of its ports.
  for (const flag of help.flags.values()) {
    if (!flag.name.endsWith("-address")) continue;
    const value = effective.get(flag.name);
    if (value === "" || value === undefined) continue; // empty: the peer is not called
    if (isUnknown(value)) {
      errors.push(`${where}: --${flag.name} comes from outside the render (${value ?? "valueFrom"}); it cannot be checked`);
      continue;
    }
    const address = splitAddress(value);
    if (!address) {
      errors.push(`${where}: --${flag.name}=${value} is not host:port`);
      continue;
    }
    const parts = address.host.split(".");
    const namespace = parts.length > 1 ? parts[1] : template.namespace;
    const services = manifests.map((item) => item.object).filter((object) => object?.kind === "Service" &&
      object.metadata?.name === parts[0] &&
      (namespaceOf(object) === namespace || (parts.length > 1 && namespaceOf(object) === "")));
    const isDnsName = parts.length === 1 || (parts.length >= 2 && !/^\d+$/.test(parts.at(-1)) &&
      (parts.length === 2 || parts[2] === "svc"));
    if (services.length === 0 || !isDnsName) {
      const set = fromArgs.has(flag.name) || flag.envs.some((name) => env.has(name)) ? "" : " (the default; set it)";
      errors.push(`${where}: --${flag.name}=${value}${set}: ${address.host} is not a Service in the render`);
      continue;
    }
    const peer = services[0];
    const servicePorts = peer.spec?.ports ?? [];
    const match = servicePorts.find((item) => item.port === address.port);
    if (!match) {
      errors.push(`${where}: --${flag.name}=${value}: Service ${peer.metadata.name} has no port ${address.port} ` +
        `(it has ${servicePorts.map((item) => item.port).join(", ") || "none"})`);
      continue;
    }
    const targets = podTemplates(manifests).filter((item) => item.namespace === namespaceOf(peer) &&
      !isEmptySelectorMap(peer.spec?.selector) && matchesMap(peer.spec.selector, item.labels));
    const target = match.targetPort ?? match.port;
    for (const item of targets) {
      const number = portNumber(item, target);
      if (peer.spec?.clusterIP === "None" && number !== null && number !== address.port) {
        // Headless: clients dial the pods themselves, on the port of the address.
        errors.push(`${where}: --${flag.name}=${value}: ${peer.metadata.name} is headless, so clients dial pods ` +
          `directly on ${address.port}, but ${item.where} serves it on ${number}`);
      }
      const blocking = blockingPolicies(manifests, template, item, target);
      if (blocking.length > 0) {
        errors.push(`${where}: --${flag.name}=${value}: ${blocking.map(label).join(", ")} admits no call from ` +
          `these pods to ${item.where.replace(/^[^:]*: /, "")} port ${target}`);
      }
    }
  }
}

// The NetworkPolicies that select the pods of TARGET for ingress when none of
// them admits pods of CALLER (same namespace) on PORT (a name or number of
// the target's ports). Empty when the call is allowed.
function blockingPolicies(manifests, caller, target, port) {
  const policies = manifests.map((item) => item.object).filter((object) => object?.kind === "NetworkPolicy" &&
    namespaceOf(object) === target.namespace && matchesSelector(object.spec?.podSelector ?? {}, target.labels) &&
    (object.spec?.policyTypes ?? ["Ingress"]).includes("Ingress"));
  const targetNumber = portNumber(target, port);
  const portAllowed = (rule) => !rule.ports || rule.ports.length === 0 || rule.ports.some((item) =>
    item.port === undefined || item.port === port ||
    (targetNumber !== null && portNumber(target, item.port) === targetNumber));
  const peerAllowed = (from) => {
    if (from.ipBlock) return false;
    // Namespaces carry kubernetes.io/metadata.name; other namespace labels are unknown here.
    const nsLabels = { "kubernetes.io/metadata.name": caller.namespace || "default" };
    const namespaceOk = from.namespaceSelector ? matchesSelector(from.namespaceSelector, nsLabels) ||
      isEmptySelector(from.namespaceSelector) : true;
    const podOk = from.podSelector ? matchesSelector(from.podSelector, caller.labels) || isEmptySelector(from.podSelector) : true;
    return namespaceOk && podOk;
  };
  const admits = (policy) => (policy.spec?.ingress ?? []).some((rule) => portAllowed(rule) &&
    (!rule.from || rule.from.length === 0 || rule.from.some(peerAllowed)));
  if (policies.length === 0 || policies.some(admits)) return [];
  return policies;
}

function matchesMap(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

function isEmptySelectorMap(selector) {
  return Object.keys(selector ?? {}).length === 0;
}

// Cross-checks each render (the manifests of one source) against the
// servers' --help and itself.
export function serverErrors(manifests, servers) {
  const sources = [...new Set(manifests.map((item) => item.source))];
  return sources.flatMap((source) => renderErrors(manifests.filter((item) => item.source === source), servers));
}

function renderErrors(manifests, servers) {
  const errors = [];
  const context = { manifests, servers, errors };
  const templates = podTemplates(manifests);

  for (const template of templates) {
    const volumes = new Set([...(template.spec.volumes ?? []),
      ...(template.owner.kind === "StatefulSet" ? template.owner.spec?.volumeClaimTemplates ?? [] : [])]
      .map((volume) => volume.name ?? volume.metadata?.name));
    for (const container of containersOf(template.spec)) {
      for (const mount of container.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) {
          errors.push(`${template.where}: container ${container.name}: volumeMount ${mount.name} names no volume of the pod`);
        }
      }
    }
    for (const container of template.spec.initContainers ?? []) {
      if (SERVER_IMAGE.test(container.image ?? "")) checkServerContainer(context, template, container, true);
    }
    for (const container of template.spec.containers ?? []) {
      if (SERVER_IMAGE.test(container.image ?? "")) checkServerContainer(context, template, container, false);
    }
  }

  for (const { source, object } of manifests) {
    const where = `${source}: ${label(object)}`;
    const namespace = namespaceOf(object);
    const inNamespace = templates.filter((item) => item.namespace === namespace);
    if (object?.kind === "Service") {
      if (object.spec?.type === "ExternalName" || isEmptySelectorMap(object.spec?.selector)) continue;
      const matched = inNamespace.filter((item) => matchesMap(object.spec.selector, item.labels));
      if (matched.length === 0) {
        errors.push(`${where}: selector ${JSON.stringify(object.spec.selector)} matches no pod template`);
        continue;
      }
      for (const port of object.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        for (const item of matched.filter((candidate) => !hasPort(candidate, target))) {
          errors.push(`${where}: port ${port.name ?? port.port}: targetPort ${target} matches no container port of ${item.where.replace(/^[^:]*: /, "")}`);
        }
      }
    } else if (object?.kind === "NetworkPolicy") {
      const selector = object.spec?.podSelector ?? {};
      const matched = inNamespace.filter((item) => matchesSelector(selector, item.labels));
      if (!isEmptySelector(selector) && matched.length === 0) {
        errors.push(`${where}: podSelector matches no pod template`);
        continue;
      }
      for (const rule of object.spec?.ingress ?? []) {
        for (const port of rule.ports ?? []) {
          if (port.port === undefined || matched.length === 0) continue;
          if (!matched.some((item) => hasPort(item, port.port))) {
            errors.push(`${where}: ingress port ${port.port} matches no container port of the pods it selects`);
          }
        }
      }
    } else if (object?.kind === "PodDisruptionBudget") {
      if (!inNamespace.some((item) => item.owner.kind !== "Job" && item.owner.kind !== "CronJob" &&
        matchesSelector(object.spec?.selector, item.labels))) {
        errors.push(`${where}: selector matches no Deployment or StatefulSet pods`);
      }
    } else if (object?.kind === "HorizontalPodAutoscaler") {
      const ref = object.spec?.scaleTargetRef ?? {};
      if (!findObject(manifests, ref.kind, ref.name, namespace)) {
        errors.push(`${where}: scaleTargetRef ${ref.kind}/${ref.name} is not in the render`);
      }
    }
  }
  return errors;
}

// ---------------------------------------------------------------- policy

function isZero(value) {
  return value === 0 || value === "0" || value === "0%";
}

// What every pod must be (the "restricted" Pod Security Standard plus
// resources), and what every Tandem server Deployment must come with: the
// issue's list, so that an overlay cannot quietly drop one.
// `operatorSecrets` maps a render's name to the Secrets an operator creates
// for it (Map name -> Set of keys; readOperatorSecrets).
export function policyErrors(manifests, operatorSecrets = new Map()) {
  const sources = [...new Set(manifests.map((item) => item.source))];
  return sources.flatMap((source) => renderPolicyErrors(
    manifests.filter((item) => item.source === source), operatorSecrets.get(source) ?? new Map()));
}

// Reads an overlay's operator-secrets.txt ("NAME KEY..." lines, "#"
// comments) into a Map name -> Set of keys; an empty Map when there is none.
export function readOperatorSecrets(file) {
  const secrets = new Map();
  if (!existsSync(file)) return secrets;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [name, ...keys] = line.replace(/#.*/, "").trim().split(/\s+/).filter(Boolean);
    if (name) secrets.set(name, new Set(keys));
  }
  return secrets;
}

// The Secrets and ConfigMaps a pod reads: [{kind, name, key|null, optional, where}].
function podReferences(template) {
  const references = [];
  for (const volume of template.spec.volumes ?? []) {
    if (volume.secret) {
      references.push({ kind: "Secret", name: volume.secret.secretName, key: null,
        optional: volume.secret.optional === true, where: `volume ${volume.name}` });
    }
    if (volume.configMap) {
      references.push({ kind: "ConfigMap", name: volume.configMap.name, key: null,
        optional: volume.configMap.optional === true, where: `volume ${volume.name}` });
    }
  }
  for (const container of containersOf(template.spec)) {
    for (const source of container.envFrom ?? []) {
      for (const [field, kind] of [["secretRef", "Secret"], ["configMapRef", "ConfigMap"]]) {
        if (source[field]) {
          references.push({ kind, name: source[field].name, key: null, optional: source[field].optional === true,
            where: `container ${container.name}: envFrom` });
        }
      }
    }
    for (const variable of container.env ?? []) {
      for (const [field, kind] of [["secretKeyRef", "Secret"], ["configMapKeyRef", "ConfigMap"]]) {
        const ref = variable.valueFrom?.[field];
        if (ref) {
          references.push({ kind, name: ref.name, key: ref.key, optional: ref.optional === true,
            where: `container ${container.name}: env ${variable.name}` });
        }
      }
    }
  }
  return references;
}

function renderPolicyErrors(manifests, operatorSecrets) {
  const errors = [];
  const templates = podTemplates(manifests);
  const objects = manifests.map((item) => item.object);
  for (const template of templates) {
    const pod = template.spec;
    const podSecurity = pod.securityContext ?? {};
    const account = objects.find((object) => object?.kind === "ServiceAccount" &&
      object.metadata?.name === (pod.serviceAccountName ?? "default") &&
      namespaceOf(object) === template.namespace);
    const automount = pod.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
    if (automount !== false) {
      errors.push(`${template.where}: mounts a service-account token (set automountServiceAccountToken: false)`);
    }
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (pod[field] === true) errors.push(`${template.where}: ${field} is set`);
    }
    for (const volume of pod.volumes ?? []) {
      if (volume.hostPath) errors.push(`${template.where}: volume ${volume.name} is a hostPath`);
    }
    for (const reference of podReferences(template)) {
      const where = `${template.where}: ${reference.where}`;
      const object = objects.find((candidate) => candidate?.kind === reference.kind &&
        candidate.metadata?.name === reference.name && namespaceOf(candidate) === template.namespace);
      let keys = null;
      if (object) {
        keys = new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {}),
          ...Object.keys(object.binaryData ?? {})]);
      } else if (reference.kind === "Secret" && operatorSecrets.has(reference.name)) {
        keys = operatorSecrets.get(reference.name);
      } else if (!reference.optional) {
        errors.push(`${where}: ${reference.kind} ${reference.name} is neither in the render` +
          (reference.kind === "Secret" ? " nor in the overlay's operator-secrets.txt" : ""));
        continue;
      }
      if (keys && reference.key !== null && !keys.has(reference.key) && !reference.optional) {
        errors.push(`${where}: ${reference.kind} ${reference.name} has no key ${reference.key}`);
      }
    }
    for (const container of containersOf(pod)) {
      const where = `${template.where}: container ${container.name}`;
      const security = container.securityContext ?? {};
      if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) {
        errors.push(`${where}: runAsNonRoot is not true`);
      }
      if ((security.runAsUser ?? podSecurity.runAsUser) === 0) errors.push(`${where}: runs as user 0`);
      if (security.allowPrivilegeEscalation !== false) {
        errors.push(`${where}: allowPrivilegeEscalation is not false`);
      }
      if (security.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem is not true`);
      if (!(security.capabilities?.drop ?? []).includes("ALL")) {
        errors.push(`${where}: capabilities.drop does not hold ALL`);
      }
      if ((security.capabilities?.add ?? []).length > 0) {
        errors.push(`${where}: capabilities.add is not empty`);
      }
      if (security.privileged === true) errors.push(`${where}: runs privileged`);
      if ((container.ports ?? []).some((port) => port.hostPort !== undefined)) {
        errors.push(`${where}: uses a hostPort`);
      }
      const seccomp = (security.seccompProfile ?? podSecurity.seccompProfile)?.type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
        errors.push(`${where}: seccompProfile is not RuntimeDefault`);
      }
      const resources = container.resources ?? {};
      for (const [kind, name] of [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]) {
        if (resources[kind]?.[name] === undefined) errors.push(`${where}: no resources.${kind}.${name}`);
      }
    }
    if (template.owner.kind !== "Deployment" ||
        !(pod.containers ?? []).some((container) => SERVER_IMAGE.test(container.image ?? ""))) {
      continue;
    }
    const deployment = template.owner;
    const where = template.where;
    const image = pod.containers.find((container) => SERVER_IMAGE.test(container.image ?? "")).image;
    if (!isZero(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable) ||
        (deployment.spec?.strategy?.type ?? "RollingUpdate") !== "RollingUpdate") {
      errors.push(`${where}: rolling updates must have maxUnavailable: 0`);
    }
    if (!account) errors.push(`${where}: serviceAccountName names no ServiceAccount of the render`);
    const inNamespace = objects.filter((object) => namespaceOf(object) === template.namespace);
    const selecting = (kind, test = () => true) => inNamespace.some((object) => object?.kind === kind &&
      test(object) && matchesSelector(kind === "NetworkPolicy" ? object.spec?.podSelector : object.spec?.selector,
        template.labels));
    const services = inNamespace.filter((object) => object?.kind === "Service" &&
      !isEmptySelectorMap(object.spec?.selector) && matchesMap(object.spec.selector, template.labels));
    if (!services.some((service) => service.spec?.clusterIP !== "None")) {
      errors.push(`${where}: no ClusterIP Service selects its pods`);
    }
    if (!services.some((service) => service.spec?.clusterIP === "None")) {
      errors.push(`${where}: no headless Service selects its pods`);
    }
    const budgets = inNamespace.filter((object) => object?.kind === "PodDisruptionBudget" &&
      matchesSelector(object.spec?.selector, template.labels));
    if (budgets.length === 0) errors.push(`${where}: no PodDisruptionBudget selects its pods`);
    if (!selecting("NetworkPolicy", (policy) => (policy.spec?.policyTypes ?? ["Ingress"]).includes("Ingress"))) {
      errors.push(`${where}: no NetworkPolicy selects its pods`);
    }
    const autoscaler = inNamespace.find((object) => object?.kind === "HorizontalPodAutoscaler" &&
      object.spec?.scaleTargetRef?.kind === "Deployment" &&
      object.spec?.scaleTargetRef?.name === deployment.metadata?.name);
    if (!autoscaler) errors.push(`${where}: no HorizontalPodAutoscaler scales it`);
    // At the fewest replicas, a node drain must still be able to evict one pod.
    const fewest = autoscaler?.spec?.minReplicas ?? deployment.spec?.replicas ?? 1;
    for (const budget of budgets) {
      const { minAvailable, maxUnavailable } = budget.spec ?? {};
      const percent = (value) => typeof value === "string" && value.endsWith("%");
      const blocks = (minAvailable !== undefined && !percent(minAvailable) && minAvailable >= fewest) ||
        (maxUnavailable !== undefined && (isZero(maxUnavailable)));
      if (blocks) {
        errors.push(`${where}: PodDisruptionBudget/${budget.metadata?.name} lets no pod be evicted ` +
          `at ${fewest} replica(s) (the autoscaler's minimum)`);
      }
    }
    if (!templates.some((item) => item.owner.kind === "Job" && item.namespace === template.namespace &&
        (item.spec.containers ?? []).some((container) => container.image === image &&
          [...(container.command ?? []), ...(container.args ?? [])].some((arg) =>
            arg === "--migrate-only" || arg === "--migrate-only=true")))) {
      errors.push(`${where}: no Job runs ${image} with --migrate-only`);
    }
  }
  return errors;
}
