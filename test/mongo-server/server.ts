/**
 * MongoDB-wire test server for the project's tests: mongo-java-server 1.47.0
 * (https://github.com/bwaldvogel/mongo-java-server) run by test/mongo-server/Launcher.java.
 *
 *   import { startMongoServer } from "../test/mongo-server/server.ts";
 *   const mongo = await startMongoServer();                    // in-memory backend
 *   const mongo = await startMongoServer({ file: "/tmp/x.mv" }); // H2 file, survives stop()/restart
 *   const client = new MongoClient(mongo.uri);                 // uri: mongodb://127.0.0.1:<port>
 *   await mongo.stop();                                        // SIGTERM, SIGKILL after 10 s
 *
 * CLI:
 *   npx tsx test/mongo-server/server.ts [--file PATH | --memory] [--port N]
 * prints the URI as the first line of stdout and runs until SIGINT/SIGTERM. Without
 * --file/--memory it uses an H2 file in a new temp dir (its path goes to stderr).
 *
 * Needs java + javac (17+) and mvn (Maven 3) on PATH (JAVA_HOME's java/javac are preferred
 * when JAVA_HOME is set). JVM flags can be overridden with MONGO_JAVA_SERVER_JVM_OPTS. The build goes to <repo>/.cache/mongo-java-server/ and is redone
 * only when pom.xml or Launcher.java change.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "..", "..");
const POM = join(HERE, "pom.xml");
const LAUNCHER_SOURCE = join(HERE, "Launcher.java");

/** Where the jars, the compiled Launcher and the stamp live (git-ignored via .cache/). */
export const MONGO_SERVER_CACHE_DIR = join(REPO_ROOT, ".cache", "mongo-java-server");
const LIB_DIR = join(MONGO_SERVER_CACHE_DIR, "lib");
const CLASSES_DIR = join(MONGO_SERVER_CACHE_DIR, "classes");
const STAMP_FILE = join(MONGO_SERVER_CACHE_DIR, "stamp.json");
const LOCK_DIR = join(MONGO_SERVER_CACHE_DIR, ".build-lock");

/** Bump when the build layout/steps change, to invalidate existing caches. */
const BUILD_FORMAT = "1";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const STDERR_TAIL_CHARS = 64 * 1024;
const TOOL_OUTPUT_CHARS = 16 * 1024;

export interface MongoServerBuild {
  /** Java classpath: `<cache>/classes:<cache>/lib/*`. */
  classpath: string;
}

export interface StartMongoServerOptions {
  /** H2 (MVStore) file; data survives stop() + start on the same file. Omit for an in-memory server. */
  file?: string;
  /** Port on 127.0.0.1; 0 / omitted = a free port. */
  port?: number;
  /** Called with each chunk the server writes to stderr (warnings/errors only). */
  onStderr?: (text: string) => void;
}

export interface MongoServerHandle {
  /** `mongodb://127.0.0.1:<port>` */
  uri: string;
  pid: number;
  /** SIGTERM (graceful: the H2 file is committed and closed), SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
  /** Sends a raw signal (e.g. "SIGKILL" to simulate a crash). Does not wait. */
  kill(signal: NodeJS.Signals): void;
  child: ChildProcess;
  /** The last 64 KiB the server wrote to stderr. */
  stderr(): string;
}

// ---------------------------------------------------------------------------------------------
// Build

let buildPromise: Promise<MongoServerBuild> | undefined;

/**
 * Fetches the jars with Maven and compiles Launcher.java into .cache/mongo-java-server/.
 * Cached: does nothing when the stamp matches pom.xml + Launcher.java and the outputs exist.
 * Safe to call concurrently, from one process or several. Throws if a tool is missing or fails.
 */
export function buildMongoServer(): Promise<MongoServerBuild> {
  if (!buildPromise) {
    buildPromise = buildOnce();
    buildPromise.catch(() => {
      buildPromise = undefined; // let a later call retry
    });
  }
  return buildPromise;
}

interface Stamp {
  hash: string;
  jars: string[];
}

