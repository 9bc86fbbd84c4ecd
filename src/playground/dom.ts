/// <reference lib="dom" />
// Small DOM helpers shared by the playground's modules.
import { Code } from "@connectrpc/connect";
import type { JsonValue } from "@bufbuild/protobuf";

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

/** "already_exists" for Code.AlreadyExists: the wire's own spelling. */
export function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

export function short(value: JsonValue | undefined, max = 160): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function cell(tr: HTMLTableRowElement, text: string, className?: string): HTMLTableCellElement {
  const td = tr.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
