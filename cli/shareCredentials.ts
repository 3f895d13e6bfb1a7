/** Share credentials from the environment (the provider's applayering:shareUser/sharePassword/shareDomain). */
import { redact as redactAll } from "../provider/soap";
import type { ShareCredentials } from "../provider/share";
import { CliError } from "./io";

export function shareCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): ShareCredentials {
  const user = env.APPLAYERING_SHARE_USER;
  const password = env.APPLAYERING_SHARE_PASSWORD;
  const missing = [user ? "" : "APPLAYERING_SHARE_USER", password ? "" : "APPLAYERING_SHARE_PASSWORD"].filter((s) => s);
  if (missing.length > 0) {
    throw new CliError(`reading from a share needs credentials: set ${missing.join(" and ")} (and APPLAYERING_SHARE_DOMAIN if the account is in a domain)`);
  }
  const creds: ShareCredentials = { user: user as string, password: password as string };
  if (env.APPLAYERING_SHARE_DOMAIN) creds.domain = env.APPLAYERING_SHARE_DOMAIN;
  return creds;
}

/** Removes a secret from text that is about to be printed. */
export function redact(text: string, secret: string | undefined): string {
  return redactAll(text, [secret]);
}
