// Self-test of the deploy checks: a check that cannot fail proves nothing.
// Takes the known-good fixtures (fixtures/rendered.yaml, fixtures/Dockerfile),
// asserts that every check passes them, then breaks one thing at a time and
// asserts that the right check reports it with the expected message.
//
// The policy cases mutate a real render instead (--policy-fixture, e.g. the
// prod overlay rendered by check.sh): the policy is about the whole set of
// objects, which the small fixture does not have.
//
// Usage: node selftest.mjs --node-modules DIR --bin-dir DIR
//          [--policy-fixture FILE --operator-secrets FILE]
// Prints one line per failed case and exits 1 if any case failed.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  dockerfileErrors, loadPackages, parseManifests, policyErrors, readOperatorSecrets, readServers, schemaErrors,
  serverErrors, strictErrors,
} from "./checks.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

function find(manifests, kind, name) {
  const found = manifests.find(({ object }) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`fixture has no ${kind}/${name}`);
  return found.object;
}

const support = (m) => find(m, "Deployment", "tandem-support");
const supportServer = (m) => support(m).spec.template.spec.containers[0];
const successServer = (m) => find(m, "Deployment", "tandem-success").spec.template.spec.containers[0];
const successSettings = (m) => find(m, "ConfigMap", "tandem-success-settings");
const setArg = (container, flag, value) => {
  container.args = container.args.filter((arg) => !arg.startsWith(`--${flag}=`));
  if (value !== undefined) container.args.push(`--${flag}=${value}`);
};

