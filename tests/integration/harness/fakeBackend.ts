/**
 * The "cloud" behind the harness tests' provider: objects in a JSON file, plus a journal of what the
 * provider was asked to do and by which provider version. Used only to test the harness itself. It
 * is serialized by value into the provider text and runs inside the dynamic-provider host, so it uses
 * nothing but Node built-ins.
 */
import * as fs from "fs";

export interface FakeObject {
  id: string;
  name: string;
  size: number;
  color: string;
  zone: string;
  secret?: string;
}

export interface JournalEntry {
  op: "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";
  version: string;
  id?: string;
  name?: string;
  /** check, diff: the input keys that arrived as the unknown sentinel. */
  unknowns?: string[];
  /** configure: sha256 of the `fake:password` config value it received. */
  passwordSha256?: string;
}

export interface FakeStore {
  next: number;
  objects: { [id: string]: FakeObject };
  journal: JournalEntry[];
}

export function loadStore(file: string): FakeStore {
  if (!fs.existsSync(file)) return { next: 1, objects: {}, journal: [] };
  return JSON.parse(fs.readFileSync(file, "utf8")) as FakeStore;
}

export function saveStore(file: string, store: FakeStore): void {
  fs.writeFileSync(file, JSON.stringify(store, null, 2));
}

/** Read-modify-write of the store (the host runs one call at a time in these tests). */
export function withStore<T>(file: string, f: (s: FakeStore) => T): T {
  const s = loadStore(file);
  const result = f(s);
  saveStore(file, s);
  return result;
}
