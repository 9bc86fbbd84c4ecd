// RESULTS.md and the SVG figures, each part rendered by its section; results.json (R, raw).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, OUT } from "../harness/config.js";
import { R } from "../harness/results.js";
import { anchorsHeadline, anchorsReport } from "../sections/anchors.js";
import { ceilingsHeadline, ceilingsReport } from "../sections/ceilings.js";
import { eventsFigures, eventsHeadline, eventsReport } from "../sections/events.js";
import { memoryFigures, memoryHeadline, memoryReport } from "../sections/memory.js";
import { mongoFigures, mongoHeadline, mongoReport } from "../sections/mongo.js";
import { profileHeadline, profileReport } from "../sections/profile-report.js";
import { streamReport } from "../sections/stream.js";
import { waitFigures, waitHeadline, waitReport } from "../sections/wait.js";
import { errorsHeadline, errorsReport, headerReport, machineLoadReport } from "./run-info.js";

/** Writes every figure the results allow into OUT; their names, in order. */
export function writeFigures(): string[] {
  const figures = [...waitFigures(), ...eventsFigures(), ...memoryFigures(), ...mongoFigures()];
  for (const [name, svg] of figures) writeFileSync(join(OUT, name), svg);
  return figures.map(([name]) => name);
}

function headline(): string[] {
  return [
    `## Headline`,
    ``,
    ...waitHeadline(),
    ...ceilingsHeadline(),
    ...profileHeadline(),
    ...anchorsHeadline(),
    ...eventsHeadline(),
    ...memoryHeadline(),
    ...mongoHeadline(),
    ...errorsHeadline(),
    ``,
  ];
}

/**
 * Section 8 is written by hand after each profile-driven fix (before and after figures) and kept
 * in its own file, so that a rerun of the bench does not drop it.
 */
function history(): string[] {
  const file = join(BENCH, "before-after.md");
  return existsSync(file) ? [readFileSync(file, "utf8").trimEnd(), ``] : [];
}

export function report(figures: string[], durationSec: number): string {
  const lines = [
    ...headerReport(durationSec),
    ...headline(),
    ...waitReport(figures),
    ...ceilingsReport(),
    ...streamReport(),
    ...eventsReport(figures),
    ...memoryReport(figures),
    ...mongoReport(figures),
    ...profileReport(),
    ...history(),
    ...anchorsReport(),
    ...machineLoadReport(),
    ...errorsReport(),
  ];
  return lines.join("\n") + "\n";
}

/** results.json first, then the figures and RESULTS.md built from the same results. */
export function writeOutputs(durationSec: number): string[] {
  writeFileSync(join(OUT, "results.json"), JSON.stringify(R, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2) + "\n");
  const figures = writeFigures();
  writeFileSync(join(OUT, "RESULTS.md"), report(figures, durationSec));
  return figures;
}
