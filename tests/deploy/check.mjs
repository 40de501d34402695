// Runs one check of tests/deploy/check.sh and prints its errors, one per line.
// Exits 1 when there are errors, 2 when the check cannot run.
//
// Usage: node check.mjs --node-modules DIR [--bin-dir DIR] [--k8s-dir DIR] STEP FILE...
//   STEP schema | strict | servers | policy: FILEs are rendered manifests (multi-document
//        YAML, each named for messages after its base name without .yaml);
//   STEP dockerfile: FILEs are Dockerfiles.
// policy reads the operator's Secrets of render NAME from
// K8S_DIR/overlays/NAME/operator-secrets.txt (K8S_DIR/base/... for "base").

import { readFileSync } from "node:fs";
import path from "node:path";

import {
  dockerfileErrors, loadPackages, parseManifests, policyErrors, readOperatorSecrets, readServers, schemaErrors,
  serverErrors, strictErrors,
} from "./checks.mjs";

function usage(message) {
  console.error(`check.mjs: ${message}`);
  console.error("usage: node check.mjs --node-modules DIR [--bin-dir DIR] [--k8s-dir DIR] schema|strict|servers|policy|dockerfile FILE...");
  process.exit(2);
}

async function main(argv) {
  let nodeModules = null;
  let binDir = null;
  let k8sDir = null;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--node-modules") nodeModules = argv[++i];
    else if (argv[i] === "--bin-dir") binDir = argv[++i];
    else if (argv[i] === "--k8s-dir") k8sDir = argv[++i];
    else rest.push(argv[i]);
  }
  const [step, ...files] = rest;
  if (!nodeModules) usage("--node-modules is required");
  if (!step) usage("no step given");
  const packages = await loadPackages(nodeModules);

  let errors;
  if (step === "dockerfile") {
    errors = files.flatMap((file) => dockerfileErrors(packages, readFileSync(file, "utf8"), path.basename(file)));
  } else {
    const manifests = files.flatMap((file) =>
      parseManifests(packages.YAML, readFileSync(file, "utf8"), path.basename(file).replace(/\.ya?ml$/, "")));
    if (step === "schema") errors = await schemaErrors(packages, manifests);
    else if (step === "strict") errors = await strictErrors(packages, manifests);
    else if (step === "policy") {
      if (!k8sDir) usage("policy needs --k8s-dir");
      const operatorSecrets = new Map();
      for (const source of new Set(manifests.map((item) => item.source))) {
        const dir = source === "base" ? path.join(k8sDir, "base") : path.join(k8sDir, "overlays", source);
        operatorSecrets.set(source, readOperatorSecrets(path.join(dir, "operator-secrets.txt")));
      }
      errors = policyErrors(manifests, operatorSecrets);
    }
    else if (step === "servers") {
      if (!binDir) usage("servers needs --bin-dir");
      const { servers, errors: helpErrors } = readServers(binDir);
      errors = [...helpErrors, ...serverErrors(manifests, servers)];
    } else usage(`unknown step ${step}`);
  }
  for (const error of errors) console.log(error);
  process.exitCode = errors.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`check.mjs: ${error.message}`);
  process.exit(2);
});
