import { ElmClient, ElmError } from "../elm";
import { elmSettings, maxReplyBytes } from "../config";
import { sessionKey, sessions } from "../sessions";
import { explained } from "../errorHints";

/**
 * Runs `fn` with the logged-in ELM client of the settings, shared by every call of this host
 * process (sessions/pool.ts). The engine calls Read/Check/Diff for every resource of a stack back
 * to back: one Login serves them all (a refresh of N layers is N+1 calls, not 3N). Errors leave
 * with the settings to check (errorHints.ts).
 */
export async function withElm<T>(fn: (elm: ElmClient) => Promise<T>): Promise<T> {
  const s = elmSettings();
  const key = sessionKey("elm", s.address, [s.user, s.password, s.tls.ca, s.tls.insecure, maxReplyBytes()]);
  return explained(() => sessions.use(
    key,
    {
      open: async () => {
        const elm = new ElmClient({ address: s.address, user: s.user, password: s.password, tls: s.tls, maxReplyBytes: maxReplyBytes() });
        try {
          await elm.login();
        } catch (err) {
          elm.session.close();
          throw err;
        }
        return elm;
      },
      close: (elm, deadline) => elm.session.logout(deadline),
      expired: (err) => err instanceof ElmError && err.isSessionError(),
    },
    fn,
  ));
}
