/**
 * vSphere guest operations on one VM (GuestAuthManager, GuestProcessManager, GuestFileManager),
 * with a guest account. Every call retries GuestOperationsUnavailable (Tools restarting, the
 * guest rebooting) until the client's deadline, and turns login and permission faults into
 * errors naming the settings to fix. The guest password lives outside the instance and is
 * redacted from every error.
 */
import { RawXml, XmlContent, XmlElement, child, children, el } from "../../soap";
import { asNumber, asObject, asString, decodeObject } from "../decode";
import { retrieveProperties } from "../properties";
import type { VimClient } from "../session";
import type { MoRef } from "../types";
import { moref, opt, typed } from "../wire";
import { GuestUnavailableError, guestError, isTransientGuestFault } from "./errors";
import { pollUntil } from "./poll";

export interface GuestCredentials {
  user: string;
  password: string;
}

export interface GuestClientOptions {
  /** VM name for messages (default: the moref). */
  vmName?: string;
  /** How long a call keeps retrying while guest operations are unavailable, in ms (default 10 min). */
  unavailableTimeoutMs?: number;
}

/** One process as ListProcessesInGuest reports it; `exitCode`/`endTime` only once it ended. */
export interface GuestProcess {
  pid: number;
  name: string;
  owner: string;
  cmdLine: string;
  startTime?: string;
  endTime?: string;
  exitCode?: number;
}

export interface GuestProgram {
  /** Full guest path of the executable, e.g. C:\Windows\System32\cmd.exe. */
  programPath: string;
  arguments: string;
  workingDirectory?: string;
}

interface Managers {
  auth: MoRef;
  process: MoRef;
  file: MoRef;
}

const passwords = new WeakMap<GuestClient, GuestCredentials>();

export class GuestClient {
  readonly vim: VimClient;
  readonly vm: MoRef;
  readonly vmName: string;
  /** How long a call keeps retrying GuestOperationsUnavailable, in ms. */
  unavailableTimeoutMs: number;
  private managers?: Managers;

  constructor(vim: VimClient, vm: MoRef, creds: GuestCredentials, opts: GuestClientOptions = {}) {
    this.vim = vim;
    this.vm = vm;
    this.vmName = opts.vmName ?? vm.value;
    this.unavailableTimeoutMs = opts.unavailableTimeoutMs ?? 10 * 60_000;
    passwords.set(this, { ...creds });
  }

  /** Values no error may show: the guest password and the vCenter session's secrets. */
  secrets(): string[] {
    return [passwords.get(this)?.password ?? "", ...this.vim.secrets()].filter((s) => s.length > 0);
  }

  private authXml(): RawXml {
    const c = passwords.get(this)!;
    return typed("auth", "NamePasswordAuthentication", [el("interactiveSession", false), el("username", c.user), el("password", c.password)]);
  }

  private async mgrs(): Promise<Managers> {
    if (this.managers) return this.managers;
    const gom = this.vim.serviceContent.guestOperationsManager;
    if (!gom) throw new Error(`${this.vim.host} has no GuestOperationsManager: guest operations need vCenter or ESXi 5.0 or later`);
    const oc = await retrieveProperties(this.vim, gom, ["authManager", "processManager", "fileManager"]);
    const ref = (k: string): MoRef => {
      const v = oc.props[k];
      if (!v || typeof v !== "object" || !("value" in v)) throw new Error(`GuestOperationsManager at ${this.vim.host} has no ${k}`);
      return v as MoRef;
    };
    this.managers = { auth: ref("authManager"), process: ref("processManager"), file: ref("fileManager") };
    return this.managers;
  }

  /**
   * Invokes a guest method with the VM and the account; GuestOperationsUnavailable is retried
   * until `unavailableTimeoutMs` has passed.
   */
  async call(manager: keyof Managers, method: string, params: XmlContent, what: string): Promise<XmlElement> {
    const m = (await this.mgrs())[manager];
    const deadline = Date.now() + this.unavailableTimeoutMs;
    let last: unknown;
    try {
      return await pollUntil(
        async () => {
          try {
            return await this.vim.invoke(method, m, [moref("vm", this.vm), this.authXml(), params]);
          } catch (err) {
            if (!isTransientGuestFault(err)) throw err;
            last = err;
            return undefined;
          }
        },
        { deadline, firstMs: 200, maxMs: 2000 },
        () =>
          new GuestUnavailableError(
            "GuestOperationsUnavailable",
            `${what} in VM ${this.vmName}: guest operations stayed unavailable for ${Math.round(this.unavailableTimeoutMs / 1000)} s ` +
              `(VMware Tools not running, or the guest still rebooting; last answer: ${last instanceof Error ? last.name : "none"}): ` +
              "check that VMware Tools are installed and running in the guest, or raise OsMachine.operationTimeout",
          ),
      );
    } catch (err) {
      throw guestError(err, what, this.vmName, this.secrets());
    }
  }

