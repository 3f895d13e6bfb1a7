import { VimClient } from "./vsphere";
import { maxReplyBytes, vsphereSettings } from "./config";
import { sessionKey, sessions } from "./sessions";
import { NotAuthenticatedError } from "./vsphere/faults";
import { explained } from "./errorHints";

/**
 * Runs `fn` with the logged-in vSphere client of the settings, shared by every call of this host
 * process (sessions/pool.ts): one Login serves a whole stack. Errors leave with the settings to
 * check (errorHints.ts).
 */
export async function withVim<T>(fn: (vim: VimClient) => Promise<T>): Promise<T> {
  const s = vsphereSettings();
  const key = sessionKey("vsphere", s.url, [s.user, s.password, s.tls.ca, s.tls.thumbprint, s.tls.insecure, maxReplyBytes()]);
  return explained(() => sessions.use(
    key,
    {
      open: () => VimClient.connect({ url: s.url, user: s.user, password: s.password, tls: s.tls, maxReplyBytes: maxReplyBytes() }),
      close: (vim, deadline) => vim.logout(deadline),
      expired: (err) => err instanceof NotAuthenticatedError,
    },
    fn,
  ));
}
