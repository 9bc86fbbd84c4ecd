// Markdown helpers for the report's renderers.

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Lines of a report part, and `p` to add one (`p()` adds an empty line). */
export function lines(): { lines: string[]; p: (s?: string) => void } {
  const out: string[] = [];
  return { lines: out, p: (s = "") => void out.push(s) };
}

/** The image line for a figure the run wrote, or nothing. */
export function figure(figures: string[], file: string, alt: string): string[] {
  return figures.includes(file) ? [`![${alt}](${file})`] : [];
}
