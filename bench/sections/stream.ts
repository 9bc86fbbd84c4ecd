// Section 3: StreamRun of the echo graph, time to the first event and to the end; the anchors
// add their POST /runs/stream series (sections/anchors.ts).
import { fmt, type Protocol, type StreamTimingResult } from "../lib.js";
import { log, REPS, S } from "../harness/config.js";
import { table } from "../harness/markdown.js";
import { quiet } from "../harness/measure.js";
import { R, SERIES_LABEL, timingOf } from "../harness/results.js";
import type { Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

export async function streamTiming(worker: Worker, server: Server): Promise<void> {
  for (const protocol of ["grpc", "connect-json"] as Protocol[]) {
    const reps: StreamTimingResult[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      await quiet();
      const r = await worker.run<StreamTimingResult>({ kind: "stream-ttfe", url: server.url, protocol, assistantId: "echo", ...S.streamTiming });
      log(`   rep ${rep + 1} StreamRun echo ${protocol}: first event p50 ${fmt(r.ttfe.p50, 2)} ms, end p50 ${fmt(r.tte.p50, 2)} ms${r.errors ? ` errors ${r.errors} (${r.firstError})` : ""}`);
      reps.push(r);
    }
    R.streamTiming[`agent-runs ${protocol}`] = timingOf(reps);
  }
}

export function streamReport(): string[] {
  const rows: string[][] = [];
  for (const [key, cell] of Object.entries(R.streamTiming)) {
    const x = cell.median;
    rows.push([SERIES_LABEL[key] ?? key, String(cell.reps[0]?.ttfe.n ?? 0), fmt(x.ttfeP50, 2), fmt(x.ttfeP99, 2), fmt(x.tteP50, 2), fmt(x.tteP99, 2), x.errors ? `${x.errors}: ${x.firstError?.slice(0, 60)}` : "0"]);
  }
  return [
    `## 3. Streaming: time to first event and to end (one-node graph)`,
    ``,
    `Sequential streams of the echo graph (\`stream_mode\` values): agent-runs StreamRun vs the anchors' POST /runs/stream (SSE). First event = the \`metadata\` event in both.`,
    ``,
    table(["series", "streams per rep", "first event p50 ms", "first event p99 ms", "end p50 ms", "end p99 ms", "errors"], rows),
    ``,
  ];
}
