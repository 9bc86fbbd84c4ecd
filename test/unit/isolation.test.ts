// The isolation matrix (test/helpers/isolation-matrix.ts) on the memory
// store, through the app's own router.
import { ISOLATION_AUTH, isolationMatrix } from "../helpers/isolation-matrix.js";
import { unitService } from "./harness.js";

isolationMatrix(async () => {
  const s = await unitService({}, { auth: ISOLATION_AUTH });
  return { as: (token, headers) => s.as(token, headers), stores: s.app.stores, close: () => s.close() };
});
