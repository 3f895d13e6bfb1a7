/** Waiting: one primitive (waitFor), one backoff policy, one deadline error. */
export * from "./backoff";
export * from "./deadlineError";
export * from "./waitFor";
