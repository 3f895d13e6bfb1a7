/**
 * The pooled share connection against smbd, through a proxy that counts connections and can end
 * the session: one connection for parallel calls, idle logoff, log on again after the server
 * answers STATUS_USER_SESSION_DELETED / STATUS_NETWORK_SESSION_EXPIRED (and run the call once more).
 */
import { spawn } from "child_process";
import * as path from "path";
import { withShare } from "../../../provider/ovfExport/share";
import { sessions } from "../../../provider/sessions";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { Cmd, command, isSmb2, startMitm, type Mitm } from "../../../sim/smbd/mitm";
import { eventually, withEnv } from "./helpers";

let srv: SmbdInstance;
let proxy: Mitm;
let restore: () => void;
let negotiates = 0;
let logoffs = 0;
/** When set, the next reply of this command reaches the client as this status instead. */
let expireNext: { cmd: number; status: number } | undefined;

const LOGOFF = 0x02;

/** An unsigned error reply in place of `reply` (servers cannot sign for a session they deleted). */
function errorReply(reply: Buffer, status: number): Buffer {
  const b = Buffer.alloc(64 + 9);
  reply.copy(b, 0, 0, 64);
  b.writeUInt32LE(status >>> 0, 8);
  b.writeUInt32LE(b.readUInt32LE(16) & ~0x8, 16); // not signed
  b.fill(0, 48, 64);
  b.writeUInt16LE(9, 64);
  return b;
}

beforeAll(async () => {
  srv = await startSmbd();
  proxy = await startMitm({ host: srv.host, port: srv.port });
  proxy.tamper = (msg, dir) => {
    if (!isSmb2(msg)) return undefined;
    if (dir === "toServer" && command(msg) === Cmd.NEGOTIATE) negotiates++;
    if (dir === "toServer" && command(msg) === LOGOFF) logoffs++;
    if (dir === "toClient" && expireNext && command(msg) === expireNext.cmd) {
      const st = expireNext.status;
      expireNext = undefined;
      return errorReply(msg, st);
    }
    return undefined;
  };
  restore = withEnv({ APPLAYERING_SHARE_USER: srv.user, APPLAYERING_SHARE_PASSWORD: srv.password, APPLAYERING_SHARE_DOMAIN: srv.domain, APPLAYERING_SESSION_IDLE_SECONDS: "60" });
});
afterAll(async () => {
  await sessions.closeAll();
  restore?.();
  await proxy?.stop();
  await srv?.stop();
});

const folder = () => `\\\\${proxy.host}:${proxy.port}\\${srv.share}\\pool`;

describe("pooled share connection", () => {
  it("serves 8 parallel calls over one connection, and makes the folder once", async () => {
    const before = negotiates;
    const seen = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        withShare(folder(), async (share) => {
          await share!.writeFile(`f${i}.txt`, Buffer.from(`file ${i}`));
          return share;
        }, { create: true }),
      ),
    );
    expect(new Set(seen).size).toBe(1);
    const names = await withShare(folder(), async (share) => (await share!.list("")).map((e) => e.name).sort());
    expect(names).toEqual(Array.from({ length: 8 }, (_, i) => `f${i}.txt`).sort());
    // The open that finds no folder, the root connection that makes it, then one pooled for all.
    expect(negotiates - before).toBe(3);
    const again = negotiates;
    await Promise.all(Array.from({ length: 4 }, () => withShare(folder(), (share) => share!.stat("f0.txt"))));
    expect(negotiates).toBe(again);
  });

  // The proxy cannot sign: a deleted session's reply is never signed (the server has no keys left);
  // an expired one's is, so that case runs with signing optional to let the proxy's reply through.
  it.each([
    ["STATUS_USER_SESSION_DELETED", 0xc0000203, "required"],
    ["STATUS_NETWORK_SESSION_EXPIRED", 0xc000035c, "optional"],
  ])("logs on again after %s and runs the call once more", async (_name, status, signing) => {
    process.env.APPLAYERING_SHARE_SIGNING = signing;
    await withShare(folder(), (share) => share!.stat("f1.txt"));
    const before = negotiates;
    expireNext = { cmd: 0x05 /* CREATE */, status };
    const st = await withShare(folder(), (share) => share!.stat("f1.txt"));
    expect(expireNext).toBeUndefined();
    expect(st?.size).toBe("file 1".length);
    expect(negotiates - before).toBe(1);
    delete process.env.APPLAYERING_SHARE_SIGNING;
  });

  it("logs off once idle", async () => {
    await sessions.closeAll();
    process.env.APPLAYERING_SESSION_IDLE_SECONDS = "0.1";
    try {
      const off = logoffs;
      await withShare(folder(), (share) => share!.stat("f2.txt"));
      expect(sessions.size).toBe(1);
      await eventually(() => logoffs === off + 1 && sessions.size === 0);
    } finally {
      process.env.APPLAYERING_SESSION_IDLE_SECONDS = "60";
    }
  });

  it("lets a host process with an idle session exit at once, logging off on the way out", async () => {
    // A host the engine is done with must not wait out the idle time (60 s here) on an open socket.
    const dist = path.join(__dirname, "../../../dist/provider/ovfExport/share.js");
    const script = `require(${JSON.stringify(dist)}).withShare(process.argv[1], (s) => s.stat("f0.txt")).then((st) => console.log("size", st.size))`;
    await withShare(folder(), (share) => share!.writeFile("f0.txt", Buffer.from("file 0")), { create: true });
    const off = logoffs;
    const started = Date.now();
    const child = spawn(process.execPath, ["-e", script, folder()], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const kill = setTimeout(() => child.kill(), 20_000);
    const code = await new Promise<number | null>((r) => child.on("exit", r)).finally(() => clearTimeout(kill));
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain(`size ${"file 0".length}`);
    expect(Date.now() - started).toBeLessThan(15_000);
    await eventually(() => logoffs === off + 1);
  });
});
