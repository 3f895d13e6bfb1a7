/** 1 GiB through the share API and back: streamed from a generator, never held in memory. */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Readable } from "stream";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { openShare, publishFolder, Share } from "../../../provider/share";

const GiB = 1 << 30;
let srv: SmbdInstance;
let share: Share;
beforeAll(async () => {
  srv = await startSmbd();
  share = await openShare(`\\\\${srv.host}:${srv.port}\\${srv.share}`, { user: srv.user, password: srv.password });
});
afterAll(async () => {
  await share?.close();
  await srv?.stop();
});

test("1 GiB round trip: SHA-256 equal, memory flat", async () => {
  const sourceHash = createHash("sha256");
  let peak = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.arrayBuffers + m.heapUsed);
  };
  const timer = setInterval(sample, 50);
  const base = process.memoryUsage();
  const baseline = base.arrayBuffers + base.heapUsed;
  function* disk(): Generator<Buffer> {
    for (let sent = 0; sent < GiB; sent += 1 << 20) {
      const b = randomBytes(1 << 20);
      sourceHash.update(b);
      yield b;
    }
  }
  try {
    let t = Date.now();
    const pub = await publishFolder(share, "exports", "big", async (p) => void (await p.writeFile("disk.vmdk", Readable.from(disk()))));
    const writeS = (Date.now() - t) / 1000;
    const expected = sourceHash.digest("hex");
    expect(pub.files).toEqual([{ path: "disk.vmdk", size: GiB, sha256: expected }]);
    expect(fs.statSync(path.join(srv.dir, "exports", "big", "disk.vmdk")).size).toBe(GiB);

    t = Date.now();
    const readHash = createHash("sha256");
    let n = 0;
    for await (const c of share.createReadStream("exports/big/disk.vmdk")) {
      readHash.update(c as Buffer);
      n += (c as Buffer).length;
    }
    const readS = (Date.now() - t) / 1000;
    expect(n).toBe(GiB);
    expect(readHash.digest("hex")).toBe(expected);
    // The whole file is 1024 MiB; what we hold must stay a small, fixed window (8 x 1 MiB in flight).
    expect(peak - baseline).toBeLessThan(192 << 20);
    process.stdout.write(`1 GiB over SMB ${srv.host}: write ${writeS.toFixed(1)} s (${(1024 / writeS).toFixed(0)} MiB/s), read ${readS.toFixed(1)} s (${(1024 / readS).toFixed(0)} MiB/s), peak extra memory ${((peak - baseline) / 1048576).toFixed(0)} MiB\n`);
  } finally {
    clearInterval(timer);
  }
}, 240_000);
