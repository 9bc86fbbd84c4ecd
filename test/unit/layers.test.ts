// The layering the README promises, read from the imports themselves:
// transports → adapters → application → runtime and stores → domain, no
// arrow pointing up, and no two folders importing each other.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

/** What each folder of src/ may import (besides itself, gen/ and packages). */
const ALLOWED: Record<string, string[]> = {
  domain: [],
  stores: ["domain"],
  runtime: ["domain"],
  application: ["runtime", "stores", "domain"],
  auth: [],
  service: ["application", "domain", "auth"],
  // The HTTP APIs decode into the RPC contract's messages and share its checks (service/validate.ts).
  http: ["service", "application", "domain", "auth"],
  server: ["service", "auth", "domain"],
  playground: [],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** [importing folder, imported folder] for every relative import inside src/. */
function folderImports(): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const file of files(SRC)) {
    const from = relative(SRC, file).split("/")[0]!;
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = relative(SRC, resolve(dirname(file), spec!));
      if (target.startsWith("..")) continue;
      const to = target.includes("/") ? target.split("/")[0]! : target.replace(/\.js$/, "");
      if (to !== from) out.push([from, to, relative(SRC, file)]);
    }
  }
  return out;
}

describe("layers", () => {
  const imports = folderImports();

  it("reads a real import graph", () => {
    expect(imports.some(([from, to]) => from === "application" && to === "stores")).toBe(true);
  });

  it.each(Object.keys(ALLOWED))("%s imports only the layers below it", (folder) => {
    const wrong = imports.filter(([from, to]) => from === folder && !ALLOWED[folder]!.includes(to)).map(([, to, file]) => `${file} → ${to}`);
    expect(wrong).toEqual([]);
  });

  it("has no two folders importing each other", () => {
    const edges = new Set(imports.map(([from, to]) => `${from}>${to}`));
    const cycles = [...edges].filter((e) => edges.has(e.split(">").reverse().join(">")));
    expect(cycles).toEqual([]);
  });
});
