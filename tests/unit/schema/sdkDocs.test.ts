/**
 * The SDK's JSDoc is what users read: each Args property must say what the provider's table says
 * (its summary, its default, its unit, that a change replaces the object). Read from the SDK's
 * sources with the TypeScript compiler, as an editor shows them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import type { Field, FieldTable } from "../../../provider/schema";
import { OS_MACHINE } from "../../../provider/osMachine/schema";
import { OS_LAYER } from "../../../provider/osLayer/schema";
import { OVF_EXPORT } from "../../../provider/ovfExport/schema";

/** The doc comment of every property of the named interface, by property name. */
function argsDocs(file: string, iface: string): Map<string, string> {
  const text = fs.readFileSync(path.join(__dirname, "../../../sdk", file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === iface) {
      for (const m of node.members) {
        if (!ts.isPropertySignature(m) || !ts.isIdentifier(m.name)) continue;
        const comment = ts.getJSDocCommentsAndTags(m).map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ");
        docs.set(m.name.text, comment.replace(/\s+/g, " ").trim());
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (docs.size === 0) throw new Error(`sdk/${file} declares no interface ${iface}`);
  return docs;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const UNIT_WORDS: Record<string, RegExp> = { MB: /\bMB\b/, GB: /\bGB\b/, minutes: /\bminutes\b/i, versions: /\bversions\b/ };

/** What the JSDoc of one argument fails to say of the fields it feeds; [] when it agrees. */
function disagreements(arg: string, doc: string, fields: Array<[string, Field]>): string[] {
  const out: string[] = [];
  for (const [key, f] of fields) {
    const who = key === arg ? arg : `${arg} (for ${key})`;
    if (!doc.startsWith(f.summary)) out.push(`${who}: the doc should start with "${f.summary}", it says "${doc}"`);
    if (f.default !== undefined && !new RegExp(`Default: \`?${escape(String(f.default))}\`?\\b`).test(doc)) out.push(`${who}: the doc should say "Default: ${f.default}"`);
    if (f.type === "number" && f.unit && !UNIT_WORDS[f.unit].test(doc)) out.push(`${who}: the doc should name the unit, ${f.unit}`);
    if (f.change === "replace" && !/\breplaces\b/.test(doc)) out.push(`${who}: a change replaces the object; the doc should say so`);
  }
  return out;
}

describe.each([
  ["OsMachine", "osMachine.ts", "OsMachineArgs", OS_MACHINE as FieldTable, []],
  // packaging is an object argument, checked by provider/packaging/check.ts beside the table.
  ["OsLayer", "osLayer.ts", "OsLayerArgs", OS_LAYER as FieldTable, ["packaging"]],
  ["OvfExport", "ovfExport.ts", "OvfExportArgs", OVF_EXPORT as FieldTable, []],
])("%s: the SDK's JSDoc agrees with the provider's table", (_resource, file, iface, table, beside: string[]) => {
  const docs = argsDocs(file, iface);
  for (const arg of beside) docs.delete(arg);
  const byArg = new Map<string, Array<[string, Field]>>();
  for (const [key, f] of Object.entries(table)) {
    if (f.from === null) continue;
    const arg = f.from ?? key;
    byArg.set(arg, [...(byArg.get(arg) ?? []), [key, f]]);
  }

  it("each field of the table is an argument of the SDK, and each argument a field", () => {
    expect([...docs.keys()].sort()).toEqual([...byArg.keys()].sort());
  });

  it("each argument's doc starts with the field's summary and names its default, unit and replacement", () => {
    const problems = [...byArg].flatMap(([arg, fields]) => disagreements(arg, docs.get(arg) ?? "", fields));
    expect(problems).toEqual([]);
  });
});

describe("the agreement check itself", () => {
  const f: Field = { type: "number", summary: "Minutes to wait.", change: "replace", default: 30, unit: "minutes" };
  it("finds a missing default, unit, replacement and summary", () => {
    expect(disagreements("t", "Minutes to wait. Default: 30. Changing it replaces the VM.", [["t", f]])).toEqual([]);
    expect(disagreements("t", "Minutes to wait. Default: 300. Changing it replaces the VM.", [["t", f]])).toHaveLength(1);
    expect(disagreements("t", "Time to wait. Default: 30.", [["t", f]])).toHaveLength(3);
  });
});
