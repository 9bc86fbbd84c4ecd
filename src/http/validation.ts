// Request decoding for the HTTP routes: zod schemas (the same ones the
// OpenAPI document is generated from) parse bodies, queries and path
// parameters; any issue is a 422 whose detail names the field, and an
// unknown key is refused by name rather than dropped.
import { z } from "zod/v4";
import { HttpError } from "./errors.js";

export { z };

/** "a.b[2].c" for a zod issue path. */
function pathOf(path: ReadonlyArray<PropertyKey>, prefix: string): string {
  let out = prefix;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

/** The first issue as `<field>: <message>`; unknown keys are named one by one. */
function describe(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.map((k) => pathOf([...issue.path, k], prefix));
    return `${fields.join(", ")}: not supported by this server (unknown field${fields.length > 1 ? "s" : ""})`;
  }
  return `${pathOf(issue.path, prefix) || "body"}: ${issue.message}`;
}

/** `value` parsed by `schema`, or a 422 naming the field under `prefix` ("" for a body, "query" / "path" otherwise). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(422, describe(result.error, prefix));
  return result.data;
}

/** A JSON body: malformed JSON is a 422 too, never a 500. */
export async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(422, "body: not valid JSON");
  }
}

/** Query strings as an object; a key given twice becomes a list (`?status=a&status=b`). */
export function queryOf(url: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(url).searchParams) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

export const jsonObject = z.record(z.string(), z.unknown());
/** LangGraph's thread and run ids: UUIDs, or DeerFlow's 1..64 letters, digits, '_' and '-'. */
export const resourceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a UUID or 1..64 letters, digits, '_' or '-'");
/** "1" / "true" and "0" / "false", as the SDK sends booleans in queries. */
export const queryBool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");
