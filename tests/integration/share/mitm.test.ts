/**
 * A man in the middle (sim/smbd/mitm.ts) between our client and a real smbd: forged READ
 * data and WRITE acks behind a SessionId of 0, plaintext in place of encrypted replies, a
 * downgraded NEGOTIATE, endless STATUS_PENDING. Each is refused with an error naming the server
 * and the connection dropped; nothing forged reaches the caller.
 */
import * as fs from "fs";
import * as path from "path";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { Cmd, command, downgradeNegotiate, forgeReadData, forgeWriteAck, interimPending, isSmb2, Mitm, plaintextReadReply, startMitm, status, TRANSFORM, transformSessionId } from "../../../sim/smbd/mitm";
import { SmbClient, SmbClientOptions } from "../../../provider/share/smb/client";
import { Dialect } from "../../../provider/share/smb/constants";

let plain: SmbdInstance;
let encrypted: SmbdInstance;
let mitm: Mitm;
let mitmEnc: Mitm;
const DATA = Buffer.from("the bytes the server really stores\n".repeat(100));

beforeAll(async () => {
  [plain, encrypted] = await Promise.all([startSmbd(), startSmbd({ encrypt: "required" })]);
  mitm = await startMitm({ host: plain.host, port: plain.port });
  mitmEnc = await startMitm({ host: encrypted.host, port: encrypted.port });
  fs.writeFileSync(path.join(plain.dir, "real.bin"), DATA);
  fs.writeFileSync(path.join(encrypted.dir, "real.bin"), DATA);
});
afterEach(() => {
  mitm.tamper = undefined;
  mitmEnc.tamper = undefined;
});
afterAll(async () => {
  await mitm?.stop();
  await mitmEnc?.stop();
  await Promise.all([plain?.stop(), encrypted?.stop()]);
});

const via = (m: Mitm, s: SmbdInstance, over: Partial<SmbClientOptions> = {}): Promise<SmbClient> =>
  SmbClient.connect({ host: m.host, port: m.port, share: s.share, user: s.user, password: s.password, domain: s.domain, ...over });
const where = (): RegExp => new RegExp(`127\\.0\\.0\\.1:${mitm.port}`);

test("the session signs by default, even when the server does not require it", async () => {
  const c = await via(mitm, plain);
  try {
    const h = await c.open("real.bin");
    expect(await c.read(h, 0, DATA.length)).toEqual(DATA);
    expect(c.signed).toBe(true);
    expect(c.stats.signedResponsesVerified).toBeGreaterThan(3);
  } finally {
    await c.disconnect();
  }
});

test("forged READ data behind a SessionId rewritten to 0 is refused and the connection dropped", async () => {
  const c = await via(mitm, plain);
  try {
    const h = await c.open("real.bin");
    mitm.tamper = (m, dir) => (dir === "toClient" && isSmb2(m) && command(m) === Cmd.READ ? forgeReadData(m, 0x41) : undefined);
    const err = await c.read(h, 0, DATA.length).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/session 0x0, not the request's session/);
    expect((err as Error).message).toMatch(where());
    expect(c.connectionLost).toBe(true);
  } finally {
    await c.disconnect();
  }
});

