/**
 * A ranged disk download continues the share's file only when the answer is a 206 whose
 * Content-Range starts at the asked offset: a 200 (Range ignored) or another range would put
 * the wrong bytes after the kept ones.
 */
import type { IncomingMessage } from "node:http";
import { continuesAt } from "../../../provider/vsphere/diskCopy";

const res = (statusCode: number, contentRange?: string) => ({ statusCode, headers: contentRange === undefined ? {} : { "content-range": contentRange } }) as unknown as IncomingMessage;

describe("continuesAt", () => {
  it("accepts 206 with the range from the offset", () => {
    expect(continuesAt(res(206, "bytes 1048576-3149828/3149829"), 1048576)).toBe(true);
    expect(continuesAt(res(206, "bytes 10-99/*"), 10)).toBe(true);
  });
  it.each([
    [200, "bytes 1048576-3149828/3149829", "Range ignored: the whole file"],
    [206, "bytes 0-3149828/3149829", "another start"],
    [206, "bytes 1048575-3149828/3149829", "one byte early"],
    [206, undefined, "no Content-Range"],
    [206, "bytes */3149829", "unsatisfied form"],
    [206, "items 1048576-2/3", "another unit"],
    [416, "bytes */3149829", "not satisfiable"],
  ])("refuses %i %s (%s)", (status, range, _why) => {
    expect(continuesAt(res(status, range), 1048576)).toBe(false);
  });
});
