// A built page (Vite's output in `dir`) served under /playground/ by
// staticFiles() in front of the whole app, on a free loopback port: what
// `npm start` serves, with the page of a test's choosing.
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { listen, type Listening } from "../../src/server/listen.js";
import { staticFiles } from "../../src/server/static.js";

export interface PageServer {
  app: App;
  listening: Listening;
  url: string;
  /** Stops listening, drains and closes the app, then drops what connections are left. */
  close(): Promise<void>;
}

export async function servePage(dir: string): Promise<PageServer> {
  const app = await createApp(defaultConfig({ host: "127.0.0.1", port: 0, logLevel: "silent", drainMs: 200 }));
  const page = staticFiles(dir);
  const listening = await listen((req, res) => {
    if (!page(req, res)) app.handler(req, res);
  }, "127.0.0.1", 0);
  return {
    app,
    listening,
    url: `http://127.0.0.1:${listening.port}`,
    async close() {
      const closed = listening.close();
      await app.close();
      listening.destroy();
      await closed;
    },
  };
}
