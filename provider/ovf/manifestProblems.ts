/** A manifest check, said as OVF problems (same shape as `validateForOsLayer`'s). */
import { ManifestEntry, ManifestVerification } from "./manifest";
import { OvfProblem } from "./validate";

/**
 * Problems from verifying `manifestName`: each mismatch and missing file, and each name of
 * `mustCover` (the descriptor and its referenced files) that the manifest does not list.
 */
export function manifestProblems(
  manifestName: string,
  entries: ReadonlyArray<ManifestEntry>,
  result: ManifestVerification,
  mustCover: ReadonlyArray<string> = [],
): OvfProblem[] {
  const problems: OvfProblem[] = [];
  for (const m of result.mismatches) {
    problems.push({
      code: "MANIFEST_MISMATCH",
      where: `${manifestName}: ${m.algorithm}(${m.name})`,
      message: `${m.name} does not match the manifest (${m.algorithm} is ${m.actual}, the manifest says ${m.expected}); the file is damaged or changed: copy it again or export again`,
    });
  }
  for (const name of result.missing) {
    problems.push({
      code: "MANIFEST_FILE_MISSING",
      where: `${manifestName}: ${name}`,
      message: `${name} is listed in the manifest but not beside it; copy it into the OVF folder or export again`,
    });
  }
  const listed = new Set(entries.map((e) => e.name));
  for (const name of mustCover) {
    if (!listed.has(name)) {
      problems.push({
        code: "MANIFEST_INCOMPLETE",
        where: manifestName,
        message: `the manifest does not list ${name}; export again so the manifest covers every file, or remove the .mf`,
      });
    }
  }
  return problems;
}
