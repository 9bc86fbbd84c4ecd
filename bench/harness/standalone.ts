// A section file run on its own (`npx tsx bench/sections/<name>.ts`): runs the section, prints its
// report and exits 0; on a failure prints the stack and exits 1 (the exit ends the children, processes.ts).
// Imported by run.ts instead, the section file does nothing here.

/** Runs `run` and prints `report` of its result when `meta` is the module node was started with. */
export function runStandalone<T>(meta: ImportMeta, run: () => Promise<T>, report: (result: T) => string[] | string): void {
  if (meta.url !== `file://${process.argv[1]}`) return;
  run().then(
    (result) => {
      const text = report(result);
      process.stdout.write(`${typeof text === "string" ? text : text.join("\n")}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
      process.exit(1);
    },
  );
}
