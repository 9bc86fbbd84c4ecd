// The feedback a CreateRunFeedback or UpdateRunFeedback request leaves: both
// carry the same three fields, decoded once here.
import type { NewFeedback } from "../application/feedback.js";
import { parseComment } from "./validate.js";

export function feedbackInput(req: { rating: number; comment: string; messageId: string }): NewFeedback {
  return {
    // protovalidate admits 1 and -1 only.
    rating: req.rating as 1 | -1,
    comment: parseComment(req.comment),
    messageId: req.messageId === "" ? null : req.messageId,
  };
}
