/**
 * The one sleep of every poll loop (vSphere tasks and leases, ELM tickets and revisions): it ends
 * early, without throwing, when the signal aborts; the loop then sees `signal.aborted` and stops.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
