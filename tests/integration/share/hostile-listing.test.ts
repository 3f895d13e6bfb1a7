/**
 * A hostile (or broken) server's listings, played by a man in the middle on an unsigned session
 * (applayering:shareSigning optional) in front of a real smbd: a QUERY_DIRECTORY that never ends,
 * and entries named "", "/" or holding a separator. Each is a protocol error; a recursive remove
 * never descends into such an entry.
 */
import * as fs from "fs";
import * as path from "path";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { Cmd, command, directoryReply, isSmb2, Mitm, startMitm, status } from "../../../sim/smbd/mitm";
import { SmbClient } from "../../../provider/share/smb/client";
import { SmbShare } from "../../../provider/share";

let srv: SmbdInstance;
let mitm: Mitm;

beforeAll(async () => {
  srv = await startSmbd();
  mitm = await startMitm({ host: srv.host, port: srv.port });
  fs.mkdirSync(path.join(srv.dir, "victim"));
  fs.writeFileSync(path.join(srv.dir, "victim", "keep.txt"), "x");
});
afterEach(() => (mitm.tamper = undefined));
afterAll(async () => {
  await mitm?.stop();
  await srv?.stop();
});

const connect = (over: { maxListPages?: number } = {}): Promise<SmbClient> =>
  SmbClient.connect({ host: mitm.host, port: mitm.port, share: srv.share, user: srv.user, password: srv.password, domain: srv.domain, requireSigning: false, ...over });

test("a QUERY_DIRECTORY that never says NO_MORE_FILES stops at the page limit", async () => {
  const c = await connect({ maxListPages: 100 });
  let n = 0;
  try {
    mitm.tamper = (m, dir) =>
      dir === "toClient" && isSmb2(m) && command(m) === Cmd.QUERY_DIRECTORY ? directoryReply(m, [{ name: `more-${n++}` }]) : undefined;
    await expect(c.list("victim")).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${mitm.port}.* kept listing .*past 100 pages`));
  } finally {
    await c.disconnect();
  }
}, 30_000);

test.each(["", "/", "a\\b", "a/b", "x\0y"])("an entry named %j is a protocol error", async (name) => {
  const c = await connect();
  try {
    mitm.tamper = (m, dir) =>
      dir === "toClient" && isSmb2(m) && command(m) === Cmd.QUERY_DIRECTORY && status(m) === 0 ? directoryReply(m, [{ name: "fine.txt" }, { name, directory: true }]) : undefined;
    await expect(c.list("victim")).rejects.toThrow(/not a file name/);
  } finally {
    await c.disconnect();
  }
});

test('a recursive remove never descends into an entry named "": it fails and removes nothing', async () => {
  const share = await SmbShare.open({ host: mitm.host, port: mitm.port, share: srv.share, path: "", user: srv.user, password: srv.password, domain: srv.domain }, { requireSigning: false });
  try {
    mitm.tamper = (m, dir) =>
      dir === "toClient" && isSmb2(m) && command(m) === Cmd.QUERY_DIRECTORY && status(m) === 0 ? directoryReply(m, [{ name: "", directory: true }]) : undefined;
    await expect(share.remove("victim", { recursive: true })).rejects.toThrow(/not a file name/);
  } finally {
    await share.close();
  }
  expect(fs.readFileSync(path.join(srv.dir, "victim", "keep.txt"), "utf8")).toBe("x");
}, 30_000);
