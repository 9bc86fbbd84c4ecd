// Thread metadata as both stores match it: SearchThreads' filter keeps a
// thread when each given key is present with an equal JSON value. Each
// top-level entry becomes one string, [key, value] with object keys sorted at
// every level, so equality is the same on both stores whatever the key order,
// and an array matches only an equal array (MongoDB's own `metadata.key`
// equality would match an array holding the value, and compares objects by
// key order). Keys with "." or a leading "$" are data here, never paths.
import type { JsonObject, JsonValue } from "../domain/records.js";

function canonical(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = canonical(value[key]!);
  return sorted;
}

/** One matchable string per top-level entry of `metadata`. */
export function metadataEntries(metadata: JsonObject): string[] {
  return Object.entries(metadata).map(([key, value]) => JSON.stringify([key, canonical(value)]));
}

/** `base` with `patch` merged in: a key set to null is removed, any other value replaces the old one. */
export function mergeMetadata(base: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
