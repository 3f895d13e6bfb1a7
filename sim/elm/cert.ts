/** A throw-away self-signed certificate for 127.0.0.1 / localhost, made with the openssl CLI. */
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

export interface SelfSignedCert {
  certPem: string;
  keyPem: string;
  /** Directory holding cert.pem and key.pem (removed by cleanup()). */
  dir: string;
  certPath: string;
  cleanup(): Promise<void>;
}

export async function makeSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "elmsim-tls-"));
  const certPath = path.join(dir, "cert.pem");
  const keyPath = path.join(dir, "key.pem");
  try {
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
      "-subj", "/CN=127.0.0.1/O=ELM simulator",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", keyPath, "-out", certPath,
    ]);
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw new Error(`could not create a self-signed certificate with openssl (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); install openssl or start the simulator without https`, { cause: err });
  }
  return {
    certPem: await fs.readFile(certPath, "utf8"),
    keyPem: await fs.readFile(keyPath, "utf8"),
    dir,
    certPath,
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
