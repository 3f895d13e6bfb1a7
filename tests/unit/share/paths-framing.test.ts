import { parseUnc, formatUnc, joinPath, pathParts, isUnc } from "../../../provider/share/paths";
import { FrameReader, joinPieces, splitCompound } from "../../../provider/share/smb/header";
import { parseNegTokenResp, negTokenResp } from "../../../provider/share/smb/spnego";
import { statusInfo } from "../../../provider/share/smb/status";
import { SmbStatusError } from "../../../provider/share/smb/errors";

describe("UNC parsing", () => {
  test("backslash form with port and folder", () => {
    expect(parseUnc("\\\\elm.example.com:4445\\layers\\exports\\os")).toEqual({ host: "elm.example.com", port: 4445, share: "layers", path: "exports/os" });
  });
  test("forward-slash form, no port, share root", () => {
    expect(parseUnc("//10.0.0.5/Unidesk")).toEqual({ host: "10.0.0.5", port: undefined, share: "Unidesk", path: "" });
  });
  test("IPv6 in brackets", () => {
    expect(parseUnc("\\\\[::1]:4445\\s\\a")).toEqual({ host: "::1", port: 4445, share: "s", path: "a" });
  });
  test("errors name the input and the expected form", () => {
    expect(() => parseUnc("\\\\hostonly")).toThrow(/names no share/);
    expect(() => parseUnc("C:\\data")).toThrow(/not a UNC path/);
    expect(() => parseUnc("\\\\h:99999\\s")).toThrow(/invalid port/);
    expect(() => parseUnc("\\\\h\\s\\..\\x")).toThrow(/\.\./);
  });
  test("format round trip; 445 omitted", () => {
    expect(formatUnc({ host: "h", port: 445, share: "s", path: "a/b" })).toBe("\\\\h\\s\\a\\b");
    expect(formatUnc(parseUnc("//h:1445/s/a/b"))).toBe("\\\\h:1445\\s\\a\\b");
    expect(isUnc("/mnt/share")).toBe(false);
  });
  test("share-relative paths", () => {
    expect(joinPath("a\\b", "/c/", "./d")).toBe("a/b/c/d");
    expect(pathParts("")).toEqual([]);
  });
});

describe("Direct TCP framing", () => {
  const frame = (payload: Buffer): Buffer => {
    const h = Buffer.alloc(4);
    h.writeUInt32BE(payload.length);
    return Buffer.concat([h, payload]);
  };
  test("frames split across chunks and several frames in one chunk", () => {
    const a = Buffer.alloc(100, 1);
    const b = Buffer.alloc(3000, 2);
    const all = Buffer.concat([frame(a), frame(b), frame(a)]);
    const r = new FrameReader();
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i += 7) out.push(...r.push(all.subarray(i, i + 7)).map((f) => (Array.isArray(f) ? joinPieces(f) : f)));
    expect(out.map((f) => f.length)).toEqual([100, 3000, 100]);
    expect(out[1].equals(b)).toBe(true);
  });
  test("a non-zero frame type is a protocol error", () => {
    expect(() => new FrameReader().push(Buffer.from([0x85, 0, 0, 0]))).toThrow(/frame type/);
  });
  test("compound responses split on NextCommand", () => {
    const m1 = Buffer.alloc(72);
    m1.writeUInt32LE(72, 20);
    const m2 = Buffer.alloc(70);
    expect(splitCompound(Buffer.concat([m1, m2])).map((m) => m.length)).toEqual([72, 70]);
    const bad = Buffer.alloc(72);
    bad.writeUInt32LE(500, 20);
    expect(() => splitCompound(bad)).toThrow(/NextCommand/);
  });
});

describe("SPNEGO and status", () => {
  test("NegTokenResp round trip", () => {
    const t = parseNegTokenResp(negTokenResp(Buffer.alloc(300, 9), Buffer.alloc(16, 3)));
    expect(t.responseToken?.length).toBe(300);
    expect(t.mechListMic?.equals(Buffer.alloc(16, 3))).toBe(true);
  });
  test("Samba's final token", () => {
    const t = parseNegTokenResp(Buffer.from("a11b3019a0030a0100a3120410" + "00".repeat(16), "hex"));
    expect(t.negState).toBe(0);
    expect(t.mechListMic?.length).toBe(16);
  });
  test("errors carry a code and a hint, and unknown statuses still read well", () => {
    const e = new SmbStatusError(0xc000006d, "SESSION_SETUP", "\\\\h\\s");
    expect(e.code).toBe("EAUTH");
    expect(e.message).toMatch(/LOGON_FAILURE.*user name, domain or password/);
    expect(statusInfo(0xc0001234).name).toBe("NTSTATUS 0xc0001234");
    expect(new SmbStatusError(0xc000007f, "WRITE", "x").code).toBe("ENOSPC");
  });
});
