/** The streaming logic with a fake client: ordering, short reads, bounded concurrency, errors. */
import { createHash, randomBytes } from "crypto";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import type { SmbClient, SmbHandle } from "../../../provider/share/smb/client";
import { SmbReadStream, SmbWriteStream } from "../../../provider/share/smb/streams";
import { SmbStatusError } from "../../../provider/share/smb/errors";

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class FakeClient {
  ioSize = 64 * 1024;
  connectionLost = false;
  inFlight = 0;
  maxInFlight = 0;
  closed = 0;
  file: Buffer;
  written = new Map<number, Buffer>();
  failWriteAt = -1;
  constructor(size: number) {
    this.file = randomBytes(size);
  }
  async open(path: string): Promise<SmbHandle> {
    return { fileId: Buffer.alloc(16), path, size: this.file.length, isDirectory: false };
  }
  async close(): Promise<void> {
    this.closed++;
  }
  async read(_h: SmbHandle, offset: number, length: number): Promise<Buffer> {
    this.enter();
    await delay(Math.random() * 4); // completions arrive out of order
    this.inFlight--;
    // Every third read is short, as a server may do.
    const n = (offset / this.ioSize) % 3 === 1 ? Math.ceil(length / 2) : length;
    return this.file.subarray(offset, Math.min(offset + n, this.file.length));
  }
  /** As read, the data cut into pieces of odd sizes, as a READ reply arrives from the socket. */
  async readv(h: SmbHandle, offset: number, length: number): Promise<Buffer[]> {
    const data = await this.read(h, offset, length);
    const pieces: Buffer[] = [];
    for (let p = 0; p < data.length; ) {
      const n = Math.min(data.length - p, 1 + Math.floor(Math.random() * 20000));
      pieces.push(data.subarray(p, p + n));
      p += n;
    }
    return pieces;
  }
  async write(_h: SmbHandle, offset: number, pieces: Buffer | Buffer[]): Promise<void> {
    const data = Buffer.isBuffer(pieces) ? pieces : Buffer.concat(pieces);
    this.enter();
    await delay(Math.random() * 4);
    this.inFlight--;
    if (this.failWriteAt >= 0 && offset >= this.failWriteAt) throw new SmbStatusError(0xc000007f, "WRITE", "\\\\fake\\share");
    this.written.set(offset, Buffer.from(data));
  }
  private enter(): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }
}

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

test("read stream: bytes in order despite out-of-order completions and short reads; bounded in flight", async () => {
  const fake = new FakeClient(3 * 1024 * 1024 + 123);
  const chunks: Buffer[] = [];
  const rs = new SmbReadStream(fake as unknown as SmbClient, "f", { maxInFlight: 4 });
  for await (const c of rs) chunks.push(c as Buffer);
  expect(sha(Buffer.concat(chunks))).toBe(sha(fake.file));
  expect(fake.maxInFlight).toBeLessThanOrEqual(4);
  expect(fake.maxInFlight).toBeGreaterThan(1);
  expect(fake.closed).toBe(1);
});

test("read stream: a byte range", async () => {
  const fake = new FakeClient(1000_000);
  const chunks: Buffer[] = [];
  for await (const c of new SmbReadStream(fake as unknown as SmbClient, "f", { start: 70_000, end: 200_000 })) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).equals(fake.file.subarray(70_000, 200_001))).toBe(true);
});

test("write stream: every byte at its offset, bounded in flight, handle closed at the end", async () => {
  const fake = new FakeClient(0);
  const data = randomBytes(2 * 1024 * 1024 + 999);
  // Odd-sized pieces, as an HTTP body arrives.
  const pieces: Buffer[] = [];
  for (let p = 0; p < data.length; p += 10_007) pieces.push(data.subarray(p, p + 10_007));
  const ws = new SmbWriteStream(fake as unknown as SmbClient, "f", { maxInFlight: 3 });
  await pipeline(Readable.from(pieces), ws);
  const offsets = [...fake.written.keys()].sort((a, b) => a - b);
  const joined = Buffer.concat(offsets.map((o) => fake.written.get(o) as Buffer));
  expect(offsets[0]).toBe(0);
  expect(sha(joined)).toBe(sha(data));
  expect(ws.bytesWritten).toBe(data.length);
  expect(fake.maxInFlight).toBeLessThanOrEqual(3);
  expect(fake.closed).toBe(1);
});

test("write stream: a failed write fails the stream and still closes the handle", async () => {
  const fake = new FakeClient(0);
  fake.failWriteAt = 256 * 1024;
  const ws = new SmbWriteStream(fake as unknown as SmbClient, "f", { maxInFlight: 2 });
  const src = Readable.from((function* () {
    for (let i = 0; i < 100; i++) yield randomBytes(64 * 1024);
  })());
  await expect(pipeline(src, ws)).rejects.toMatchObject({ code: "ENOSPC" });
  await delay(20);
  expect(fake.closed).toBe(1);
});

test("write stream: tiny chunks (joined in staging) mixed with large ones (passed as pieces) land byte-exact, every WRITE a whole chunk but the last", async () => {
  const fake = new FakeClient(0);
  const data = randomBytes(3 * 1024 * 1024 + 4321);
  const pieces: Buffer[] = [];
  const sizes = [1, 7, 8191, 8192, 100_000, 3, 65_536, 20_000, 5000, 300_001];
  for (let p = 0, i = 0; p < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length], data.length - p);
    pieces.push(data.subarray(p, p + n));
    p += n;
  }
  const ws = new SmbWriteStream(fake as unknown as SmbClient, "f", { maxInFlight: 4 });
  await pipeline(Readable.from(pieces), ws);
  const offsets = [...fake.written.keys()].sort((a, b) => a - b);
  offsets.forEach((o, i) => expect(o).toBe(i * fake.ioSize));
  offsets.slice(0, -1).forEach((o) => expect((fake.written.get(o) as Buffer).length).toBe(fake.ioSize));
  expect(Buffer.concat(offsets.map((o) => fake.written.get(o) as Buffer)).equals(data)).toBe(true);
  expect(ws.bytesWritten).toBe(data.length);
});
