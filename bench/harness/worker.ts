// The load generator process (bench/load.ts), forked with an IPC channel: one task at a time.
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { SERVICE_NODE_FLAGS, sleep, type Task, type TaskResult } from "../lib.js";
import { BENCH, ROOT } from "./config.js";
import { children, exited, stopChild } from "./processes.js";

export class Worker {
  private pending: { resolve: (r: TaskResult) => void; reject: (e: Error) => void } | null = null;
  private constructor(private readonly child: ChildProcess) {}

  static async start(nodeFlags: string[] = []): Promise<Worker> {
    const child = fork(join(BENCH, "load.ts"), [], { cwd: ROOT, execArgv: [...SERVICE_NODE_FLAGS, ...nodeFlags, "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.add(child);
    await new Promise<void>((resolveReady, reject) => {
      child.once("message", () => resolveReady());
      child.once("exit", (code) => reject(new Error(`load worker exited (${code})`)));
    });
    const worker = new Worker(child);
    child.on("message", (msg: { ok: boolean; result?: TaskResult; error?: string }) => {
      const pending = worker.pending;
      worker.pending = null;
      if (!pending) return;
      if (msg.ok && msg.result) pending.resolve(msg.result);
      else pending.reject(new Error(msg.error ?? "load worker failed"));
    });
    child.on("exit", (code) => {
      worker.pending?.reject(new Error(`load worker exited (${code})`));
      worker.pending = null;
    });
    return worker;
  }

  run<T extends TaskResult>(task: Task, timeoutMs = 10 * 60_000): Promise<T> {
    if (this.pending) throw new Error("load worker is busy");
    return new Promise<T>((resolveTask, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new Error(`task ${task.kind} timed out after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending = {
        resolve: (r) => {
          clearTimeout(timer);
          resolveTask(r as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.child.send(task);
    });
  }

  /** Lets it exit on its own first (a --cpu-prof profile is written at exit), then ends it. */
  async stop(): Promise<void> {
    this.child.disconnect();
    await Promise.race([exited(this.child), sleep(10_000)]);
    await stopChild(this.child, 5000);
  }
}
