// Peers the tests drive (grpcurl, python, go, chromium) must be installed:
// .ci/run installs them. A missing one fails the test loudly, never skips it.
import { execFileSync } from "node:child_process";

export function toolPath(name: string): string | null {
  const PATH = `${process.env["HOME"]}/go/bin:${process.env["PATH"]}`;
  try {
    return execFileSync("bash", ["-c", `command -v ${name}`], { env: { ...process.env, PATH } }).toString().trim() || null;
  } catch {
    return null;
  }
}

export function requireTool(name: string): string {
  const path = toolPath(name);
  if (!path) throw new Error(`${name} is not installed; run .ci/run (or test/peers/install.sh) to install the test peers`);
  return path;
}
