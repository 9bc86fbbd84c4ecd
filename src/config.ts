// Every setting is declared once, in SETTINGS: flag, environment variable,
// schema, default and meaning. The flag parser, the parsing (flag, then
// environment, then default), USAGE and the README's configuration table
// (test/config.test.ts compares them) are all derived from that table.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CROSS_CHECKS, SETTINGS, type Config, type Setting } from "./config/settings.js";

export type { Config } from "./config/settings.js";

type Entry = [keyof Config, Setting<unknown>];
const ENTRIES = Object.entries(SETTINGS) as Entry[];

const isDerived = (setting: Setting<unknown>): setting is Setting<unknown> & { default: (config: Config) => unknown } =>
  typeof setting.default === "function";

function parseValue(setting: Setting<unknown>, raw: string, fromEnv: boolean): unknown {
  const result = setting.schema.safeParse(raw);
  if (result.success) return result.data;
  const reason = result.error.issues[0]?.message ?? "invalid value";
  throw new Error(`--${setting.flag}: ${reason}, got "${raw}"${fromEnv ? ` (from ${setting.env})` : ""}`);
}

/** Flag, then environment variable, then default; an empty string counts as not set. */
function resolve(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Config {
  const config: Record<string, unknown> = {};
  const derived: Entry[] = [];
  for (const [key, setting] of ENTRIES) {
    const flag = flags[setting.flag];
    const fromFlag = typeof flag === "boolean" ? String(flag) : typeof flag === "string" && flag !== "" ? flag : undefined;
    const fromEnv = env[setting.env] || undefined;
    const raw = fromFlag ?? fromEnv;
    if (raw !== undefined) config[key] = parseValue(setting, raw, fromFlag === undefined);
    else if (isDerived(setting)) derived.push([key, setting]);
    else config[key] = setting.default;
  }
  for (const [key, setting] of derived) if (isDerived(setting)) config[key] = setting.default(config as unknown as Config);
  const resolved = config as unknown as Config;
  for (const check of CROSS_CHECKS) {
    const problem = check(resolved);
    if (problem) throw new Error(problem);
  }
  return resolved;
}

const PARSE_ARGS_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  ...Object.fromEntries(ENTRIES.map(([, setting]) => [setting.flag, { type: setting.switch ? ("boolean" as const) : ("string" as const) }])),
  help: { type: "boolean" },
};

export function loadConfig(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config & { help: boolean } {
  const { values } = parseArgs({ args: argv, options: PARSE_ARGS_OPTIONS, strict: true, allowPositionals: false, allowNegative: true });
  return { help: values["help"] === true, ...resolve(values, env) };
}

export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const { help: _help, ...config } = loadConfig([], {});
  return { ...config, ...overrides };
}

function defaultText(setting: Setting<unknown>): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const value = setting.default;
  if (value === null || (Array.isArray(value) && value.length === 0)) return "none";
  return `\`${String(value)}\``;
}

/** Markdown to terminal text: links become their label, code loses its backticks. */
const plain = (markdown: string) => markdown.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replaceAll("`", "");

/** The README's configuration table, header included, one line per setting. */
export function configTable(): string {
  const rows = ENTRIES.map(([, s]) => `| \`--${s.flag}\` | \`${s.env}\` | ${defaultText(s)} | ${s.description} |`);
  return ["| flag | env | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

function usage(): string {
  const rows = ENTRIES.map(([, s]) => [`--${s.flag} ${s.arg}`, s.env, `${plain(s.description)} [default: ${plain(defaultText(s))}]`]);
  rows.push(["--help", "", "print this and exit"]);
  const flagWidth = Math.max(...rows.map(([flag]) => flag!.length));
  const envWidth = Math.max(...rows.map(([, env]) => env!.length));
  const lines = rows.map(([flag, env, meaning]) => `  ${flag!.padEnd(flagWidth)}  ${env!.padEnd(envWidth)}  ${meaning}`.trimEnd());
  return [
    "agent-runs: gRPC / gRPC-Web / Connect runs API on LangGraph.js",
    "",
    "Each setting comes from its flag, else its environment variable, else the default.",
    "",
    ...lines,
    "",
  ].join("\n");
}

export const USAGE = usage();
