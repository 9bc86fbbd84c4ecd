// Peers the tests drive (grpcurl, python, go, chromium) must be installed:
// .ci/run installs them. A missing one fails the test loudly, never skips it.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

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

/** grpcurl -plaintext with `args`; never throws on a non-zero exit (the code is returned). */
export async function grpcurl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const bin = requireTool("grpcurl");
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, ["-plaintext", ...args], { timeout: 20_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: typeof e.code === "number" ? e.code : -1 };
  }
}
