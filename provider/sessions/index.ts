/** The host process's one session pool, idle time from applayering:sessionIdleSeconds. */
import { sessionIdleMs } from "../config";
import { SessionPool } from "./pool";

export { SessionPool } from "./pool";
export type { SessionKind, PoolOptions } from "./pool";
export { Relogin } from "./relogin";
export { fingerprint, sessionKey } from "./fingerprint";

export const sessions = new SessionPool({ idleMs: () => sessionIdleMs() });