  async validateCredentials(): Promise<void> {
    await this.call("auth", "ValidateCredentialsInGuest", [], "validating the guest account");
  }

  /** Starts a program; returns its pid. It has no console: redirect output to a file. */
  async startProgram(p: GuestProgram): Promise<number> {
    const spec = el("spec", [opt("programPath", p.programPath), opt("arguments", p.arguments), opt("workingDirectory", p.workingDirectory)]);
    const reply = await this.call("process", "StartProgramInGuest", spec, `starting ${p.programPath}`);
    const pid = Number(child(reply, "returnval")?.text.trim());
    if (!Number.isSafeInteger(pid)) throw new Error(`StartProgramInGuest in VM ${this.vmName} returned no pid`);
    return pid;
  }

  /** Processes by pid (all when `pids` is empty). Tools forget an ended process about 5 minutes after its end. */
  async listProcesses(pids: number[] = []): Promise<GuestProcess[]> {
    const reply = await this.call("process", "ListProcessesInGuest", pids.map((p) => el("pids", p)), "listing guest processes");
    return children(reply, "returnval").map((r) => {
      const o = decodeObject(r);
      const endTime = asString(o.endTime) || undefined;
      return {
        pid: asNumber(o.pid) ?? -1,
        name: asString(o.name) ?? "",
        owner: asString(o.owner) ?? "",
        cmdLine: asString(o.cmdLine) ?? "",
        startTime: asString(o.startTime),
        endTime,
        // An int left out when 0 (govmomi's omitempty, as vcsim marshals): an ended process without one exited 0.
        exitCode: endTime ? (asNumber(o.exitCode) ?? 0) : undefined,
      };
    });
  }

  async terminateProcess(pid: number): Promise<void> {
    try {
      await this.call("process", "TerminateProcessInGuest", el("pid", pid), `ending guest process ${pid}`);
    } catch (err) {
      // Already ended: nothing left to stop.
      if ((err as { faultType?: string }).faultType === "GuestProcessNotFound") return;
      throw err;
    }
  }

  async makeDirectory(path: string, parents = true): Promise<void> {
    try {
      await this.call("file", "MakeDirectoryInGuest", [el("directoryPath", path), el("createParentDirectories", parents)], `making folder ${path}`);
    } catch (err) {
      if ((err as { faultType?: string }).faultType === "FileAlreadyExists" && parents) return;
      throw err;
    }
  }

  /** Deletes a file; false when it did not exist. */
  async deleteFile(path: string): Promise<boolean> {
    try {
      await this.call("file", "DeleteFileInGuest", el("filePath", path), `deleting ${path}`);
      return true;
    } catch (err) {
      if ((err as { faultType?: string }).faultType === "FileNotFound") return false;
      throw err;
    }
  }

  /** Deletes a folder (and what it holds when `recursive`); false when it did not exist. */
  async deleteDirectory(path: string, recursive = true): Promise<boolean> {
    try {
      await this.call("file", "DeleteDirectoryInGuest", [el("directoryPath", path), el("recursive", recursive)], `deleting folder ${path}`);
      return true;
    } catch (err) {
      if ((err as { faultType?: string }).faultType === "FileNotFound") return false;
      throw err;
    }
  }

  /** Creates an empty temporary file (in the account's %TEMP% unless `directory`); returns its path. */
  async createTemporaryFile(prefix: string, suffix: string, directory?: string): Promise<string> {
    const reply = await this.call("file", "CreateTemporaryFileInGuest", [el("prefix", prefix), el("suffix", suffix), opt("directoryPath", directory)], "creating a temporary file");
    return child(reply, "returnval")?.text ?? "";
  }

  /** The one-use URL to PUT a file of `size` bytes to (its host may be `*`). */
  async initiateTransferToGuest(path: string, size: number, overwrite: boolean): Promise<string> {
    const reply = await this.call(
      "file",
      "InitiateFileTransferToGuest",
      [el("guestFilePath", path), typed("fileAttributes", "GuestFileAttributes", []), el("fileSize", size), el("overwrite", overwrite)],
      `uploading ${path}`,
    );
    return child(reply, "returnval")?.text.trim() ?? "";
  }

  /** The one-use URL to GET a guest file from, and its size. */
  async initiateTransferFromGuest(path: string): Promise<{ url: string; size: number }> {
    const reply = await this.call("file", "InitiateFileTransferFromGuest", el("guestFilePath", path), `downloading ${path}`);
    const info = asObject(decodeObject(child(reply, "returnval")!));
    return { url: asString(info.url) ?? "", size: asNumber(info.size) ?? 0 };
  }
}
