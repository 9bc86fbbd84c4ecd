// Enforces the contract's protovalidate rules (buf.validate annotations in
// proto/) on every request before a handler sees it, the way
// connectrpc/validate-es does, but answering in this service's error shape:
// INVALID_ARGUMENT whose message starts with the field's path, a BadRequest
// listing every violation, and ErrorInfo reason INVALID_ARGUMENT.
import type { Interceptor } from "@connectrpc/connect";
import { createValidator, type Validator } from "@bufbuild/protovalidate";
import { checkContract as check } from "../service/contract.js";

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
