/// <reference lib="dom" />
// The playground: start a run and watch its events, page its messages, leave
// feedback, browse the caller's threads and runs (browse.ts). Plain DOM code
// over the Connect protocol (JSON) to this origin.
import { toJson, type JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { RunEventSchema, RunStatus, RunsService, StreamMode, type RunEvent, type RunMessage } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { browse } from "./browse.js";
import { $, cell, codeName, short } from "./dom.js";

const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: false,
  // The list RPCs have no side effects: send them as cacheable GETs.
  useHttpGet: true,
});
const client = createClient(RunsService, transport);

const ui = {
  error: $("error"),
  assistant: $<HTMLInputElement>("assistant"),
  message: $<HTMLTextAreaElement>("message"),
  customEvents: $<HTMLInputElement>("custom-events"),
  delayMs: $<HTMLInputElement>("delay-ms"),
  start: $<HTMLButtonElement>("start"),
  runId: $("run-id"),
  threadId: $("thread-id"),
  runStatus: $("run-status"),
  events: $("events"),
  limit: $<HTMLInputElement>("limit"),
  latest: $<HTMLButtonElement>("msgs-latest"),
  older: $<HTMLButtonElement>("msgs-older"),
  newer: $<HTMLButtonElement>("msgs-newer"),
  hasMore: $("has-more"),
  messages: $("messages"),
  comment: $<HTMLInputElement>("fb-comment"),
  up: $<HTMLButtonElement>("fb-up"),
  down: $<HTMLButtonElement>("fb-down"),
  feedback: $("feedback"),
};
$("origin").textContent = location.origin;

let runId = "";
/** The seq range of the page on screen, for the before/after cursors. */
let page: { first?: bigint; last?: bigint } = {};

function showError(e: unknown): void {
  const err = ConnectError.from(e);
  ui.error.textContent = `${err.code ? `[${codeName(err.code)}] ` : ""}${err.rawMessage}`;
}

// ---- runs and events -------------------------------------------------------

function selectedModes(): StreamMode[] {
  const boxes = document.querySelectorAll<HTMLInputElement>('input[name="mode"]:checked');
  return Array.from(boxes, (box) => StreamMode[box.value as keyof typeof StreamMode]);
}

function eventRow(ev: RunEvent): void {
  const kind = ev.kind.case ?? "unknown";
  const mode = ev.kind.case === "part" ? StreamMode[ev.kind.value.mode].toLowerCase() : "";
  const json = toJson(RunEventSchema, ev) as JsonObject;
  const body = ev.kind.case === "part" ? (json["part"] as JsonObject)["data"] : json[kind];
  const tr = document.createElement("tr");
  tr.dataset["testid"] = "event-row";
  tr.dataset["kind"] = kind;
  if (mode) tr.dataset["mode"] = mode;
  cell(tr, ev.eventId.toString(), "num");
  cell(tr, mode ? `${kind}:${mode}` : kind, "kind");
  cell(tr, short(body), "json").title = JSON.stringify(body ?? null, null, 2);
  ui.events.append(tr);
  tr.scrollIntoView({ block: "nearest" });
}

async function startRun(): Promise<void> {
  ui.error.textContent = "";
  ui.events.replaceChildren();
  ui.messages.replaceChildren();
  ui.feedback.replaceChildren();
  ui.hasMore.textContent = "—";
  setRun("");
  ui.start.disabled = true;
  ui.runStatus.textContent = "starting";
  const context: JsonObject = {};
  const customEvents = Number(ui.customEvents.value);
  const delayMs = Number(ui.delayMs.value);
  if (customEvents > 0) context["custom_events"] = customEvents;
  if (delayMs > 0) context["delay_ms"] = delayMs;
  try {
    const stream = client.streamRun({
      run: {
        assistantId: ui.assistant.value.trim(),
        input: { messages: [{ role: "user", content: ui.message.value }] },
        streamMode: selectedModes(),
        context,
      },
    });
    for await (const res of stream) {
      if (res.payload.case !== "event") continue; // heartbeats keep the stream open; nothing to show
      const ev = res.payload.value;
      eventRow(ev);
      if (ev.kind.case === "metadata") {
        setRun(ev.kind.value.runId, ev.kind.value.threadId);
        ui.runStatus.textContent = "running";
      } else if (ev.kind.case === "error") {
        ui.error.textContent = `run failed: ${ev.kind.value.name}: ${ev.kind.value.message}`;
      } else if (ev.kind.case === "end") {
        ui.runStatus.textContent = RunStatus[ev.kind.value.status].toLowerCase();
      }
    }
  } catch (e) {
    ui.runStatus.textContent = "failed";
    showError(e);
  } finally {
    ui.start.disabled = false;
  }
  if (runId) {
    await loadMessages({});
    await loadFeedback().catch(showError);
  }
  await browser.refresh();
}

