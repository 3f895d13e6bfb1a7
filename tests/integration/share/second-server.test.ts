// The share layer against two SMB servers: Samba's smbd and impacket's SimpleSMBServer, which
// nobody here wrote either and which differs in ways users' servers do (SMB 2.0.2 only, FILE_OPEN_IF
// on a folder refused, an empty FileFsFullSizeInformation, non-empty folders deleted whole).
import * as fs from "fs";
import * as path from "path";
import { main } from "../../../cli/main";
import type { CliIo } from "../../../cli/io";
import { openShare, publishFolder, type Share } from "../../../provider/share";
import { startImpacketSmb } from "../../../sim/impacket";
import { startSmbd } from "../../../sim/smbd";

interface Peer {
  unc: string;
  user: string;
  password: string;
  dir: string;
  stop(): Promise<void>;
}

const peers: Record<string, () => Promise<Peer>> = {
  smbd: () => startSmbd(),
  impacket: () => startImpacketSmb(),
};

describe.each(Object.keys(peers))("on %s", (name) => {
  let peer: Peer;
  let share: Share;
  beforeAll(async () => {
    peer = await peers[name]();
    share = await openShare(peer.unc, { user: peer.user, password: peer.password });
  });
  afterAll(async () => {
    await share?.close();
    await peer?.stop();
  });

  it("publishes into an existing subfolder, and creates a missing one", async () => {
    fs.mkdirSync(path.join(peer.dir, "exports"), { recursive: true });
    await share.mkdirp("exports");
    await publishFolder(share, "exports", "layer-a", async (pub) => {
      await pub.writeFile("layer-a.ovf", "<Envelope/>");
    });
    expect(fs.readFileSync(path.join(peer.dir, "exports", "layer-a", "layer-a.ovf"), "utf8")).toBe("<Envelope/>");
    await share.mkdirp("exports/new/deeper");
    expect(fs.statSync(path.join(peer.dir, "exports", "new", "deeper")).isDirectory()).toBe(true);
    await share.mkdirp("exports/new/deeper"); // again: it exists
  });

  it("a folder whose name is taken by a file is a clear error", async () => {
    fs.writeFileSync(path.join(peer.dir, "taken"), "x");
    await expect(share.mkdirp("taken/sub")).rejects.toMatchObject({ code: "ENOTDIR", message: expect.stringMatching(/a file has that name/) });
  });

  it("never removes a folder that is not empty, whatever the server would do", async () => {
    fs.mkdirSync(path.join(peer.dir, "keep"), { recursive: true });
    fs.writeFileSync(path.join(peer.dir, "keep", "users-file.txt"), "mine");
    await expect(share.remove("keep")).rejects.toMatchObject({ code: "ENOTEMPTY", message: expect.stringMatching(/users-file\.txt/) });
    expect(fs.readFileSync(path.join(peer.dir, "keep", "users-file.txt"), "utf8")).toBe("mine");
    fs.rmSync(path.join(peer.dir, "keep", "users-file.txt"));
    await share.remove("keep");
    expect(fs.existsSync(path.join(peer.dir, "keep"))).toBe(false);
  });

  it("space is a figure, or unknown when the server sends an empty answer", async () => {
    const sp = await share.space();
    if (name === "impacket") expect(sp).toBeUndefined();
    else expect(sp!.totalBytes).toBeGreaterThan(0);
  });

  it("a wrong password is a logon failure with the logon hint", async () => {
    const err = await openShare(peer.unc, { user: peer.user, password: "Wr0ng-Secret-7" }).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/LOGON_FAILURE/);
    expect((err as Error).message).not.toMatch(/signature/);
    expect((err as Error).message).not.toContain("Wr0ng-Secret-7");
  });

  it("applayering share test passes", async () => {
    let stdout = "";
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stdout += t), env: { APPLAYERING_SHARE_USER: peer.user, APPLAYERING_SHARE_PASSWORD: peer.password } };
    const code = await main(["share", "test", `${peer.unc}\\probe-here`, "--create", "--size", "2"], io);
    expect(stdout).toMatch(/^read     2 MiB .*identical$/m);
    expect(code).toBe(0);
    expect(fs.readdirSync(path.join(peer.dir, "probe-here"))).toEqual([]);
  });
});
