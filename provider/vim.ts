import { VimClient } from "./vsphere";
import { maxReplyBytes, vsphereSettings } from "./config";

/** Runs `fn` with a logged-in vSphere client built from the settings, and logs out afterwards. */
export async function withVim<T>(fn: (vim: VimClient) => Promise<T>): Promise<T> {
  const s = vsphereSettings();
  const vim = await VimClient.connect({ url: s.url, user: s.user, password: s.password, tls: s.tls, maxReplyBytes: maxReplyBytes() });
  try {
    return await fn(vim);
  } finally {
    await vim.logout().catch(() => undefined);
    vim.close();
  }
}
