// The machine, the versions of everything measured, and a digest of the service source.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import { join, relative } from "node:path";
import { BENCH, ROOT } from "./config.js";

export function pkgVersion(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

export function command(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return null;
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
}

/** Identifies the service code measured (no VCS needed): a digest of src/, gen/ and package.json, and the newest file. */
export function sourceVersion(): { digest: string; files: number; newest: string; newestTime: string } {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry.name)) files.push(path);
    }
  };
  walk(join(ROOT, "src"));
  walk(join(ROOT, "gen"));
  files.push(join(ROOT, "package.json"));
  files.sort();
  const hash = createHash("sha256");
  let newest = { path: "", mtime: 0 };
  for (const file of files) {
    hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
    const mtime = statSync(file).mtimeMs;
    if (mtime > newest.mtime) newest = { path: relative(ROOT, file), mtime };
  }
  return { digest: hash.digest("hex").slice(0, 16), files: files.length, newest: newest.path, newestTime: new Date(newest.mtime).toISOString() };
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  const nm = (p: string) => pkgVersion(join(ROOT, "node_modules", p, "package.json"));
  const pyVenv = join(BENCH, "anchors/py/.venv/bin/python");
  const pyVersions = existsSync(pyVenv)
    ? command(pyVenv, [
        "-c",
        "import importlib.metadata as m, sys\nfor p in ['langgraph-api','langgraph-runtime-inmem','langgraph','langgraph-cli','uvicorn']:\n  print(p, m.version(p))\nprint('python', sys.version.split()[0])",
      ])
    : null;
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    versions: {
      "agent-runs": pkgVersion(join(ROOT, "package.json")),
      "@connectrpc/connect-node": nm("@connectrpc/connect-node"),
      "@bufbuild/protobuf": nm("@bufbuild/protobuf"),
      "@langchain/langgraph": nm("@langchain/langgraph"),
      "@langchain/core": nm("@langchain/core"),
      mongodb: nm("mongodb"),
      "@langchain/langgraph-api (JS anchor)": pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph-api/package.json")),
      "@langchain/langgraph-cli (JS anchor)": pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph-cli/package.json")),
      "@langchain/langgraph (JS anchor)": pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph/package.json")),
      "Python anchor": pyVersions ? pyVersions.split("\n").join(", ") : null,
      java: command("java", ["-version"])?.split("\n")[0] ?? null,
    },
  };
}
