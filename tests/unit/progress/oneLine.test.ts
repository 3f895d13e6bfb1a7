import { oneLine, reporter } from "../../../provider/progress";

describe("progress lines", () => {
  it("a newline in a name or a peer's text cannot start a line of its own", () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      reporter("OsLayer", "win\nOsLayer other: finished")("state is\r\nready\u0007");
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    const lines = written[0].split("\n");
    expect(lines).toEqual(["[applayering] OsLayer win\\nOsLayer other: finished: state is\\r\\nready\\u0007", ""]);
  });

  it("leaves ordinary text alone", () => {
    expect(oneLine("copied 12.5 GB of 60 GB (20%) — win2022-disk1.vmdk")).toBe("copied 12.5 GB of 60 GB (20%) — win2022-disk1.vmdk");
  });
});