async function buildOnce(): Promise<MongoServerBuild> {
  const hash = await sourceHash();
  const result: MongoServerBuild = { classpath: `${CLASSES_DIR}${delimiter}${join(LIB_DIR, "*")}` };
  if (await isBuildCurrent(hash)) return result;

  await mkdir(MONGO_SERVER_CACHE_DIR, { recursive: true });
  const unlock = await acquireLock();
  try {
    if (await isBuildCurrent(hash)) return result; // another process built it while we waited

    await rm(STAMP_FILE, { force: true });
    await checkTool(javaBinary("java"), ["-version"], "java (JDK 17+)");
    await checkTool(javaBinary("javac"), ["-version"], "javac (JDK 17+)");
    await checkTool("mvn", ["-v"], "mvn (Maven 3)");

    await rm(LIB_DIR, { recursive: true, force: true });
    await runBuildStep("mvn", [
      "-B",
      "-q",
      "-Dstyle.color=never",
      "-f",
      POM,
      "dependency:copy-dependencies",
      `-DoutputDirectory=${LIB_DIR}`,
    ]);
    const jars = await listJars();
    if (!jars.some((j) => j.startsWith("mongo-java-server-h2-backend-"))) {
      throw new Error(`mongo-java-server build: mvn succeeded but ${LIB_DIR} has no h2 backend jar (found: ${jars.join(", ") || "nothing"})`);
    }

    await rm(CLASSES_DIR, { recursive: true, force: true });
    await mkdir(CLASSES_DIR, { recursive: true });
    await runBuildStep(javaBinary("javac"), ["-nowarn", "-d", CLASSES_DIR, "-cp", join(LIB_DIR, "*"), LAUNCHER_SOURCE]);
    if (!existsSync(join(CLASSES_DIR, "Launcher.class"))) {
      throw new Error(`mongo-java-server build: javac succeeded but ${join(CLASSES_DIR, "Launcher.class")} is missing`);
    }

    const stamp: Stamp = { hash, jars };
    const tmp = `${STAMP_FILE}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(stamp, null, 2) + "\n");
    await rename(tmp, STAMP_FILE);
    return result;
  } finally {
    await unlock();
  }
}

async function sourceHash(): Promise<string> {
  const h = createHash("sha256");
  h.update(`format ${BUILD_FORMAT}\0`);
  for (const file of [POM, LAUNCHER_SOURCE]) {
    h.update(await readFile(file));
    h.update("\0");
  }
  return h.digest("hex");
}

async function isBuildCurrent(hash: string): Promise<boolean> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(STAMP_FILE, "utf8")) as Stamp;
  } catch {
    return false;
  }
  if (stamp.hash !== hash || !Array.isArray(stamp.jars) || stamp.jars.length === 0) return false;
  if (!existsSync(join(CLASSES_DIR, "Launcher.class"))) return false;
  return stamp.jars.every((jar) => existsSync(join(LIB_DIR, jar)));
}

async function listJars(): Promise<string[]> {
  try {
    return (await readdir(LIB_DIR)).filter((f) => f.endsWith(".jar")).sort();
  } catch {
    return [];
  }
}

/** Cross-process lock: an mkdir'ed directory holding the owner's pid; stale locks are broken. */
async function acquireLock(): Promise<() => Promise<void>> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, "owner"), String(process.pid));
      return () => rm(LOCK_DIR, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (await isLockStale()) {
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`mongo-java-server build: timed out waiting for the build lock ${LOCK_DIR} (delete it if no build is running)`);
    }
    await sleep(200);
  }
}

async function isLockStale(): Promise<boolean> {
  try {
    const info = await stat(LOCK_DIR);
    if (Date.now() - info.mtimeMs > 15 * 60_000) return true;
    const pid = Number((await readFile(join(LOCK_DIR, "owner"), "utf8")).trim());
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 5_000; // owner file not written yet
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
  } catch {
    return false; // vanished or unreadable: just retry
  }
}

function javaBinary(name: "java" | "javac"): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, "bin", process.platform === "win32" ? `${name}.exe` : name);
    if (existsSync(candidate)) return candidate;
  }
  return name;
}

async function checkTool(command: string, args: string[], what: string): Promise<void> {
  try {
    await runTool(command, args);
  } catch (e) {
    throw new Error(`mongo-java-server build needs ${what} on PATH: ${(e as Error).message}`, { cause: e });
  }
}

async function runBuildStep(command: string, args: string[]): Promise<void> {
  try {
    await runTool(command, args);
  } catch (e) {
    throw new Error(`mongo-java-server build failed: ${(e as Error).message}`, { cause: e });
  }
}

/** Runs a build tool; rejects with its exit status and output (stdout + stderr) on failure. */
function runTool(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let output = "";
    const append = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.length > 4 * TOOL_OUTPUT_CHARS) output = output.slice(-TOOL_OUTPUT_CHARS);
    };
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: HERE, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      reject(new Error(`cannot run \`${command}\`: ${(e as Error).message}`, { cause: e }));
      return;
    }
    child.stdout!.on("data", append);
    child.stderr!.on("data", append);
    child.on("error", (e: NodeJS.ErrnoException) => {
      const reason = e.code === "ENOENT" ? "command not found" : e.message;
      reject(new Error(`cannot run \`${command}\`: ${reason}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      if (code === 0) {
        resolvePromise();
        return;
      }
      const text = stripAnsi(output).trim().slice(-TOOL_OUTPUT_CHARS);
      reject(
        new Error(
          `\`${command} ${args.join(" ")}\` failed (${signal ? `signal ${signal}` : `exit code ${code}`})` +
            (text ? `:\n${text}` : " with no output"),
        ),
      );
    });
  });
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

// ---------------------------------------------------------------------------------------------
// Start / stop

/**
 * Builds if needed, then starts a server on 127.0.0.1 (H2 file backend when `file` is given,
 * else in-memory). Resolves once the server listens. The server also shuts down (gracefully)
 * when this Node process exits, because it watches its stdin pipe.
 */
