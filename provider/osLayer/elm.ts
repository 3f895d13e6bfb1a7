import { createHash } from "node:crypto";
import { ElmClient } from "../elm";
import { elmSettings, ElmSettings, maxReplyBytes } from "../config";

/**
 * How long a session stays open after its last use. The engine calls Read/Check/Diff for every
 * resource of a stack back to back in one host process: one Login serves them all (a refresh of
 * N layers is N+1 calls, not 3N). Expired sessions are renewed by ElmSession's re-login.
 */
const IDLE_LOGOUT_MS = 30_000;

interface Cached {
  client: ElmClient;
  users: number;
  idle?: NodeJS.Timeout;
}

// Keyed by a hash of the settings (password included), so a changed password gets a new session.
const sessions = new Map<string, Cached>();

function keyOf(s: ElmSettings): string {
  return createHash("sha256").update(JSON.stringify([s.address, s.user, s.password, s.tls.ca ?? "", s.tls.insecure])).digest("hex");
}

function release(key: string, entry: Cached): void {
  entry.users--;
  if (entry.users > 0) return;
  // unref: a host the engine is done with exits without waiting for the logout.
  entry.idle = setTimeout(() => {
    if (entry.users > 0 || sessions.get(key) !== entry) return;
    sessions.delete(key);
    void entry.client.logout().catch(() => undefined);
  }, IDLE_LOGOUT_MS);
  entry.idle.unref();
}

/** Runs `fn` with a logged-in ELM client built from the settings, shared by calls in this process. */
export async function withElm<T>(fn: (elm: ElmClient) => Promise<T>): Promise<T> {
  const s = elmSettings();
  const key = keyOf(s);
  let entry = sessions.get(key);
  if (!entry) {
    entry = { client: new ElmClient({ address: s.address, user: s.user, password: s.password, tls: s.tls, maxReplyBytes: maxReplyBytes() }), users: 0 };
    sessions.set(key, entry);
  }
  const e = entry;
  clearTimeout(e.idle);
  e.users++;
  try {
    if (!e.client.session.loggedIn) await e.client.login();
    return await fn(e.client);
  } catch (err) {
    // A failed login (or a broken session) is not kept for the next call.
    if (!e.client.session.loggedIn && sessions.get(key) === e) sessions.delete(key);
    throw err;
  } finally {
    release(key, e);
  }
}
