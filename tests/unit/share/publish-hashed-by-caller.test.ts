/** Publication.createWriteStream with the caller's own SHA-256 (an export hashes its disks once). */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { createHash } from "crypto";
import { openShare, publishFolder, Share } from "../../../provider/share";

let root: string;
let share: Share;
beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "share-unit-"));
  share = await openShare(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test("a file hashed by the caller is written and sized as usual and carries the caller's hash", async () => {
  const data = Buffer.alloc(3 * 1024 * 1024 + 7, 1);
  let digest = "";
  const published = await publishFolder(share, "", "exp", async (pub) => {
    const hash = createHash("sha256");
    await pipeline(Readable.from([data]), async function* (src) {
      for await (const c of src) {
        hash.update(c as Buffer);
        yield c;
      }
    }, pub.createWriteStream("disk.vmdk", { sha256: () => digest }));
    // The hash is known only after the stream ended, as with exportVm's result.
    digest = hash.digest("hex");
  });
  expect(published.files).toEqual([{ path: "disk.vmdk", size: data.length, sha256: createHash("sha256").update(data).digest("hex") }]);
  expect(fs.statSync(path.join(root, "exp", "disk.vmdk")).size).toBe(data.length);
});
