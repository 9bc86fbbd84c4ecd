// A free loopback port for a child process to bind.
import { createServer } from "node:net";

/** A free port on 127.0.0.1, as the kernel picks it (released again at once for the child to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