export async function startMongoServer(opts: StartMongoServerOptions = {}): Promise<MongoServerHandle> {
  const { classpath } = await buildMongoServer();
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`startMongoServer: invalid port ${port}`);

  const args = [
    ...jvmOptions(),
    "-cp",
    classpath,
    "Launcher",
    ...(opts.file !== undefined ? ["--file", resolve(opts.file)] : ["--memory"]),
    "--port",
    String(port),
    "--exit-on-stdin-eof",
  ];
  const java = javaBinary("java");
  const child = spawn(java, args, { cwd: MONGO_SERVER_CACHE_DIR, stdio: ["pipe", "pipe", "pipe"] });

  let stderrTail = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
    opts.onStderr?.(text);
  });
  child.stdin!.on("error", () => {}); // EPIPE if the JVM died; reported via exit instead
  child.on("error", () => {}); // spawn/kill errors are reported below; never crash the host process

  const exited = new Promise<void>((done) => {
    child.once("exit", () => {
      child.stdin!.destroy(); // an open pipe to a dead child would keep the event loop alive
      done();
    });
  });

  const uri = await new Promise<string>((resolveUri, reject) => {
    let stdoutBuf = "";
    let settled = false;
    const describe = () => {
      const err = stderrTail.trim();
      return `\n  command: ${java} ${args.join(" ")}` + (err ? `\n  stderr:\n${err}` : "\n  stderr: (empty)");
    };
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      child.stdin!.destroy();
      // Give stderr a moment to drain so the message has the reason.
      setTimeout(() => reject(new Error(message + describe())), 100);
    };
    const onData = (text: string) => {
      stdoutBuf += text;
      const nl = stdoutBuf.indexOf("\n");
      if (nl < 0) return;
      const line = stdoutBuf.slice(0, nl).trim();
      if (!/^mongodb:\/\/127\.0\.0\.1:\d+$/.test(line)) {
        fail(`mongo-java-server printed an unexpected first line: ${JSON.stringify(line)}`);
        return;
      }
      settled = true;
      cleanup();
      resolveUri(line);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`mongo-java-server exited before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    const onError = (e: NodeJS.ErrnoException) =>
      fail(e.code === "ENOENT" ? `cannot run \`${java}\`: command not found (JDK 17+ needed)` : `cannot run \`${java}\`: ${e.message}`);
    const timer = setTimeout(
      () => fail(`mongo-java-server did not print its URI within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS,
    );
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.off("close", onExit);
      child.off("error", onError);
    };
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", onData);
    child.once("close", onExit); // "close" (not "exit"): stderr has been read to the end
    child.once("error", onError);
  });
  child.stdout!.resume(); // keep draining (nothing else is expected)

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), STOP_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        child.kill("SIGKILL");
        await exited;
      }
    })();
    return stopping;
  };

  return {
    uri,
    pid: child.pid!,
    stop,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    child,
    stderr: () => stderrTail,
  };
}

/**
 * JVM flags: tuned for a fast start of a short-lived test server (C1 only, serial GC).
 * Override with MONGO_JAVA_SERVER_JVM_OPTS (space-separated; empty = JVM defaults).
 */
function jvmOptions(): string[] {
  const fromEnv = process.env.MONGO_JAVA_SERVER_JVM_OPTS;
  if (fromEnv !== undefined) return fromEnv.split(/\s+/).filter(Boolean);
  return ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss1m"];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// CLI: tsx test/mongo-server/server.ts [--file PATH | --memory] [--port N]

async function main(argv: string[]): Promise<void> {
  let file: string | undefined;
  let memory = false;
  let port = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--file" && i + 1 < argv.length) file = argv[++i];
    else if (arg === "--memory") memory = true;
    else if (arg === "--build-only") {
      const { classpath } = await buildMongoServer();
      process.stdout.write(`mongo-java-server built: ${classpath}\n`);
      return;
    }
    else if (arg === "--port" && i + 1 < argv.length) port = Number(argv[++i]);
    else if (arg === "--help" || arg === "-h") {
      process.stderr.write("usage: tsx test/mongo-server/server.ts [--file PATH | --memory] [--port N]\n");
      return;
    } else {
      throw new Error(`unknown or incomplete argument: ${arg} (usage: [--file PATH | --memory] [--port N])`);
    }
  }
  if (file !== undefined && memory) throw new Error("--file and --memory are mutually exclusive");
  if (file === undefined && !memory) {
    file = join(await mkdtemp(join(tmpdir(), "mongo-java-server-")), "db.mv");
    process.stderr.write(`mongo-java-server: H2 file ${file}\n`);
  }

  const server = await startMongoServer({
    file: memory ? undefined : file,
    port,
    onStderr: (text) => process.stderr.write(text),
  });
  process.stdout.write(`${server.uri}\n`);

  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stderr.write(`mongo-java-server: ${signal}, stopping\n`);
    await server.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  server.child.on("exit", (code, signal) => {
    if (shuttingDown) return;
    process.stderr.write(`mongo-java-server: exited unexpectedly (${signal ?? `exit code ${code}`})\n`);
    process.exit(1);
  });
}

const invokedPath = process.argv[1] ? resolve(process.argv[1]) : "";
if (invokedPath === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
