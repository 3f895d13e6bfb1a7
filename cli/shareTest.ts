/**
 * `applayering share test <UNC folder> [--create] [--size MiB]`: the admin's first step before
 * any stack. Logs on as the provider would (APPLAYERING_SHARE_* settings), reports the session,
 * writes, reads back and removes a probe file. Exit 0: every check passed; 1: a check failed
 * (no write permission, a missing folder, a read-back mismatch, ...); 2: no connection or logon.
 */
import { createHash, randomBytes, type Hash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { shareSecurity, type ShareSecurity } from "../provider/config";
import { formatUnc, parseUnc, SmbShare, type ShareSettings } from "../provider/share";
import { dialectName } from "../provider/share/smb/negotiate";
import { CliError, CliIo } from "./io";
import { redact, shareCredentialsFromEnv } from "./shareCredentials";

const USAGE =
  "usage: applayering share test <\\\\server[:port]\\share\\folder> [--create] [--size MiB]\n\n" +
  "Logs on with APPLAYERING_SHARE_USER / APPLAYERING_SHARE_PASSWORD (APPLAYERING_SHARE_DOMAIN;\n" +
  "APPLAYERING_SHARE_SIGNING=required|optional, APPLAYERING_SHARE_ENCRYPTION=auto|required),\n" +
  "prints the dialect, signing, encryption and free space, writes, reads back and removes a probe\n" +
  "file (16 MiB unless --size), and prints the throughput.\n" +
  "--create   create the folder (and its parents) when it is missing\n" +
  "exit 0: all checks passed; 1: a check failed; 2: cannot connect or log on\n";

interface Args {
  unc: string;
  create: boolean;
  sizeBytes: number;
}

function parseArgs(args: readonly string[]): Args {
  let unc: string | undefined;
  let create = false;
  let mib = 16;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--create") create = true;
    else if (a === "--size") {
      mib = Number(args[++i]);
      if (!Number.isInteger(mib) || mib < 1 || mib > 4096) throw new CliError(`--size takes whole MiB from 1 to 4096, got ${JSON.stringify(args[i] ?? "")}`);
    } else if (a.startsWith("-")) throw new CliError(`unknown option ${a}\n${USAGE}`);
    else if (unc === undefined) unc = a;
    else throw new CliError(`one UNC folder, please (got ${JSON.stringify(unc)} and ${JSON.stringify(a)})`);
  }
  if (!unc) throw new CliError(`a UNC folder is needed\n${USAGE}`);
  return { unc, create, sizeBytes: mib * 1024 * 1024 };
}

const mb = (bytes: number, seconds: number) => `${(bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(1)} MB/s`;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * The probe's bytes, 1 MiB at a time from one random block, each chunk stamped with its offset (a
 * chunk read back in the wrong place differs): memory stays flat whatever --size says, and making
 * the bytes costs next to nothing beside the transfer being timed.
 */
function probeSource(size: number, block: Buffer, sent_: Hash): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const b = Buffer.from(block.subarray(0, Math.min(block.length, size - sent)));
      if (b.length >= 8) b.writeBigUInt64LE(BigInt(sent), 0);
      sent += b.length;
      sent_.update(b);
      this.push(b);
    },
  });
}

function hasher(): { sink: Writable; digest: () => string } {
  const h = createHash("sha256");
  return {
    sink: new Writable({
      write(c: Buffer, _e, cb) {
        h.update(c);
        cb();
      },
    }),
    digest: () => h.digest("hex"),
  };
}

export async function shareTest(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes("--help")) {
    io.stdout(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  let target: ReturnType<typeof parseUnc>;
  try {
    target = parseUnc(args.unc);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const creds = shareCredentialsFromEnv(io.env);
  let security: ShareSecurity;
  try {
    security = shareSecurity(io.env as NodeJS.ProcessEnv);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const say = (label: string, text: string) => io.stdout(`${label.padEnd(9)}${redact(text, creds.password)}\n`);
  const where = formatUnc(target);

  // The share root first: logon problems (exit 2) come apart from folder problems (exit 1).
  const root: ShareSettings = { ...target, path: "", ...creds };
  let share: SmbShare;
  try {
    share = await SmbShare.open(root, { requireSigning: security.signing === "required", requireEncryption: security.encryption === "required" });
  } catch (err) {
    throw new CliError(`${where}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, 2);
  }
  const failures: string[] = [];
  const check = async (label: string, fn: () => Promise<string>): Promise<boolean> => {
    try {
      say(label, await fn());
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
      const code = (err as { code?: string }).code;
      const hint = code === "EACCES" ? " (the account needs change/write permission on this folder)" : "";
      say(label, `FAILED: ${message}${hint}`);
      failures.push(label);
      return false;
    }
  };
  try {
    const c = share.client;
    say("share", where);
    say("session", `SMB ${dialectName(c.dialect)}, signing ${c.signed ? "on" : "off"}, encryption ${c.encrypted ? "on" : "off"}`);
    const folder = target.path;
    const ready = await check("folder", async () => {
      if (folder === "") return "the share's root";
      const st = await share.stat(folder);
      if (st?.isDirectory) return `${folder} exists`;
      if (st) throw new Error(`${folder} is a file, not a folder`);
      if (!args.create) throw new Error(`${folder} does not exist; run again with --create to create it`);
      await share.mkdirp(folder);
      return `${folder} created`;
    });
    await check("space", async () => {
      const s = await share.space().catch(() => undefined);
      return s && s.totalBytes > 0 ? `${gib(s.freeBytes)} free of ${gib(s.totalBytes)}` : "unknown (the server did not say)";
    });
    if (ready) {
      const probe = [folder, `.applayering-probe-${randomBytes(6).toString("hex")}`].filter((p) => p).join("/");
      const block = randomBytes(1024 * 1024);
      const expected = createHash("sha256");
      const written = await check("write", async () => {
        const t0 = process.hrtime.bigint();
        await pipeline(probeSource(args.sizeBytes, block, expected), share.createWriteStream(probe, { overwrite: false }));
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        return `${args.sizeBytes / 2 ** 20} MiB in ${s.toFixed(2)} s (${mb(args.sizeBytes, s)})`;
      });
      if (written) {
        await check("read", async () => {
          const t0 = process.hrtime.bigint();
          const got = hasher();
          await pipeline(share.createReadStream(probe), got.sink);
          const s = Number(process.hrtime.bigint() - t0) / 1e9;
          if (got.digest() !== expected.digest("hex")) throw new Error("the bytes read back differ from those written");
          return `${args.sizeBytes / 2 ** 20} MiB in ${s.toFixed(2)} s (${mb(args.sizeBytes, s)}), identical`;
        });
      }
      if (written) {
        await check("remove", async () => {
          await share.remove(probe);
          if (await share.stat(probe)) throw new Error(`${probe} is still there`);
          return "probe file removed";
        });
      } else {
        await share.remove(probe).catch(() => undefined); // a write that failed part-way leaves nothing behind
      }
    }
  } finally {
    await share.close().catch(() => undefined);
  }
  io.stdout(failures.length === 0 ? "ok: this folder can take OS layer exports\n" : `failed: ${failures.join(", ")}\n`);
  return failures.length === 0 ? 0 : 1;
}
