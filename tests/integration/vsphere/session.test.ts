import * as fs from "fs";
import { el } from "../../../provider/soap";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import {
  InvalidLoginError,
  ManagedObjectNotFoundError,
  VimClient,
  createFolder,
  datacenterFolders,
  escapeName,
  findByInventoryPath,
  inventoryPath,
  listObjects,
  retrieveProperties,
} from "../../../provider/vsphere";

let sim: Vcsim;
const clients: VimClient[] = [];

async function connect(extra: Partial<Parameters<typeof VimClient.connect>[0]> = {}): Promise<VimClient> {
  const c = await VimClient.connect({ url: sim.url, user: sim.user, password: sim.password, tls: { ca: fs.readFileSync(sim.caCertPath) }, ...extra });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sim = await startVcsim({ datacenters: 2, hosts: 1, vms: 1 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.logout()));
  await sim?.stop();
});

describe("session", () => {
  it("logs in with the CA, and reads ServiceContent", async () => {
    const c = await connect();
    expect(c.serviceContent.about.apiType).toBe("VirtualCenter");
    expect(c.serviceContent.rootFolder.type).toBe("Folder");
  });

  it("verifies TLS by default: no CA means a certificate error", async () => {
    await expect(VimClient.connect({ url: sim.url, user: sim.user, password: sim.password })).rejects.toThrow(/certificate/i);
  });

  it("accepts a pinned SHA-1 or SHA-256 thumbprint and rejects a wrong one", async () => {
    await connect({ tls: { thumbprint: sim.thumbprint } });
    await connect({ tls: { thumbprint: sim.thumbprintSha256 } });
    await expect(
      VimClient.connect({ url: sim.url, user: sim.user, password: sim.password, tls: { thumbprint: "00".repeat(20) } }),
    ).rejects.toThrow(/thumbprint/);
  });

  it("echoes the vCenter-style quoted session cookie exactly", async () => {
    const c = await connect();
    expect(c.cookieHeader()).toMatch(/^vmware_soap_session="[^"]+"$/);
    expect((await listObjects(c, "Datacenter", ["name"])).map((o) => o.props.name).sort()).toEqual(["DC0", "DC1"]);
  });

  it("connects insecurely only when asked", async () => {
    await connect({ tls: { insecure: true } });
  });

  it("reports a wrong password as InvalidLogin without echoing the password", async () => {
    const err = await VimClient.connect({ url: sim.url, user: sim.user, password: "Wr0ng-Secret!", tls: { insecure: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidLoginError);
    expect(String((err as Error).message)).not.toContain("Wr0ng-Secret!");
  });

  it("keeps the password and session cookie out of inspection and JSON", async () => {
    const c = await connect();
    const { inspect } = await import("util");
    const cookie = c.cookieHeader()!.split("=")[1];
    for (const text of [inspect(c, { depth: 6 }), JSON.stringify(c, (_k, v: unknown) => (v instanceof Map ? [...v] : v))]) {
      expect(text).not.toContain(sim.password);
    }
    expect(cookie.length).toBeGreaterThan(10);
  });

  it("logs in again once when the session was terminated elsewhere", async () => {
    const a = await connect();
    const b = await connect();
    const key = await a.sessionKey();
    expect(key).toBeTruthy();
    const cookieBefore = a.cookieHeader();
    await b.invoke("TerminateSession", b.serviceContent.sessionManager, el("sessionId", key!));
    // a's next call gets NotAuthenticated (or a missingSet NotAuthenticated) and re-logs in.
    const oc = await retrieveProperties(a, a.serviceContent.rootFolder, ["name"]);
    expect(oc.props.name).toBeDefined();
    expect(a.cookieHeader()).not.toBe(cookieBefore);
    const vms = await listObjects(a, "VirtualMachine", ["name"]);
    expect(vms.length).toBeGreaterThan(0);
  });
});

describe("inventory", () => {
  it("lists VMs through a ContainerView and finds them by inventory path in two datacenters", async () => {
    const c = await connect();
    const vms = await listObjects(c, "VirtualMachine", ["name", "runtime.powerState"]);
    expect(vms.length).toBe(2);
    for (const dc of ["DC0", "DC1"]) {
      const ref = await findByInventoryPath(c, `${dc}/vm/${dc}_H0_VM0`);
      expect(ref?.type).toBe("VirtualMachine");
      expect(await inventoryPath(c, ref!)).toBe(`${dc}/vm/${dc}_H0_VM0`);
    }
    expect(await findByInventoryPath(c, "DC0/vm/no such vm")).toBeUndefined();
  });

  it("pages through ContinueRetrievePropertiesEx when vCenter returns a token", async () => {
    const c = await connect();
    const all = await listObjects(c, "ManagedEntity", ["name"]);
    expect(all.length).toBeGreaterThan(10);
    const spy = jest.spyOn(c, "invoke");
    const paged = await listObjects(c, "ManagedEntity", ["name"], undefined, true, 3);
    expect(paged.map((o) => o.obj.value).sort()).toEqual(all.map((o) => o.obj.value).sort());
    const continued = spy.mock.calls.filter(([m]) => m === "ContinueRetrievePropertiesEx").length;
    expect(continued).toBe(Math.ceil(all.length / 3) - 1);
    spy.mockRestore();
  });

  it("handles folders with spaces and non-ASCII names", async () => {
    const c = await connect();
    const dc1 = await datacenterFolders(c, "DC1");
    const name = "Layer Builds – Ünïcödé 層";
    const folder = await createFolder(c, dc1.vmFolder, name);
    expect(await findByInventoryPath(c, `DC1/vm/${escapeName(name)}`)).toEqual(folder);
    expect(await inventoryPath(c, folder)).toBe(`DC1/vm/${name}`);
    expect(await findByInventoryPath(c, `DC0/vm/${escapeName(name)}`)).toBeUndefined();
  });

  it("reports a missing object as ManagedObjectNotFound", async () => {
    const c = await connect();
    await expect(retrieveProperties(c, { type: "VirtualMachine", value: "vm-99999" }, ["name"])).rejects.toBeInstanceOf(ManagedObjectNotFoundError);
  });
});
