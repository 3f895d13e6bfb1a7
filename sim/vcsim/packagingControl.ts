/**
 * The packaging-machine side of the launcher's POST /guestControl (README, "Packaging machine"):
 * create and remove packaging machines, set layer-integrity blockers and the Windows Update offer,
 * read a machine's state, drain the Shutdown For Finalize events.
 */
import * as fs from "fs";
import * as https from "https";
import type { Vcsim } from "./launch";

export type BlockerKind =
  | "runonce"
  | "rebootpending"
  | "rebootrequired"
  | "pendingrename"
  | "bootdriver"
  | "ngen"
  | "ngen-running"
  | "msiexec"
  | "tiworker"
  | "trustedinstaller"
  | "smscfg";

export interface PackagingEvent {
  vm: string;
  event: "shutdownForFinalize";
  /** Rebooted into the compositing engine (offload compositing) rather than shut down. */
  offload: boolean;
}

export interface PackagingState {
  blockers: string[];
  updates: { KB: string; Round: number; Reboot: boolean; Installed: boolean }[];
  wuRuns: number;
  finalized: boolean;
  ngenQueue: number;
}

const MAX_REPLY = 1 << 20;

/** One control call; resolves with the reply's body (2xx), rejects naming the action otherwise. */
export function packagingControl(sim: Vcsim, params: Record<string, string>): Promise<string> {
  const u = new URL(sim.url);
  u.pathname = "/guestControl";
  u.search = new URLSearchParams(params).toString();
  const auth = Buffer.from(`${sim.user}:${sim.password}`).toString("base64");
  return new Promise((resolve, reject) => {
    const req = https.request(u, { method: "POST", ca: fs.readFileSync(sim.caCertPath), headers: { Authorization: `Basic ${auth}` }, timeout: 30_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
        if (body.length > MAX_REPLY) req.destroy(new Error(`guestControl ${params.action}: reply over ${MAX_REPLY} bytes`));
      });
      res.on("end", () =>
        (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300 ? resolve(body) : reject(new Error(`guestControl ${params.action}: HTTP ${res.statusCode} ${body.trim()}`)),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`guestControl ${params.action}: no answer within 30 s`)));
    req.on("error", reject);
    req.end();
  });
}

export const createPackagingMachine = (sim: Vcsim, vm: string, offload: boolean) =>
  packagingControl(sim, { action: "packaging-create", vm, offload: offload ? "1" : "0" }).then(() => undefined);

export const removePackagingMachine = (sim: Vcsim, vm: string) => packagingControl(sim, { action: "packaging-remove", vm }).then(() => undefined);

/** A blocker: `seconds` for the process kinds (-1, the default: runs until cleared); `sticky`: a reboot does not clear it. */
export const setBlocker = (sim: Vcsim, vm: string, kind: BlockerKind, opts: { seconds?: number; sticky?: boolean; count?: number } = {}) =>
  packagingControl(sim, {
    action: "blocker",
    vm,
    kind,
    ...(opts.seconds !== undefined ? { seconds: String(opts.seconds) } : {}),
    ...(opts.sticky ? { sticky: "1" } : {}),
    ...(opts.count !== undefined ? { count: String(opts.count) } : {}),
  }).then(() => undefined);

export const clearBlocker = (sim: Vcsim, vm: string, kind: BlockerKind) => packagingControl(sim, { action: "blocker-clear", vm, kind }).then(() => undefined);

/** The updates Windows Update offers: round 2's show after round 1 is installed and rebooted. */
export const setUpdates = (sim: Vcsim, vm: string, updates: { kb: string; round: number; reboot?: boolean }[]) =>
  packagingControl(sim, { action: "updates", vm, list: updates.map((u) => `${u.kb}:${u.round}${u.reboot ? ":reboot" : ""}`).join(",") }).then(() => undefined);

export const packagingState = async (sim: Vcsim, vm: string): Promise<PackagingState> =>
  JSON.parse(await packagingControl(sim, { action: "packaging-state", vm })) as PackagingState;

export const packagingEvents = async (sim: Vcsim): Promise<PackagingEvent[]> => JSON.parse(await packagingControl(sim, { action: "events" })) as PackagingEvent[];
