// Counts the MongoDB commands agent-runs sends, with the driver's command monitoring: every
// MongoClient created in this process (the service's stores and MongoDBSaver share one per app)
// gets `monitorCommands` and its commandStarted / commandSucceeded / commandFailed events are
// logged with their collection and timing. In-process on purpose: the bench starts the service
// with startServer() from src/app.ts, so the patched class is the one the service instantiates.
import { MongoClient } from "mongodb";

export interface LoggedCommand {
  /** Which MongoClient (one per app started in this process), in creation order. */
  client: number;
  name: string;
  collection: string;
  /** own (agent-runs' collections), saver (MongoDBSaver's), background (lease keeper), other. */
  group: "own" | "saver" | "background" | "other";
  start: number;
  end: number;
}

const OWN = new Set(["runs", "run_slots", "threads", "run_events", "feedback"]);
const SAVER = new Set(["checkpoints", "checkpoint_writes"]);
/** Lease-keeper queries: per replica per tick, not per run. */
const BACKGROUND_HINTS = new Set(["runs_by_lease", "runs_pending"]);

export const commands: LoggedCommand[] = [];
let clients = 0;
let installed = false;

/** The number the next connected MongoClient gets. */
export const nextClient = (): number => clients;

function collectionOf(command: Record<string, unknown>, name: string): string {
  const value = name === "getMore" ? command["collection"] : command[name];
  return typeof value === "string" ? value : "";
}

function isRenewal(command: Record<string, unknown>): boolean {
  const update = command["update"] as { $set?: Record<string, unknown> } | undefined;
  const set = update?.$set;
  return set !== undefined && Object.keys(set).length === 1 && "lease_until" in set;
}

function groupOf(collection: string, command: Record<string, unknown>, name: string): LoggedCommand["group"] {
  if (collection === "runs" && BACKGROUND_HINTS.has(String(command["hint"] ?? ""))) return "background";
  if (collection === "runs" && name === "findAndModify" && isRenewal(command)) return "background";
  if (OWN.has(collection)) return "own";
  if (SAVER.has(collection)) return "saver";
  return "other";
}

/** Patches MongoClient.prototype.connect once, so every client connected afterwards is logged. */
export function installCommandLog(): void {
  if (installed) return;
  installed = true;
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function patchedConnect(this: MongoClient & { __logged?: boolean }) {
    if (!this.__logged) {
      this.__logged = true;
      const client = clients++;
      const open = new Map<number, LoggedCommand>();
      (this as unknown as { monitorCommands: boolean }).monitorCommands = true;
      this.on("commandStarted", (event) => {
        const command = event.command as Record<string, unknown>;
        const collection = collectionOf(command, event.commandName);
        const logged: LoggedCommand = { client, name: event.commandName, collection, group: groupOf(collection, command, event.commandName), start: performance.now(), end: Number.NaN };
        open.set(event.requestId, logged);
        commands.push(logged);
      });
      const finish = (event: { requestId: number }) => {
        const logged = open.get(event.requestId);
        if (logged) logged.end = performance.now();
        open.delete(event.requestId);
      };
      this.on("commandSucceeded", finish);
      this.on("commandFailed", finish);
    }
    return connect.apply(this);
  } as typeof connect;
}

/**
 * How many of `list` ran one after another: the most commands of which none overlaps the next
 * (earliest-ending first), a lower bound on the round trips a caller waited for in series.
 */
export function inSeries(list: readonly LoggedCommand[]): number {
  const done = list.filter((c) => Number.isFinite(c.end)).sort((a, b) => a.end - b.end);
  let count = 0;
  let last = -Infinity;
  for (const c of done) {
    if (c.start >= last) {
      count++;
      last = c.end;
    }
  }
  return count;
}

/** Commands by "collection.command", summed over `list`. */
export function byKind(list: readonly LoggedCommand[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) out[`${c.collection || "(admin)"}.${c.name}`] = (out[`${c.collection || "(admin)"}.${c.name}`] ?? 0) + 1;
  return out;
}

/** Waits until `client` sent nothing for `quietMs` (at most `maxMs`), so a run's trailing commands are counted with it. */
export async function settle(client: number, quietMs = 40, maxMs = 1_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    let last: LoggedCommand | undefined;
    for (let i = commands.length - 1; i >= 0 && !last; i--) if (commands[i]!.client === client && commands[i]!.group !== "background") last = commands[i];
    const idle = last ? performance.now() - Math.max(last.start, Number.isFinite(last.end) ? last.end : last.start) : Infinity;
    if (idle >= quietMs || performance.now() - started > maxMs) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
