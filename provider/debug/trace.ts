/**
 * The wire trace, as GOVC_DEBUG and TF_LOG give their users: APPLAYERING_DEBUG=1 writes one line
 * per SOAP request/reply and SMB command to stderr; APPLAYERING_DEBUG=/path/file appends them to
 * that file. Callers redact before they write (debug/redact.ts): no password, token, cookie or
 * key ever reaches a line. Read from the environment at each call, so a host started with it (or
 * a test that sets it) needs nothing else; unset, a call costs one lookup.
 */
import * as fs from "node:fs";

let openPath: string | undefined;
let openFd: number | undefined;

function target(): "stderr" | string | undefined {
  const v = process.env.APPLAYERING_DEBUG;
  if (v === undefined || v === "" || /^(0|false|no|off)$/i.test(v)) return undefined;
  return /^(1|true|yes|on|stderr)$/i.test(v) ? "stderr" : v;
}

/** Whether tracing is on (so callers build their lines only then). */
export function tracing(): boolean {
  return target() !== undefined;
}

/** Writes one trace line (`peer` names the wire: vim25, elm, smb). Never throws. */
export function trace(peer: string, text: string): void {
  const t = target();
  if (t === undefined) return;
  const line = `${new Date().toISOString()} applayering ${peer} ${text.replace(/\r?\n/g, " ")}\n`;
  try {
    if (t === "stderr") {
      process.stderr.write(line);
      return;
    }
    if (openPath !== t) {
      if (openFd !== undefined) fs.closeSync(openFd);
      openFd = fs.openSync(t, "a", 0o600);
      openPath = t;
    }
    fs.writeSync(openFd as number, line);
  } catch {
    // A trace that cannot be written must not fail the operation it describes.
  }
}