// Each case: the check it targets, a mutation of the manifests (or a
// Dockerfile edit), and a pattern the check's errors must match.
const MANIFEST_CASES = [
  ["misspelt field", "strict", (m) => {
    const c = supportServer(m);
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
  }, /Deployment\/tandem-support: spec\.template\.spec\.containers\[0\]\.readinesProbe: unknown field/],
  ["lower-case field", "strict", (m) => {
    supportServer(m).ports[0].containerport = 50051;
  }, /containers\[0\]\.ports\[0\]\.containerport: unknown field/],
  ["field at the wrong level", "strict", (m) => {
    supportServer(m).terminationGracePeriodSeconds = 20;
  }, /containers\[0\]\.terminationGracePeriodSeconds: unknown field/],
  ["unknown field in metadata", "strict", (m) => {
    successSettings(m).metadata.label = { a: "b" };
  }, /ConfigMap\/tandem-success-settings: metadata\.label: unknown field/],
  ["wrong type", "schema", (m) => {
    support(m).spec.replicas = "two";
  }, /Deployment\/tandem-support: .*replicas/],
  ["missing required field", "schema", (m) => {
    delete supportServer(m).ports[0].containerPort;
  }, /Deployment\/tandem-support: .*containerPort/],
  ["unknown kind", "schema", (m) => {
    support(m).kind = "Deploymnet";
  }, /unknown kind apps\/v1\/Deploymnet/],
  ["unknown flag", "servers", (m) => {
    supportServer(m).args.push("--succes-timeout=1s");
  }, /container server: unknown flag --succes-timeout \(not in tandem-support --help\)/],
  ["stray argument", "servers", (m) => {
    supportServer(m).args.push("serve");
  }, /unexpected argument "serve"/],
  ["unknown env var", "servers", (m) => {
    supportServer(m).env.push({ name: "TANDEM_SUPPORT_DB_DNS", value: "x" });
  }, /TANDEM_SUPPORT_DB_DNS \(env\) is not an environment variable of tandem-support/],
  ["another server's variable", "servers", (m) => {
    successServer(m).env = [{ name: "TANDEM_SUPPORT_LOG_LEVEL", value: "debug" }];
  }, /TANDEM_SUPPORT_LOG_LEVEL \(env\) is not an environment variable of tandem-success/],
  ["unknown ConfigMap key", "servers", (m) => {
    successSettings(m).data.TANDEM_SUCCESS_LOGLEVEL = "debug";
  }, /TANDEM_SUCCESS_LOGLEVEL \(ConfigMap\/tandem-success-settings\) is not an environment variable/],
  ["envFrom a missing ConfigMap", "servers", (m) => {
    successServer(m).envFrom[0].configMapRef.name = "tandem-settings";
  }, /envFrom ConfigMap tandem-settings is not in the render/],
  ["envFrom a Secret outside the render", "servers", (m) => {
    supportServer(m).envFrom = [{ secretRef: { name: "tandem-support-env" } }];
  }, /envFrom Secret tandem-support-env is not in the render/],
  ["flag and env disagree", "servers", (m) => {
    supportServer(m).env.push({ name: "TANDEM_SUPPORT_LISTEN", value: "0.0.0.0:50099" });
  }, /--listen is set 2 times with different values: args --listen, TANDEM_SUPPORT_LISTEN \(env\)/],
  ["two variables of one flag disagree", "servers", (m) => {
    supportServer(m).env.push({ name: "TANDEM_SUPPORT_JWT_SECRET", value: "x".repeat(32) });
  }, /--jwt-secret is set 2 times with different values/],
  ["duration without a unit", "servers", (m) => {
    setArg(supportServer(m), "drain-timeout", "15");
  }, /--drain-timeout from args --drain-timeout: "15" is not a duration/],
  ["wrong grpc containerPort", "servers", (m) => {
    supportServer(m).ports[0].containerPort = 50052;
  }, /containerPort grpc is 50052 but the server listens on 50051/],
  ["wrong metrics port (help default)", "servers", (m) => {
    successServer(m).args = [];
  }, /tandem-success: container server: containerPort metrics is 9562 but \/metrics is on 9462/],
  ["no grpc port", "servers", (m) => {
    supportServer(m).ports[0].name = "api";
  }, /no containerPort named grpc \(the server listens on 50051\)/],
  ["probe on the wrong port", "servers", (m) => {
    supportServer(m).readinessProbe.grpc.port = 9461;
  }, /readinessProbe probes port 9461, but gRPC listens on 50051/],
  ["probe of an unknown health service", "servers", (m) => {
    supportServer(m).readinessProbe.grpc.service = "ready";
  }, /readinessProbe asks for health service "ready", which tandem-support does not serve/],
  ["missing probe", "servers", (m) => {
    delete supportServer(m).livenessProbe;
  }, /Deployment\/tandem-support: container server: no livenessProbe/],
  ["grace period shorter than drain", "servers", (m) => {
    support(m).spec.template.spec.terminationGracePeriodSeconds = 10;
  }, /terminationGracePeriodSeconds 10 is not longer than --drain-timeout 15s/],
  ["default grace period shorter than drain", "servers", (m) => {
    delete support(m).spec.template.spec.terminationGracePeriodSeconds;
    setArg(supportServer(m), "drain-timeout", "1m");
  }, /terminationGracePeriodSeconds 30 is not longer than --drain-timeout 1m/],
  ["grpc probes of a TLS server", "servers", (m) => {
    setArg(supportServer(m), "tls-cert-file", "/run/tandem/tls.crt");
    setArg(supportServer(m), "tls-key-file", "/run/tandem/tls.key");
  }, /readinessProbe probes the gRPC port 50051, which serves TLS/],
  ["health port that differs from --health-listen", "servers", (m) => {
    setArg(supportServer(m), "health-listen", "0.0.0.0:8081");
    supportServer(m).ports.push({ name: "health", containerPort: 8082 });
  }, /containerPort health is 8082 but --health-listen is 0\.0\.0\.0:8081/],
  ["probe of a disabled health port", "servers", (m) => {
    supportServer(m).livenessProbe.grpc.port = 8081;
  }, /livenessProbe probes port 8081, but gRPC listens on 50051 \(--health-listen is empty\)/],
  ["file flag outside every volume", "servers", (m) => {
    setArg(supportServer(m), "jwt-public-key-file", "/etc/tandem/jwt/public.pem");
  }, /--jwt-public-key-file=\/etc\/tandem\/jwt\/public\.pem is not under any volumeMount/],
  ["volumeMount of a missing volume", "servers", (m) => {
    supportServer(m).volumeMounts.push({ name: "jwt", mountPath: "/etc/tandem/jwt", readOnly: true });
  }, /container server: volumeMount jwt names no volume of the pod/],
  ["peer address to a missing Service", "servers", (m) => {
    setArg(supportServer(m), "success-address", "dns:///tandem-sucess-headless.tandem.svc.cluster.local:50052");
  }, /--success-address=dns:\/\/\/tandem-sucess-headless\.tandem\.svc\.cluster\.local:50052: tandem-sucess-headless\.tandem\.svc\.cluster\.local is not a Service in the render/],
  ["peer address to a missing Service port", "servers", (m) => {
    successSettings(m).data.TANDEM_SUCCESS_SUPPORT_ADDRESS = "tandem-support:50052";
  }, /--support-address=tandem-support:50052: Service tandem-support has no port 50052/],
  ["peer address left at its default", "servers", (m) => {
    delete successSettings(m).data.TANDEM_SUCCESS_SUPPORT_ADDRESS;
  }, /--support-address=127\.0\.0\.1:50051 \(the default; set it\): 127\.0\.0\.1 is not a Service in the render/],
  ["database DSN to a missing Service", "servers", (m) => {
    m.push({ source: "fixture", object: {
      apiVersion: "v1", kind: "Secret", metadata: { name: "tandem-support-db", namespace: "tandem" },
      stringData: { dsn: "mysql://tandem_support:pw@mariadb:3306/tandem_support" },
    } });
  }, /Deployment\/tandem-support: container server: --db-dsn names host mariadb, which is not a Service in the render/],
  ["Service targetPort that matches nothing", "servers", (m) => {
    find(m, "Service", "tandem-support").spec.ports[0].targetPort = "grpc-api";
  }, /Service\/tandem-support: port grpc: targetPort grpc-api matches no container port of Deployment\/tandem-support/],
  ["Service selecting the migration Job too", "servers", (m) => {
    delete find(m, "Service", "tandem-support").spec.selector["app.kubernetes.io/component"];
  }, /Service\/tandem-support: port grpc: targetPort grpc matches no container port of Job\/tandem-support-migrate/],
  ["Service selecting nothing", "servers", (m) => {
    find(m, "Service", "tandem-success-headless").spec.selector["app.kubernetes.io/name"] = "success";
  }, /Service\/tandem-success-headless: selector .* matches no pod template/],
  ["NetworkPolicy port name that matches nothing", "servers", (m) => {
    find(m, "NetworkPolicy", "tandem-support").spec.ingress[0].ports[0].port = "grcp";
  }, /NetworkPolicy\/tandem-support: ingress port grcp matches no container port/],
  ["NetworkPolicy that blocks a peer", "servers", (m) => {
    find(m, "NetworkPolicy", "tandem-support").spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/name"] = "tandem-metrics";
  }, /Deployment\/tandem-success: container server: --support-address=tandem-support:50051: NetworkPolicy\/tandem-support admits no call from these pods to Deployment\/tandem-support port grpc/],
  ["NetworkPolicy selecting nothing", "servers", (m) => {
    find(m, "NetworkPolicy", "tandem-support").spec.podSelector.matchLabels["app.kubernetes.io/name"] = "support";
  }, /NetworkPolicy\/tandem-support: podSelector matches no pod template/],
  ["PDB selecting nothing", "servers", (m) => {
    find(m, "PodDisruptionBudget", "tandem-support").spec.selector.matchLabels["app.kubernetes.io/component"] = "migrate";
  }, /PodDisruptionBudget\/tandem-support: selector matches no Deployment or StatefulSet pods/],
  ["HPA target missing", "servers", (m) => {
    find(m, "HorizontalPodAutoscaler", "tandem-support").spec.scaleTargetRef.name = "tandem-suport";
  }, /scaleTargetRef Deployment\/tandem-suport is not in the render/],
  ["server Job without --migrate-only", "servers", (m) => {
    find(m, "Job", "tandem-support-migrate").spec.template.spec.containers[0].args = [];
  }, /Job\/tandem-support-migrate: container migrate: no containerPort named grpc/],
];

