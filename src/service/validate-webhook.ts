// RunCreate.webhook: where the finished run is POSTed. The URL rules (http or
// https, no credentials, no loopback, private or link-local host unless the
// server allows them) are the application's, which applies them again at
// delivery to what the name resolves to; here they refuse the request
// before anything is stored.
import { WebhookSecretUnsetError } from "../domain/errors.js";
import { webhookUrlProblem, type WebhookPolicy } from "../application/index.js";
import { invalidArgument } from "./errors.js";

/** `{ webhook }` for the run's kwargs, or nothing when the request names none. */
export function parseWebhook(url: string, policy: WebhookPolicy): { webhook?: string } {
  if (url === "") return {};
  const problem = webhookUrlProblem(url, policy.allowPrivate);
  if (problem) throw invalidArgument("run.webhook", problem);
  // Refused rather than sent unsigned: a receiver could not tell it from a forgery.
  if (!policy.signing) throw new WebhookSecretUnsetError();
  return { webhook: url };
}