test("a WRITE acknowledged by the man in the middle (never reaching the server) fails; the server holds nothing", async () => {
  const c = await via(mitm, plain);
  try {
    const h = await c.open("forged-write.bin", { access: "write", disposition: "overwrite" });
    mitm.tamper = (m, dir, link) => {
      if (dir !== "toServer" || !isSmb2(m) || command(m) !== Cmd.WRITE) return undefined;
      link.toClient(forgeWriteAck(m));
      return null;
    };
    await expect(c.write(h, 0, DATA)).rejects.toThrow(/session 0x0, not the request's session/);
    expect(c.connectionLost).toBe(true);
  } finally {
    await c.disconnect();
  }
  expect(fs.statSync(path.join(plain.dir, "forged-write.bin")).size).toBe(0);
});

test("an unsigned reply with the right SessionId on a signing session is refused", async () => {
  const c = await via(mitm, plain);
  try {
    const h = await c.open("forged-write2.bin", { access: "write", disposition: "overwrite" });
    mitm.tamper = (m, dir, link) => {
      if (dir !== "toServer" || !isSmb2(m) || command(m) !== Cmd.WRITE) return undefined;
      link.toClient(forgeWriteAck(m, m.readBigUInt64LE(40)));
      return null;
    };
    await expect(c.write(h, 0, DATA)).rejects.toThrow(/unsigned WRITE response on a session that requires signing/);
  } finally {
    await c.disconnect();
  }
});

test("on an encrypting session, a plaintext reply in place of an encrypted one is refused", async () => {
  const c = await via(mitmEnc, encrypted, { requireEncryption: true });
  try {
    expect(c.encrypted).toBe(true);
    const h = await c.open("real.bin");
    // The MITM cannot read the encrypted MessageId: it answers for all the likely ones.
    mitmEnc.tamper = (m, dir, link) => {
      if (dir !== "toClient" || m.readUInt32LE(0) !== TRANSFORM) return undefined;
      const sid = transformSessionId(m);
      for (let id = 0n; id < 256n; id++) link.toClient(plaintextReadReply(id, sid, Buffer.alloc(DATA.length, 0x42)));
      return null;
    };
    await expect(c.read(h, 0, DATA.length)).rejects.toThrow(/unencrypted READ reply on a session that encrypts/);
    expect(c.connectionLost).toBe(true);
  } finally {
    await c.disconnect();
  }
});

test("a NEGOTIATE downgraded to 2.0.2 (3.1.1 offered) is detected: no session", async () => {
  mitm.tamper = (m, dir) => (dir === "toClient" && isSmb2(m) && command(m) === Cmd.NEGOTIATE && status(m) === 0 ? downgradeNegotiate(m) : undefined);
  // The server derived 3.1.1 keys (preauth hash included); the client's 2.0.2 keys cannot verify its signed final SESSION_SETUP.
  await expect(via(mitm, plain)).rejects.toThrow(new RegExp(`signature of a SESSION_SETUP response from 127\\.0\\.0\\.1:${mitm.port} is wrong`));
});

test("3.0.2 answered as 3.0 by a man in the middle is caught by VALIDATE_NEGOTIATE_INFO", async () => {
  mitm.tamper = (m, dir) => {
    if (dir !== "toClient" || !isSmb2(m) || command(m) !== Cmd.NEGOTIATE) return undefined;
    const out = Buffer.from(m);
    out.writeUInt16LE(Dialect.SMB300, 64 + 4);
    return out;
  };
  await expect(via(mitm, plain, { dialects: [Dialect.SMB300, Dialect.SMB302] })).rejects.toThrow(/VALIDATE_NEGOTIATE_INFO .* does not match its NEGOTIATE \(dialect 3\.0\.2 vs 3\.0/);
});

test("3.0.2 without a man in the middle passes VALIDATE_NEGOTIATE_INFO", async () => {
  const c = await via(mitm, plain, { dialects: [Dialect.SMB300, Dialect.SMB302] });
  try {
    expect(c.dialect).toBe(Dialect.SMB302);
    await c.echo();
  } finally {
    await c.disconnect();
  }
});

test("STATUS_PENDING dripped forever does not extend a request past its deadline", async () => {
  const c = await via(mitm, plain, { requestTimeoutMs: 300, requestDeadlineMs: 2000 });
  const timers: NodeJS.Timeout[] = [];
  try {
    const h = await c.open("real.bin");
    mitm.tamper = (m, dir, link) => {
      if (dir !== "toServer" || !isSmb2(m) || command(m) !== Cmd.READ) return undefined;
      // The READ never reaches the server; an interim reply every 100 ms keeps the idle timer fed.
      timers.push(setInterval(() => link.toClient(interimPending(m)), 100));
      return null;
    };
    await expect(c.read(h, 0, DATA.length)).rejects.toThrow(/did not complete READ .* within its deadline of 2 s/);
    expect(c.stats.interimResponses).toBeGreaterThan(3);
  } finally {
    timers.forEach(clearInterval);
    await c.disconnect();
  }
}, 30_000);
