/** vSphere client against a hostile fake vCenter: echoed passwords, an http:// disk URL, a dripping poll. */
import * as http from "node:http";
import { inspect } from "node:util";
import { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { InvalidArgumentError, VimClient, exportVm, retrieveProperties, waitForTask } from "../../../provider/vsphere";
import { DeadlineError } from "../../../provider/wait";
import { FakeVcenter, SESSION_COOKIE, fault, response, startFakeVcenter } from "./fakeVcenter";

const PASSWORD = "Secr3t-Pa55!";

/** A fake vCenter's answers for an export whose one disk is at `diskUrl` (capacity 1 KiB, no fileSize). */
function exportLeaseHandler(diskUrl: string): FakeVcenter["handle"] {
  const leaseInfo =
    `<val xsi:type="HttpNfcLeaseInfo"><lease type="HttpNfcLease">lease-1</lease><entity type="VirtualMachine">vm-1</entity>` +
    `<deviceUrl><key>/vm-1/disk0</key><importKey>/vm-1/disk0</importKey><url>${diskUrl}</url><sslThumbprint></sslThumbprint>` +
    `<disk>true</disk><targetId>disk-0.vmdk</targetId></deviceUrl><totalDiskCapacityInKB>1</totalDiskCapacityInKB><leaseTimeout>300</leaseTimeout></val>`;
  return (method, _b, res) => {
    if (method === "ExportVm") return res.end(response(method, `<returnval type="HttpNfcLease">lease-1</returnval>`));
    if (method === "RetrievePropertiesEx") {
      return res.end(response(method,
        `<returnval><objects><obj type="HttpNfcLease">lease-1</obj><propSet><name>state</name><val xsi:type="HttpNfcLeaseState">ready</val></propSet>` +
          `<propSet><name>info</name>${leaseInfo}</propSet></objects></returnval>`));
    }
    if (method === "CreateDescriptor") {
      return res.end(response(method, `<returnval><ovfDescriptor>&lt;Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/&gt;</ovfDescriptor></returnval>`));
    }
    if (["HttpNfcLeaseProgress", "HttpNfcLeaseGetManifest", "HttpNfcLeaseComplete", "HttpNfcLeaseAbort"].includes(method)) return res.end(response(method));
    res.statusCode = 500;
    res.end(fault("MethodNotFound", method, ""));
  };
}

describe("vSphere client against a hostile vCenter", () => {
  let fake: FakeVcenter;
  let vim: VimClient;
  beforeAll(async () => {
    fake = await startFakeVcenter();
    vim = await VimClient.connect({ url: fake.url, user: "admin", password: PASSWORD });
  });
  afterAll(async () => {
    vim.close();
    await fake.close();
  });

  it("a password echoed in a fault's detail is redacted in the message, JSON.stringify and util.inspect", async () => {
    fake.handle = (_m, _b, res) => {
      res.statusCode = 500;
      res.end(fault("InvalidArgument", `bad value ${PASSWORD}`, `<invalidProperty>password=${PASSWORD}</invalidProperty><faultMessage><message>${PASSWORD}</message></faultMessage>`));
    };
    const err = await retrieveProperties(vim, { type: "VirtualMachine", value: "vm-1" }, ["name"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const f = err as InvalidArgumentError;
    expect(f.faultType).toBe("InvalidArgument");
    for (const shown of [f.message, JSON.stringify(f), inspect(f, { depth: 10 }), String(f.stack)]) {
      expect(shown).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(f)).toContain("password=***");
  });

  it("the session cookie never goes to an http:// disk URL from the lease", async () => {
    const seen: Array<string | undefined> = [];
    const disks = http.createServer((req, res) => {
      seen.push(req.headers.cookie);
      res.end(Buffer.alloc(10, 7));
    });
    await new Promise<void>((r) => disks.listen(0, "127.0.0.1", () => r()));
    const diskUrl = `http://127.0.0.1:${(disks.address() as AddressInfo).port}/nfc/lease-1/disk-0.vmdk`;
    fake.handle = exportLeaseHandler(diskUrl);
    try {
      const result = await exportVm(vim, { type: "VirtualMachine", value: "vm-1" }, {
        name: "web01",
        openDiskSink: () => new Writable({ write: (_c, _e, cb) => cb() }),
      });
      expect(result.files.map((f) => f.size)).toEqual([10]);
      expect(seen).toEqual([undefined]);
      expect(vim.cookieHeader()).toBe(SESSION_COOKIE); // the session has one; it just did not travel
    } finally {
      disks.closeAllConnections();
      await new Promise<void>((r) => disks.close(() => r()));
    }
  });

  it("a disk server sending far more than the lease's capacity is cut off at the bound, once, and the export fails", async () => {
    let requests = 0;
    const disks = http.createServer((_req, res) => {
      requests++;
      res.writeHead(200); // no Content-Length: the bound is found while streaming
      const chunk = Buffer.alloc(1 << 20, 1);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => disks.listen(0, "127.0.0.1", () => r()));
    fake.handle = exportLeaseHandler(`http://127.0.0.1:${(disks.address() as AddressInfo).port}/nfc/lease-1/disk-0.vmdk`);
    let written = 0;
    try {
      const err = await exportVm(vim, { type: "VirtualMachine", value: "vm-1" }, {
        name: "web01",
        openDiskSink: () => new Writable({ write: (c: Buffer, _e, cb) => ((written += c.length), cb()) }),
      }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/exporting VM web01 \(vm-1\) failed while downloading web01's disk: the server sent more than the \d+ bytes this download may have/);
      // 1 KiB of capacity: at most the 16 MiB allowance reached the share, and the server was not asked again.
      expect(written).toBeLessThanOrEqual(16 * 1024 * 1024 + 1034);
      expect(requests).toBe(1);
      expect(fake.calls).toContain("HttpNfcLeaseAbort");
    } finally {
      disks.closeAllConnections();
      await new Promise<void>((r) => disks.close(() => r()));
    }
  });

  it.each([
    ["timed out", "Timedout", "Operation timed out.", true],
    ["aborted by an admin", "RequestCanceled", "The task was canceled by a user.", false],
  ])("a lease %s at GetManifest, after the disk is whole: retaken for its manifest without downloading again only if it was not aborted", async (_why, faultType, text, retaken) => {
    let downloads = 0;
    const disks = http.createServer((_req, res) => {
      downloads++;
      res.end(Buffer.alloc(10, 7));
    });
    await new Promise<void>((r) => disks.listen(0, "127.0.0.1", () => r()));
    const diskUrl = `http://127.0.0.1:${(disks.address() as AddressInfo).port}/nfc/lease-1/disk-0.vmdk`;
    const base = exportLeaseHandler(diskUrl);
    let leases = 0;
    let firstDead = false;
    fake.calls.length = 0;
    fake.handle = (method, body, res) => {
      if (method === "ExportVm") {
        leases++;
        return res.end(response(method, `<returnval type="HttpNfcLease">lease-1</returnval>`));
      }
      if (leases === 1 && method === "HttpNfcLeaseGetManifest") {
        firstDead = true; // the lease ended while the client was busy
        res.statusCode = 500;
        return res.end(fault(faultType, text, ""));
      }
      if (leases === 1 && firstDead && method === "RetrievePropertiesEx") {
        return res.end(response(method,
          `<returnval><objects><obj type="HttpNfcLease">lease-1</obj><propSet><name>state</name><val xsi:type="HttpNfcLeaseState">error</val></propSet>` +
            `<propSet><name>error</name><val xsi:type="LocalizedMethodFault"><fault xsi:type="${faultType}"></fault><localizedMessage>${text}</localizedMessage></val></propSet></objects></returnval>`));
      }
      base(method, body, res);
    };
    try {
      const outcome = await exportVm(vim, { type: "VirtualMachine", value: "vm-1" }, { name: "web01", openDiskSink: () => new Writable({ write: (_c, _e, cb) => cb() }) }).catch((e: unknown) => e);
      expect(downloads).toBe(1);
      if (retaken) {
        const result = outcome as Awaited<ReturnType<typeof exportVm>>;
        expect(result.leases).toBe(2);
        expect(result.files.map((f) => f.size)).toEqual([10]);
        expect(fake.calls.filter((m) => m === "HttpNfcLeaseComplete")).toHaveLength(1);
      } else {
        // An admin's abort is final: no second lease.
        expect((outcome as Error).message).toMatch(/failed while checking the server's manifest/);
        expect(leases).toBe(1);
      }
    } finally {
      disks.closeAllConnections();
      await new Promise<void>((r) => disks.close(() => r()));
    }
  });

  it("an export whose lease never gets ready ends at its deadline with the lease aborted and a DeadlineError as the cause", async () => {
    fake.calls.length = 0;
    fake.handle = (method, _b, res) => {
      if (method === "ExportVm") return res.end(response(method, `<returnval type="HttpNfcLease">lease-2</returnval>`));
      if (method === "RetrievePropertiesEx") {
        return res.end(response(method, `<returnval><objects><obj type="HttpNfcLease">lease-2</obj><propSet><name>state</name><val xsi:type="HttpNfcLeaseState">initializing</val></propSet></objects></returnval>`));
      }
      if (method === "HttpNfcLeaseAbort") return res.end(response(method));
      res.statusCode = 500;
      res.end(fault("MethodNotFound", method, ""));
    };
    const err = await exportVm(vim, { type: "VirtualMachine", value: "vm-1" }, { name: "web01", timeoutMs: 400, openDiskSink: () => new Writable({ write: (_c, _e, cb) => cb() }) }).catch((e: unknown) => e);
    expect((err as Error).cause).toBeInstanceOf(DeadlineError);
    expect((err as Error).message).toMatch(/exporting VM web01 \(vm-1\) failed while waiting for the export lease: timed out waiting for (the export of web01|export lease lease-2 to be ready) after 0\.\d s; the next run does not resume it/);
    expect(fake.calls).toContain("HttpNfcLeaseAbort");
  });

  it("a task wait's deadline holds while a poll drips one byte every 500 ms", async () => {
    const timers: NodeJS.Timeout[] = [];
    fake.handle = (_m, _b, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write(" "), 500);
      timers.push(t);
      res.on("close", () => clearInterval(t));
    };
    try {
      const err = await waitForTask(vim, { type: "Task", value: "task-9" }, { timeoutMs: 1500, operation: "powering on web01" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineError);
      expect((err as Error).message).toContain("task-9");
    } finally {
      timers.forEach(clearInterval);
    }
  }, 20_000);
});
