/**
 * FileAccess for `\\host\share\...` paths.
 *
 * PENDING: the share client (provider/share/) is being written in parallel; until its read API is
 * available this refuses share paths with a clear message. Wiring it means returning a FileAccess
 * whose size/readBytes/openRead go through that client with `shareCredentialsFromEnv(env)`.
 */
import { FileAccess } from "./fileAccess";
import { CliError } from "./io";
import { parseUnc, shareCredentialsFromEnv } from "./shareLocation";

export async function openShareAccess(unc: string, env: Readonly<Record<string, string | undefined>>): Promise<FileAccess> {
  const loc = parseUnc(unc);
  shareCredentialsFromEnv(env);
  throw new CliError(
    `reading \\\\${loc.host}${loc.port ? `:${loc.port}` : ""}\\${loc.share} directly is not available in this version yet; mount the share and pass the local path of the .ovf`,
  );
}
