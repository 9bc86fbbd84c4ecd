// The contract's protovalidate rules (buf.validate annotations in proto/),
// checked on one message: shared by the RPC interceptor (server/validate.ts)
// and the HTTP routes, which decode their JSON into the same messages.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import type { Validator } from "@bufbuild/protovalidate";
import { invalidArgument } from "./errors.js";

/** Throws INVALID_ARGUMENT naming the first violated field, with a BadRequest listing every violation. */
export function checkContract(validator: Validator, schema: DescMessage, message: Message): void {
  const result = validator.validate(schema, message);
  if (result.kind === "valid") return;
  if (result.kind === "error") throw result.error;
  const [first, ...rest] = result.violations.map((v) => ({ field: pathToString(v.field), description: v.message }));
  throw invalidArgument(first!.field, first!.description, result.error, rest);
}
