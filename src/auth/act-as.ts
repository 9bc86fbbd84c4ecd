// Acting for a user: a trusted backend (a BFF holding one API key or JWT for
// all its users) names the user it calls for in the x-agent-runs-user
// request header (gRPC metadata). Only a credential granted users:act_as may
// (never a default grant, and not the single local user of a server without
// auth: a header must never be silently ignored). The call then belongs to
// that user for every read, write and isolation rule; permissions stay the
// credential's, and the credential's own user is kept for the logs.
import type { Caller, Refusal } from "./caller.js";

export const ACT_AS_HEADER = "x-agent-runs-user";
const MAX_USER_ID_LENGTH = 128;

/** The caller a request acts as: `caller` itself without the header, else the named user with `caller`'s permissions. */
export function actingCaller(caller: Caller, headers: Headers): { caller: Caller } | { refusal: Refusal } {
  const userId = headers.get(ACT_AS_HEADER);
  if (userId === null) return { caller };
  if (!caller.permissions.has("users:act_as")) {
    return { refusal: { kind: "permission_denied", message: `permission "users:act_as" is required to send ${ACT_AS_HEADER}` } };
  }
  const problem = userIdProblem(userId);
  if (problem) return { refusal: { kind: "invalid_argument", message: `${ACT_AS_HEADER}: ${problem}` } };
  return { caller: { userId, permissions: caller.permissions, actingUserId: caller.userId } };
}

function userIdProblem(userId: string): string | null {
  if (userId === "") return "a user id is required";
  if (userId.length > MAX_USER_ID_LENGTH) return `at most ${MAX_USER_ID_LENGTH} characters`;
  if (/[\x00-\x1f\x7f]/.test(userId)) return "no control characters";
  return null;
}
