// The route table as the Markdown table docs/http-api.md shows, generated from
// the same routes that are served (test/http-api.test.ts holds the document
// to it, so it cannot drift).
import type { AnyRoute } from "./router.js";

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function routeTable(routes: readonly AnyRoute[]): string {
  const rows = routes.map((r) => {
    const path = r.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const answer = r.produces === "sse" ? "SSE" : r.produces === "none" ? "no body" : "JSON";
    return `| \`${r.method.toUpperCase()}\` | \`${path}\` | ${r.permission === null ? "none" : `\`${r.permission}\``} | ${answer} | ${cell(r.summary)} |`;
  });
  return ["| method | path | permission | answer | what |", "|---|---|---|---|---|", ...rows].join("\n");
}