function setRun(id: string, threadId = ""): void {
  runId = id;
  page = {};
  ui.runId.textContent = id || "—";
  ui.threadId.textContent = threadId || "—";
  for (const button of [ui.latest, ui.up, ui.down]) button.disabled = !id;
  ui.older.disabled = ui.newer.disabled = true;
}

// ---- messages --------------------------------------------------------------

function content(message: JsonObject | undefined): string {
  if (!message) return "";
  const text = short(message["content"] ?? "", 200);
  const calls = message["tool_calls"];
  if (Array.isArray(calls) && calls.length > 0) {
    const names = calls.map((c) => `${String((c as JsonObject)["name"])}(${short((c as JsonObject)["args"], 60)})`);
    return `${text}${text ? " " : ""}→ ${names.join(", ")}`;
  }
  return text;
}

function messageRow(m: RunMessage): void {
  const tr = document.createElement("tr");
  tr.dataset["testid"] = "message-row";
  tr.dataset["seq"] = m.seq.toString();
  cell(tr, m.seq.toString(), "num");
  cell(tr, String(m.message?.["type"] ?? "?"), "type");
  cell(tr, content(m.message), "content");
  ui.messages.append(tr);
}

async function loadMessages(cursor: { beforeSeq?: bigint; afterSeq?: bigint }): Promise<void> {
  if (!runId) return;
  ui.error.textContent = "";
  try {
    const limit = Number(ui.limit.value);
    const res = await client.listRunMessages({ runId, limit: limit > 0 ? limit : undefined, ...cursor });
    ui.messages.replaceChildren();
    res.messages.forEach(messageRow);
    ui.hasMore.textContent = String(res.hasMore);
    if (res.messages.length > 0) page = { first: res.messages[0]!.seq, last: res.messages[res.messages.length - 1]!.seq };
    // has_more speaks for the direction just taken; the other direction is
    // open whenever we came from there.
    const forward = cursor.afterSeq !== undefined;
    const backward = cursor.beforeSeq !== undefined;
    ui.older.disabled = forward ? page.first === undefined : !res.hasMore;
    ui.newer.disabled = forward ? !res.hasMore : !backward || page.last === undefined;
  } catch (e) {
    showError(e);
  }
}

// ---- feedback --------------------------------------------------------------

async function loadFeedback(): Promise<void> {
  const res = await client.listRunFeedback({ runId });
  ui.feedback.replaceChildren();
  for (const f of res.feedback) {
    const tr = document.createElement("tr");
    tr.dataset["testid"] = "feedback-row";
    tr.dataset["rating"] = String(f.rating);
    cell(tr, f.rating > 0 ? "+1" : "-1", "rating");
    cell(tr, f.comment, "comment");
    cell(tr, f.userId, "user");
    cell(tr, f.createTime ? timestampDate(f.createTime).toLocaleString() : "", "created");
    ui.feedback.append(tr);
  }
}

async function sendFeedback(rating: 1 | -1): Promise<void> {
  if (!runId) return;
  ui.error.textContent = "";
  try {
    await client.createRunFeedback({ runId, rating, comment: ui.comment.value });
    ui.comment.value = "";
  } catch (e) {
    showError(e);
  }
  await loadFeedback().catch(showError);
}

// ---- wiring ----------------------------------------------------------------

const browser = browse({
  runs: client,
  threads: createClient(ThreadsService, transport),
  showError,
  selectRun(run) {
    ui.error.textContent = "";
    ui.events.replaceChildren();
    setRun(run.runId, run.threadId);
    ui.runStatus.textContent = RunStatus[run.status].toLowerCase();
    void loadMessages({});
    void loadFeedback().catch(showError);
  },
});
void browser.refresh();

ui.start.addEventListener("click", () => void startRun());
ui.message.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !ui.start.disabled) void startRun();
});
ui.latest.addEventListener("click", () => void loadMessages({}));
ui.older.addEventListener("click", () => void loadMessages({ beforeSeq: page.first }));
ui.newer.addEventListener("click", () => void loadMessages({ afterSeq: page.last }));
ui.up.addEventListener("click", () => void sendFeedback(1));
ui.down.addEventListener("click", () => void sendFeedback(-1));
