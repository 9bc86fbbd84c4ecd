// Preloaded (`--import`) into an agent-runs server on the MongoDB store by the hardening section:
// turns on the driver's command monitoring for every MongoClient the service creates and counts
// the `ping` commands it sends (the store's readiness check), writing the running count to
// `$BENCH_PROBE_FILE.pings` after each one. The driver is the service's own copy (resolved from
// the server's working directory), so this patches the class the service instantiates.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const file = `${process.env.BENCH_PROBE_FILE ?? join(process.cwd(), "bench", ".out", `probe-${process.pid}.json`)}.pings`;
const { MongoClient } = createRequire(join(process.cwd(), "package.json"))("mongodb");
let pings = 0;
writeFileSync(file, "0");
const connect = MongoClient.prototype.connect;
MongoClient.prototype.connect = function patchedConnect(...args) {
  if (!this.__benchPings) {
    this.__benchPings = true;
    this.monitorCommands = true;
    this.on("commandStarted", (event) => {
      if (event.commandName === "ping") writeFileSync(file, String(++pings));
    });
  }
  return connect.apply(this, args);
};
