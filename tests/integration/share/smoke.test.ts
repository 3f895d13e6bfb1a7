import { startSmbd, SmbdInstance } from "../../sim/smbd";
import { SmbClient } from "../../../provider/share/smb/client";
import { execFileSync } from "child_process";

let srv: SmbdInstance;
beforeAll(async () => { srv = await startSmbd(); });
afterAll(async () => { await srv?.stop(); });

test("smbclient can log on", () => {
  const out = execFileSync("smbclient", [`//${srv.host}/${srv.share}`, "-p", String(srv.port), "-U", `${srv.user}%${srv.password}`, "-c", "ls"]).toString();
  expect(out).toContain("blocks");
});

test("our client connects", async () => {
  const c = await SmbClient.connect({ host: srv.host, port: srv.port, share: srv.share, user: srv.user, password: srv.password, domain: srv.domain });
  await c.mkdirp("a/b");
  const w = c.createWriteStream("a/b/x.txt");
  await new Promise<void>((res, rej) => { w.on("error", rej); w.end(Buffer.from("hello"), () => res()); });
  const st = await c.stat("a/b/x.txt");
  expect(st?.size).toBe(5);
  await c.disconnect();
});
