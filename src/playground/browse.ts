/// <reference lib="dom" />
// The playground's "Your threads and runs": the caller's threads newest first
// (SearchThreads), and the runs of the thread picked (ListRuns), each paged by
// next_page_token with a "More" button. Picking a run makes it the page's
// current run (its messages and feedback load).
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { RunStatus, type Run, type RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadStatus, type ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { $, cell } from "./dom.js";

const PAGE_SIZE = 10;

export interface BrowseDeps {
  runs: Client<typeof RunsService>;
  threads: Client<typeof ThreadsService>;
  /** Makes a listed run the page's current run. */
  selectRun(run: Run): void;
  showError(e: unknown): void;
}

function row(body: HTMLElement, testId: string, cells: string[], onPick: () => void): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset["testid"] = testId;
  tr.className = "pick";
  for (const text of cells) cell(tr, text);
  tr.addEventListener("click", onPick);
  body.append(tr);
  return tr;
}

const when = (t: Timestamp | undefined) => (t ? timestampDate(t).toLocaleTimeString() : "");

/** Wires the section; returns `refresh`, which reloads the thread list from its first page. */
export function browse(deps: BrowseDeps): { refresh(): Promise<void> } {
  const ui = {
    refresh: $<HTMLButtonElement>("browse-refresh"),
    threads: $("threads"),
    moreThreads: $<HTMLButtonElement>("threads-more"),
    runs: $("runs"),
    runsOf: $("runs-of"),
    moreRuns: $<HTMLButtonElement>("runs-more"),
  };
  let threadsToken = "";
  let runsToken = "";
  let threadId = "";

  async function loadThreads(first: boolean): Promise<void> {
    try {
      const res = await deps.threads.searchThreads({ pageSize: PAGE_SIZE, pageToken: first ? "" : threadsToken });
      if (first) ui.threads.replaceChildren();
      for (const t of res.threads) {
        const tr = row(ui.threads, "thread-row", [t.threadId, ThreadStatus[t.status].toLowerCase(), when(t.updateTime)], () => void loadRuns(t.threadId, true));
        tr.dataset["threadId"] = t.threadId;
      }
      threadsToken = res.nextPageToken;
      ui.moreThreads.disabled = !threadsToken;
    } catch (e) {
      deps.showError(e);
    }
  }

  async function loadRuns(id: string, first: boolean): Promise<void> {
    try {
      const res = await deps.runs.listRuns({ threadId: id, pageSize: PAGE_SIZE, pageToken: first ? "" : runsToken });
      if (first) ui.runs.replaceChildren();
      threadId = id;
      ui.runsOf.textContent = id;
      for (const r of res.runs) {
        const tr = row(ui.runs, "run-row", [r.runId, r.assistantId, RunStatus[r.status].toLowerCase(), when(r.createTime)], () => deps.selectRun(r));
        tr.dataset["runId"] = r.runId;
      }
      runsToken = res.nextPageToken;
      ui.moreRuns.disabled = !runsToken;
    } catch (e) {
      deps.showError(e);
    }
  }

  ui.refresh.addEventListener("click", () => void loadThreads(true));
  ui.moreThreads.addEventListener("click", () => void loadThreads(false));
  ui.moreRuns.addEventListener("click", () => void loadRuns(threadId, false));
  return {
    async refresh() {
      await loadThreads(true);
      if (threadId) await loadRuns(threadId, true);
    },
  };
}
