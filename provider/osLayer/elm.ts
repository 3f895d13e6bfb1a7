import { ElmClient } from "../elm";
import { elmSettings } from "../config";

/** Runs `fn` with a logged-in ELM client built from the settings, and logs out afterwards. */
export async function withElm<T>(fn: (elm: ElmClient) => Promise<T>): Promise<T> {
  const s = elmSettings();
  const elm = new ElmClient({ address: s.address, user: s.user, password: s.password, tls: s.tls });
  await elm.login();
  try {
    return await fn(elm);
  } finally {
    await elm.logout().catch(() => undefined);
  }
}
