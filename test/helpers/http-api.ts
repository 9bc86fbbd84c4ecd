// Raw requests to the HTTP APIs (LangGraph Platform, DeerFlow) and the SSE
// frames of their answers, for the tests that look at the wire itself.

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

/**
 * One request to `base`; a string body goes as written (malformed JSON included).
 * With `timeoutMs` the request is aborted (and the call rejects) after that long.
 */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    ...(timeoutMs !== undefined && { signal: AbortSignal.timeout(timeoutMs) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

export type Frame = { event: string; data: any; id?: string };

/** The SSE frames of a whole response (comments left out). */
export function frames(text: string): Frame[] {
  return text
    .split("\n\n")
    .filter((block) => block.includes("event:"))
    .map((block) => {
      const line = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
      return { event: line("event")!, data: JSON.parse(line("data")!), ...(line("id") !== undefined && { id: line("id")! }) };
    });
}