// Changes that keep the fixture right: the checks must report nothing.
const GOOD_CASES = [
  ["TLS server probed on its plaintext health port", (m) => {
    const c = supportServer(m);
    setArg(c, "tls-cert-file", "/run/tandem/tls.crt");
    setArg(c, "tls-key-file", "/run/tandem/tls.key");
    setArg(c, "health-listen", "0.0.0.0:8081");
    c.ports.push({ name: "health", containerPort: 8081 });
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) c[probe].grpc.port = 8081;
  }],
  ["settings from a Secret in the render, flag repeated with the same value", (m) => {
    m.push({ source: "fixture", object: {
      apiVersion: "v1", kind: "Secret", metadata: { name: "tandem-support-env", namespace: "tandem" },
      stringData: { TANDEM_SUPPORT_DRAIN_TIMEOUT: "15s", TANDEM_PAGE_TOKEN_KEY: "k".repeat(32) },
    } });
    supportServer(m).envFrom = [{ secretRef: { name: "tandem-support-env" } }];
  }],
  ["kustomize's line-wrapped Secret data", (m) => {
    m.push({ source: "fixture", object: {
      apiVersion: "v1", kind: "Secret", metadata: { name: "wrapped", namespace: "tandem" },
      data: { dsn: `${Buffer.from("mysql://user:password@mariadb:3306/tandem_support?x=".repeat(3)).toString("base64")
        .match(/.{1,70}/g).join("\n")}\n` },
    } });
  }],
  ["StatefulSet volume from a volumeClaimTemplate", (m) => {
    m.push({ source: "fixture", object: {
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "tandem" },
      spec: {
        serviceName: "db", selector: { matchLabels: { app: "db" } },
        template: { metadata: { labels: { app: "db" } }, spec: { containers: [{
          name: "db", image: "mariadb:10.11", volumeMounts: [{ name: "data", mountPath: "/var/lib/mysql" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: {
          accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    } });
  }],
  ["database DSN to an external host", (m) => {
    m.push({ source: "fixture", object: {
      apiVersion: "v1", kind: "Secret", metadata: { name: "tandem-support-db", namespace: "tandem" },
      stringData: { dsn: "mysql://tandem_support:pw@db.example.com:3306/tandem_support" },
    } });
  }],
  ["flag given as two arguments", (m) => {
    const c = supportServer(m);
    setArg(c, "drain-timeout");
    c.args.push("--drain-timeout", "15s", "--migrate-only=false");
  }],
];

const DOCKERFILE_CASES = [
  ["runtime stage not on bookworm-slim", (d) => d.replace("FROM debian:bookworm-slim", "FROM debian:bookworm"),
    /the last stage must be FROM debian:bookworm-slim, not debian:bookworm/],
  ["no Debian 12 build stage", (d) => d.replace("FROM debian:bookworm AS build", "FROM ubuntu:24.04 AS build"),
    /no build stage FROM debian:bookworm/],
  ["runs as root", (d) => d.replace("USER 65532:65532", "USER root"), /must run as USER 65532/],
  ["no USER", (d) => d.replace("USER 65532:65532\n", ""), /the last stage has no USER/],
  ["shell-form ENTRYPOINT", (d) => d.replace('ENTRYPOINT ["/usr/local/bin/tandem-server"]', "ENTRYPOINT /usr/local/bin/tandem-server"),
    /ENTRYPOINT must be exec form/],
  ["dockerfile-utils error", (d) => d.replace("EXPOSE 50051 9461", "EXPOSE 50051/icmp"), /Dockerfile:\d+: error: /],
  ["dockerfile-utils warning", (d) => d.replace("WORKDIR /src", "WORKDIR /src\nMAINTAINER someone"), /Dockerfile:\d+: warning: /],
];

// Policy cases on the prod render: [name, mutation, expected error].
const removeObject = (m, kind, name) => {
  const index = m.findIndex(({ object }) => object.kind === kind && object.metadata.name === name);
  if (index < 0) throw new Error(`policy fixture has no ${kind}/${name}`);
  m.splice(index, 1);
};
const metricsPod = (m) => find(m, "Deployment", "tandem-metrics").spec.template.spec;
const POLICY_CASES = [
  ["root filesystem writable", (m) => {
    metricsPod(m).containers[0].securityContext.readOnlyRootFilesystem = false;
  }, /Deployment\/tandem-metrics: container metrics: readOnlyRootFilesystem is not true/],
  ["capabilities kept", (m) => {
    delete metricsPod(m).containers[0].securityContext.capabilities;
  }, /capabilities\.drop does not hold ALL/],
  ["privilege escalation", (m) => {
    delete metricsPod(m).containers[0].securityContext.allowPrivilegeEscalation;
  }, /allowPrivilegeEscalation is not false/],
  ["may run as root", (m) => {
    delete metricsPod(m).containers[0].securityContext.runAsNonRoot;
    delete metricsPod(m).securityContext.runAsNonRoot;
  }, /runAsNonRoot is not true/],
  ["no seccomp profile", (m) => {
    delete metricsPod(m).securityContext.seccompProfile;
  }, /seccompProfile is not RuntimeDefault/],
  ["service-account token mounted", (m) => {
    delete metricsPod(m).automountServiceAccountToken;
    find(m, "ServiceAccount", "tandem-metrics").automountServiceAccountToken = true;
  }, /Deployment\/tandem-metrics: mounts a service-account token/],
  ["migration Job without resources", (m) => {
    delete find(m, "Job", "tandem-success-migrate").spec.template.spec.containers[0].resources.limits;
  }, /Job\/tandem-success-migrate: container migrate: no resources\.limits\.memory/],
  ["rolling update may take a pod away", (m) => {
    find(m, "Deployment", "tandem-support").spec.strategy.rollingUpdate.maxUnavailable = 1;
  }, /Deployment\/tandem-support: rolling updates must have maxUnavailable: 0/],
  ["no headless Service", (m) => removeObject(m, "Service", "tandem-success-headless"),
    /Deployment\/tandem-success: no headless Service selects its pods/],
  ["no ClusterIP Service", (m) => removeObject(m, "Service", "tandem-success"),
    /Deployment\/tandem-success: no ClusterIP Service selects its pods/],
  ["no PodDisruptionBudget", (m) => removeObject(m, "PodDisruptionBudget", "tandem-support"),
    /Deployment\/tandem-support: no PodDisruptionBudget/],
  ["no HorizontalPodAutoscaler", (m) => removeObject(m, "HorizontalPodAutoscaler", "tandem-metrics"),
    /Deployment\/tandem-metrics: no HorizontalPodAutoscaler/],
  ["no NetworkPolicy", (m) => removeObject(m, "NetworkPolicy", "tandem-metrics"),
    /Deployment\/tandem-metrics: no NetworkPolicy/],
  ["no ServiceAccount", (m) => removeObject(m, "ServiceAccount", "tandem-support"),
    /Deployment\/tandem-support: serviceAccountName names no ServiceAccount/],
  ["no migration Job", (m) => removeObject(m, "Job", "tandem-metrics-migrate"),
    /Deployment\/tandem-metrics: no Job runs tandem-metrics with --migrate-only/],
  ["capability added", (m) => {
    metricsPod(m).containers[0].securityContext.capabilities.add = ["NET_ADMIN"];
  }, /container metrics: capabilities\.add is not empty/],
  ["privileged", (m) => {
    metricsPod(m).containers[0].securityContext.privileged = true;
  }, /container metrics: runs privileged/],
  ["host network", (m) => { metricsPod(m).hostNetwork = true; }, /Deployment\/tandem-metrics: hostNetwork is set/],
  ["hostPath volume", (m) => {
    metricsPod(m).volumes.push({ name: "host", hostPath: { path: "/var/run" } });
  }, /volume host is a hostPath/],
  ["host port", (m) => { metricsPod(m).containers[0].ports[0].hostPort = 50053; }, /container metrics: uses a hostPort/],
  ["misspelt Secret name", (m) => {
    metricsPod(m).containers[0].env.find((v) => v.name === "TANDEM_JWT_SECRET").valueFrom.secretKeyRef.name = "tandem-atuh";
  }, /env TANDEM_JWT_SECRET: Secret tandem-atuh is neither in the render nor in the overlay's operator-secrets\.txt/],
  ["misspelt Secret key", (m) => {
    metricsPod(m).containers[0].env.find((v) => v.name === "TANDEM_PAGE_TOKEN_KEY").valueFrom.secretKeyRef.key = "page-tokn-key";
  }, /env TANDEM_PAGE_TOKEN_KEY: Secret tandem-auth has no key page-tokn-key/],
  ["misspelt TLS Secret of a volume", (m) => {
    metricsPod(m).volumes.find((v) => v.name === "tls").secret.secretName = "tandem-cert";
  }, /volume tls: Secret tandem-cert is neither in the render/],
  ["missing settings ConfigMap", (m) => {
    metricsPod(m).containers[0].envFrom[0].configMapRef.name = "tandem-metrics-setting";
  }, /envFrom: ConfigMap tandem-metrics-setting is neither in the render/],
  ["budget that blocks every drain", (m) => {
    find(m, "PodDisruptionBudget", "tandem-success").spec.minAvailable = 3;
  }, /Deployment\/tandem-success: PodDisruptionBudget\/tandem-success lets no pod be evicted at 3 replica/],
];

async function main(argv) {
  const option = (name) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : null;
  };
  const nodeModules = option("--node-modules");
  const binDir = option("--bin-dir");
  if (!nodeModules || !binDir) {
    console.error("usage: node selftest.mjs --node-modules DIR --bin-dir DIR");
    process.exit(2);
  }
  const packages = await loadPackages(nodeModules);
  const { servers, errors: helpErrors } = readServers(binDir);
  if (helpErrors.length > 0) {
    helpErrors.forEach((error) => console.log(error));
    process.exit(1);
  }
  const manifestText = readFileSync(path.join(here, "fixtures", "rendered.yaml"), "utf8");
  const dockerfile = readFileSync(path.join(here, "fixtures", "Dockerfile"), "utf8");
  const fresh = () => parseManifests(packages.YAML, manifestText, "fixture");
  const checks = {
    schema: (m) => schemaErrors(packages, m),
    strict: (m) => strictErrors(packages, m),
    servers: async (m) => serverErrors(m, servers),
  };

  const failures = [];
  for (const [name, check] of Object.entries(checks)) {
    const errors = await check(fresh());
    if (errors.length > 0) failures.push(`the good fixture fails ${name}:\n    ${errors.join("\n    ")}`);
  }
  const dockerBaseline = dockerfileErrors(packages, dockerfile, "Dockerfile");
  if (dockerBaseline.length > 0) failures.push(`the good Dockerfile fails:\n    ${dockerBaseline.join("\n    ")}`);

  for (const [name, checkName, mutate, expected] of MANIFEST_CASES) {
    const manifests = fresh();
    mutate(manifests);
    const errors = await checks[checkName](manifests);
    if (process.env.SELFTEST_VERBOSE) console.log(`## ${name}\n    ${errors.join("\n    ")}`);
    if (!errors.some((error) => expected.test(error))) {
      failures.push(`not caught: ${name} (${checkName} should report ${expected}); it reported:\n    ` +
        (errors.join("\n    ") || "nothing"));
    }
  }
  for (const [name, mutate] of GOOD_CASES) {
    const manifests = fresh();
    mutate(manifests);
    for (const [checkName, check] of Object.entries(checks)) {
      const errors = await check(manifests);
      if (errors.length > 0) failures.push(`false alarm: ${name} fails ${checkName}:\n    ${errors.join("\n    ")}`);
    }
  }
  for (const [name, mutate, expected] of DOCKERFILE_CASES) {
    const changed = mutate(dockerfile);
    if (changed === dockerfile) throw new Error(`Dockerfile case "${name}" changed nothing: fix the self-test`);
    const errors = dockerfileErrors(packages, changed, "Dockerfile");
    if (process.env.SELFTEST_VERBOSE) console.log(`## ${name}\n    ${errors.join("\n    ")}`);
    if (!errors.some((error) => expected.test(error))) {
      failures.push(`not caught: ${name} (dockerfile should report ${expected}); it reported:\n    ` +
        (errors.join("\n    ") || "nothing"));
    }
  }
  let policyCases = 0;
  const policyFixture = option("--policy-fixture");
  if (policyFixture) {
    const policyText = readFileSync(policyFixture, "utf8");
    const render = () => parseManifests(packages.YAML, policyText, "prod");
    const operatorSecrets = new Map([["prod", readOperatorSecrets(option("--operator-secrets") ?? "")]]);
    const baseline = policyErrors(render(), operatorSecrets);
    if (baseline.length > 0) failures.push(`the policy fixture fails policy:\n    ${baseline.join("\n    ")}`);
    for (const [name, mutate, expected] of POLICY_CASES) {
      const manifests = render();
      mutate(manifests);
      const errors = policyErrors(manifests, operatorSecrets);
      if (process.env.SELFTEST_VERBOSE) console.log(`## ${name}\n    ${errors.join("\n    ")}`);
      if (!errors.some((error) => expected.test(error))) {
        failures.push(`not caught: ${name} (policy should report ${expected}); it reported:\n    ` +
          (errors.join("\n    ") || "nothing"));
      }
    }
    policyCases = POLICY_CASES.length;
  }
  failures.forEach((failure) => console.log(failure));
  console.log(`${MANIFEST_CASES.length + DOCKERFILE_CASES.length + policyCases} mutations, ${GOOD_CASES.length} good variants, ` +
    `${failures.length} failure(s)`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`selftest.mjs: ${error.stack}`);
  process.exit(2);
});
