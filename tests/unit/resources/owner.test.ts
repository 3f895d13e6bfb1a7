/** Ownership marks: bound to one object's identity and keyed, so copies, clones and typed marks never verify. */
import { importIdentity, layerHistoryMarked, layerIdentity, layerMarked, ownerMark, productMark, verifiesMark, vmIdentity } from "../../../provider/owner";
import { vmMarkedByUs, vmNote } from "../../../provider/osMachine/state";

const stack = { PULUMI_PROJECT: "layers", PULUMI_STACK: "prod" } as NodeJS.ProcessEnv;
const UUID = "5012a3b4-1111-4000-8000-00000000000a";
const OTHER = "5012a3b4-2222-4000-8000-00000000000b";

describe("ownership marks", () => {
  it("a mark verifies for the object it was written for", () => {
    const mark = ownerMark(vmIdentity(UUID), stack);
    expect(mark).toMatch(/^\[pulumi-applayering layers\/prod vm=5012a3b4-1111-4000-8000-00000000000a mac=[0-9a-f]{32}\]$/);
    expect(verifiesMark(mark, vmIdentity(UUID), stack)).toBe(true);
    expect(verifiesMark(`notes before ${mark} and after`, vmIdentity(UUID), stack)).toBe(true);
  });

  it("the bare product mark and the stack's unbound mark never count", () => {
    for (const text of ["[pulumi-applayering]", productMark(stack), "Managed by [pulumi-applayering layers/prod]"]) {
      expect(verifiesMark(text, vmIdentity(UUID), stack)).toBe(false);
      expect(vmMarkedByUs(text, UUID)).toBe(false);
    }
  });

  it("a mark copied to another object (or inherited by a clone) does not verify there", () => {
    const mark = ownerMark(vmIdentity(UUID), stack);
    expect(verifiesMark(mark, vmIdentity(OTHER), stack)).toBe(false);
    // Editing the uuid in the copied text does not help: the tag covers it.
    expect(verifiesMark(mark.replace(UUID, OTHER), vmIdentity(OTHER), stack)).toBe(false);
  });

  it("another stack's mark, or one under another key, does not verify", () => {
    const mark = ownerMark(vmIdentity(UUID), stack);
    expect(verifiesMark(mark, vmIdentity(UUID), { PULUMI_PROJECT: "layers", PULUMI_STACK: "dev" } as NodeJS.ProcessEnv)).toBe(false);
    expect(verifiesMark(mark.replace("layers/prod", "layers/dev"), vmIdentity(UUID), { PULUMI_PROJECT: "layers", PULUMI_STACK: "dev" } as NodeJS.ProcessEnv)).toBe(false);
    const keyed = { ...stack, APPLAYERING_OWNER_KEY: "s3cret" };
    expect(verifiesMark(mark, vmIdentity(UUID), keyed)).toBe(false);
    const keyedMark = ownerMark(vmIdentity(UUID), keyed);
    expect(verifiesMark(keyedMark, vmIdentity(UUID), keyed)).toBe(true);
    // Someone who knows project and stack but not the secret cannot compute it.
    expect(keyedMark).not.toBe(mark);
    expect(verifiesMark(keyedMark, vmIdentity(UUID), { ...stack, APPLAYERING_OWNER_KEY: "guess" })).toBe(false);
    expect(keyedMark).not.toContain("s3cret");
  });

  it("a tampered tag does not verify", () => {
    const mark = ownerMark(vmIdentity(UUID), stack);
    const last = mark.at(-2)!;
    const forged = `${mark.slice(0, -2)}${last === "0" ? "1" : "0"}]`;
    expect(verifiesMark(forged, vmIdentity(UUID), stack)).toBe(false);
  });

  it("a VM's mark counts only as the first line of its notes, for its own instanceUuid", () => {
    const envNotes = vmNote(UUID);
    expect(vmMarkedByUs(envNotes, UUID)).toBe(true);
    expect(vmMarkedByUs(envNotes, OTHER)).toBe(false);
    expect(vmMarkedByUs(envNotes, undefined)).toBe(false);
    // Quoted further down the notes, a valid mark does not make the VM ours.
    expect(vmMarkedByUs(`owned by the web team\n${envNotes}`, UUID)).toBe(false);
  });

  it("rebinding keeps the admin's notes and replaces an older mark line", () => {
    const legacy = "Managed by [pulumi-applayering layers/prod]\nbuilt for the 2024 image";
    const rebound = vmNote(OTHER, legacy);
    expect(rebound.split("\n")).toEqual([expect.stringMatching(/^\[pulumi-applayering .*vm=5012a3b4-2222/), "built for the 2024 image"]);
    expect(vmNote(UUID, "admin text").split("\n")[1]).toBe("admin text");
  });

  it("a layer's mark is bound to its id and the import ticket; a quoted or foreign one does not count", () => {
    const mark = ownerMark(layerIdentity(12, 345), stack);
    expect(layerMarked(["import", mark], 12, stack)).toBe(true);
    expect(layerMarked([`[pulumi-applayering] import Win2019 1.0`, productMark(stack)], 12, stack)).toBe(false);
    expect(layerMarked([mark], 13, stack)).toBe(false); // another layer's mark quoted into this one's history
    expect(layerMarked([mark.replace("layer=12", "layer=13")], 13, stack)).toBe(false);
    expect(layerMarked([mark.replace("ticket=345", "ticket=346")], 12, stack)).toBe(false);
  });

  it("the import comment's mark counts only as the layer's first audit entry, for the name it was written for", () => {
    const imp = `[pulumi-applayering layers/prod] ${ownerMark(importIdentity("Win2019 OS", "n0nce-1"), stack)} import Win2019 OS 1.0`;
    expect(layerHistoryMarked([{ id: 5, comment: imp }], 12, "Win2019 OS", stack)).toBe(true);
    // Copied into a later entry of another layer's history (an edit cannot come before the creation entry).
    expect(layerHistoryMarked([{ id: 5, comment: "created by hand" }, { id: 9, comment: imp }], 12, "Win2019 OS", stack)).toBe(false);
    // Or into the creation of a layer of another name.
    expect(layerHistoryMarked([{ id: 5, comment: imp }], 12, "Other OS", stack)).toBe(false);
    expect(layerHistoryMarked([{ id: 5, comment: imp }], 12, "Win2019 OS", { ...stack, PULUMI_STACK: "dev" })).toBe(false);
  });

  it("refuses identities that would break the mark's syntax", () => {
    expect(() => ownerMark({ kind: "vm", fields: [["vm", "a b]"]] }, stack)).toThrow(/must be letters, digits/);
  });
});
