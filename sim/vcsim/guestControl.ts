/** Faults a test injects into a VM's simulated guest: POST /guestControl (README, "Simulated Windows guest"). */
import * as fs from "fs";
import * as https from "https";
import type { Vcsim } from "./launch";

export type GuestControlAction = "tools-stop" | "tools-start" | "reboot" | "hang" | "unhang";

export function guestControl(sim: Vcsim, vmName: string, action: GuestControlAction, program?: string): Promise<void> {
  const u = new URL(sim.url);
  u.pathname = "/guestControl";
  u.search = new URLSearchParams({ vm: vmName, action, ...(program ? { program } : {}) }).toString();
  const auth = Buffer.from(`${sim.user}:${sim.password}`).toString("base64");
  return new Promise((resolve, reject) => {
    const req = https.request(u, { method: "POST", ca: fs.readFileSync(sim.caCertPath), headers: { Authorization: `Basic ${auth}` }, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => (res.statusCode === 204 ? resolve() : reject(new Error(`guestControl ${action}: HTTP ${res.statusCode} ${body.trim()}`))));
    });
    req.on("timeout", () => req.destroy(new Error("guestControl: no answer within 10 s")));
    req.on("error", reject);
    req.end();
  });
}
