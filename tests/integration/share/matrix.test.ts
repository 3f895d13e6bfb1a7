import { createHash, randomBytes } from "crypto";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
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
      // "plain": signing made optional (applayering:shareSigning optional) against a server that does not ask for it.
      const connect = (): Promise<SmbClient> =>
        SmbClient.connect({ host: s.host, port: s.port, share: s.share, user: s.user, password: s.password, dialects: [d], requireSigning: kind === "plain" ? false : undefined });
      if (kind === "encrypted" && d < Dialect.SMB300) {
        await expect(connect()).rejects.toThrow(/if the share requires encryption.*SMB 3.x is needed.*ACCESS_DENIED/);
        return;
      }
      const c = await connect();
      try {
        expect(c.dialect).toBe(d);
        await roundTrip(c, `f-${dname}.bin`, 3 * 1024 * 1024 + 17);
        // The security really in force, seen on the wire: verified signatures, decrypted replies.
        expect(c.signed).toBe(kind !== "plain");
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

describe("3.1.1 algorithms Samba can be limited to", () => {
  const cases: Array<{ name: string; global: string[]; expectCipher?: number; expectSigning?: number }> = [
    { name: "AES-128-CCM, session-level encryption", global: ["server smb encrypt = required", "server smb3 encryption algorithms = AES-128-CCM"], expectCipher: 1 },
    { name: "AES-256-GCM", global: ["server smb encrypt = required", "server smb3 encryption algorithms = AES-256-GCM"], expectCipher: 4 },
    { name: "AES-256-CCM", global: ["server smb encrypt = required", "server smb3 encryption algorithms = AES-256-CCM"], expectCipher: 3 },
    { name: "signing AES-128-CMAC", global: ["server signing = mandatory", "server smb3 signing algorithms = AES-128-CMAC"], expectSigning: 1 },
    { name: "signing HMAC-SHA256", global: ["server signing = mandatory", "server smb3 signing algorithms = HMAC-SHA256"], expectSigning: 0 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const s = await startSmbd({ extraGlobal: c.global });
      try {
        const client = await SmbClient.connect({ host: s.host, port: s.port, share: s.share, user: s.user, password: s.password });
        try {
          expect(client.dialect).toBe(Dialect.SMB311);
          if (c.expectCipher) {
            expect(client.negotiated.cipher).toBe(c.expectCipher);
            expect(client.sessionInfo.encrypted).toBe(true);
          } else {
            expect(client.signed).toBe(true);
            expect(client.negotiated.signingAlgorithm).toBe(c.expectSigning);
          }
          await roundTrip(client, "alg.bin", (2 << 20) + 5);
          if (c.expectCipher) expect(client.stats.encryptedResponses).toBeGreaterThan(3);
          else expect(client.stats.signedResponsesVerified).toBeGreaterThan(3);
        } finally {
          await client.disconnect();
        }
      } finally {
        await s.stop();
      }
    });
  }

  test("client-required signing against a server that only allows it", async () => {
    const s = servers.plain;
    const client = await SmbClient.connect({ host: s.host, port: s.port, share: s.share, user: s.user, password: s.password, requireSigning: true });
    try {
      await roundTrip(client, "csign.bin", 1 << 20);
      expect(client.stats.signedResponsesVerified).toBeGreaterThan(3);
    } finally {
      await client.disconnect();
    }
  });

  test("client-required encryption against a server that does not ask for it", async () => {
    const s = servers.plain;
    const client = await SmbClient.connect({ host: s.host, port: s.port, share: s.share, user: s.user, password: s.password, requireEncryption: true });
    try {
      await roundTrip(client, "cenc.bin", 1 << 20);
      expect(client.stats.encryptedResponses).toBeGreaterThan(3);
    } finally {
      await client.disconnect();
    }
  });
});
