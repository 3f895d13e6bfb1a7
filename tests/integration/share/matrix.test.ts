import { createHash, randomBytes } from "crypto";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { startSmbd, SmbdInstance } from "../../sim/smbd";
import { SmbClient } from "../../../provider/share/smb/client";
import { Dialect } from "../../../provider/share/smb/constants";

const servers: Record<string, SmbdInstance> = {};
beforeAll(async () => {
  [servers.plain, servers.signed, servers.encrypted] = await Promise.all([
    startSmbd(),
    startSmbd({ signing: "mandatory" }),
    startSmbd({ encrypt: "required" }),
  ]);
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
});

const dialects: Array<[string, number]> = [
  ["2.0.2", Dialect.SMB202], ["2.1", Dialect.SMB210], ["3.0", Dialect.SMB300], ["3.0.2", Dialect.SMB302], ["3.1.1", Dialect.SMB311],
];

async function roundTrip(c: SmbClient, name: string, size: number): Promise<void> {
  const data = randomBytes(size);
  await pipeline(Readable.from([data]), c.createWriteStream(name));
  const h = createHash("sha256");
  let n = 0;
  for await (const chunk of c.createReadStream(name)) { h.update(chunk as Buffer); n += (chunk as Buffer).length; }
  expect(n).toBe(size);
  expect(h.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
}

for (const kind of ["plain", "signed", "encrypted"]) {
  for (const [dname, d] of dialects) {
    test(`${kind} ${dname}`, async () => {
      const s = servers[kind];
      const connect = (): Promise<SmbClient> => SmbClient.connect({ host: s.host, port: s.port, share: s.share, user: s.user, password: s.password, dialects: [d] });
      if (kind === "encrypted" && d < Dialect.SMB300) {
        await expect(connect()).rejects.toThrow(/if the share requires encryption.*SMB 3.x is needed.*ACCESS_DENIED/);
        return;
      }
      const c = await connect();
      try {
        expect(c.dialect).toBe(d);
        await roundTrip(c, `f-${dname}.bin`, 3 * 1024 * 1024 + 17);
        // The security really in force, seen on the wire: verified signatures, decrypted replies.
        expect(c.signed).toBe(kind === "signed");
        expect(c.encrypted).toBe(kind === "encrypted");
        if (kind === "signed") expect(c.stats.signedResponsesVerified).toBeGreaterThan(5);
        if (kind === "encrypted") expect(c.stats.encryptedResponses).toBeGreaterThan(5);
        if (kind === "plain") expect(c.stats.encryptedResponses).toBe(0);
      } finally {
        await c.disconnect();
      }
    });
  }
}
