import { readFileSync } from "fs";
import { join } from "path";

/** tests/fixtures/ovf */
export const FIXTURES = join(__dirname, "..", "..", "fixtures", "ovf");
/** Real files from Debian's ganeti-testsuite 3.0.2-3 (BSD-2-Clause, see the NOTICE beside them). */
export const GANETI = join(FIXTURES, "ganeti");

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), "utf8");
}
