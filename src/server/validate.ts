// Enforces the contract's protovalidate rules (buf.validate annotations in
// proto/) on every request before a handler sees it, the way
// connectrpc/validate-es does, but answering in this service's error shape:
// INVALID_ARGUMENT whose message starts with the field's path, a BadRequest
// listing every violation, and ErrorInfo reason INVALID_ARGUMENT.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import type { Interceptor } from "@connectrpc/connect";
import { createValidator, type Validator } from "@bufbuild/protovalidate";
import { invalidArgument } from "../service/errors.js";

export function validateInterceptor(validator: Validator = createValidator()): Interceptor {
  return (next) => (req) => {
    if (!req.stream) {
      check(validator, req.method.input, req.message);
      return next(req);
    }
    const input = req.message;
    const checked = (async function* () {
      for await (const message of input) {
        check(validator, req.method.input, message);
        yield message;
      }
    })();
    return next({ ...req, message: checked });
  };
}

function check(validator: Validator, schema: DescMessage, message: Message): void {
  const result = validator.validate(schema, message);
  if (result.kind === "valid") return;
  if (result.kind === "error") throw result.error;
  const [first, ...rest] = result.violations.map((v) => ({ field: pathToString(v.field), description: v.message }));
  throw invalidArgument(first!.field, first!.description, result.error, rest);
}
