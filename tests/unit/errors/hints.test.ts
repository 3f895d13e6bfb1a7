/** errorHints is the one place naming settings: the clients never do, and each kind they throw has its fix. */
import * as fs from "node:fs";
import * as path from "node:path";
import { explain, hintFor } from "../../../provider/errorHints";
import { tag } from "../../../provider/errorKinds";
import { SmbConnectionError, SmbProtocolError, SmbStatusError } from "../../../provider/share";
import { makeFault } from "../../../provider/vsphere/faults";
import { ElmError, ElmLoginError } from "../../../provider/elm";

const root = path.resolve(__dirname, "../../../provider");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("error hints", () => {
  it("no client (vsphere, elm, share, soap) names a Pulumi config key", () => {
    const offenders = ["vsphere", "elm", "share", "soap"]
      .flatMap((d) => sources(path.join(root, d)))
      .filter((f) => /\b(applayering|vsphere):[a-zA-Z]+/.test(fs.readFileSync(f, "utf8")))
      .map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it("names the settings for the kinds the clients throw", () => {
    expect(explain(makeFault("InvalidLogin", "Login failure", {}, "Login")).message).toMatch(/check the vSphere user and password\); check vsphere:user \/ vsphere:password \(VSPHERE_USER \/ VSPHERE_PASSWORD\)$/);
    expect(explain(new ElmLoginError("https://elm/", "administrator", { id: "LoginFailed", title: "", message: "The password is incorrect", details: "" })).message).toMatch(
      /check the ELM user 'administrator' and its password; check applayering:elmUser \/ applayering:elmPassword/,
    );
    expect(explain(new SmbStatusError(0xc000006d, "SESSION_SETUP", "\\\\srv\\share")).message).toMatch(/applayering:shareUser, applayering:sharePassword and applayering:shareDomain/);
    expect(explain(new SmbProtocolError("unsigned reply")).message).toMatch(/applayering:shareSigning/);
    expect(new SmbConnectionError("no answer", "ETIMEDOUT")).toMatchObject({ kind: "timeout", peer: "share" });
    expect(new SmbStatusError(0xc0000203, "CREATE", "")).toMatchObject({ kind: "auth" });
    expect(new ElmError("Q", "u", { id: "LayerNotFound", title: "", message: "", details: "" })).toMatchObject({ kind: "notFound", peer: "elm" });
    for (const peer of ["vsphere", "elm"] as const) for (const kind of ["auth", "tls", "unreachable", "timeout", "tooLarge"] as const) expect(hintFor(kind, peer)).toBeTruthy();
  });

  it("explains once, keeps the error's class and fields, and leaves untagged errors alone", () => {
    const e = tag(new SmbConnectionError("SMB: connection refused", "ECONNREFUSED"), "unreachable", "share");
    const plain = new Error("plain");
    expect(explain(plain).message).toBe("plain");
    const once = explain(explain(makeFault("InvalidLogin", "", {}, "Login")));
    expect(once.message.match(/VSPHERE_USER/g)).toHaveLength(1);
    expect(explain(e)).toBe(e);
    expect(e).toBeInstanceOf(SmbConnectionError);
  });
});
