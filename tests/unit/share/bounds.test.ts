/** What peers send is bounds-checked: NTLM AV pairs, READ and QUERY data offsets, directory entries. */
import { parseChallenge } from "../../../provider/share/smb/ntlm";
import { parseIdBothDirectory, parseOutputBuffer, parseRead } from "../../../provider/share/smb/messages";

/** A CHALLENGE message with the given TargetInfo bytes at offset 48 (or a lying offset/length). */
function challenge(targetInfo: Buffer, over: { tiOff?: number; tiLen?: number } = {}): Buffer {
  const b = Buffer.alloc(48 + targetInfo.length);
  b.write("NTLMSSP\0", 0, "latin1");
  b.writeUInt32LE(2, 8);
  b.writeUInt32LE(0xe2898215, 20);
  b.fill(7, 24, 32);
  b.writeUInt16LE(over.tiLen ?? targetInfo.length, 40);
  b.writeUInt16LE(over.tiLen ?? targetInfo.length, 42);
  b.writeUInt32LE(over.tiOff ?? 48, 44);
  targetInfo.copy(b, 48);
  return b;
}
const av = (id: number, value: Buffer, claimedLen = value.length): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(id, 0);
  h.writeUInt16LE(claimedLen, 2);
  return Buffer.concat([h, value]);
};
const EOL = Buffer.alloc(4);

describe("NTLM CHALLENGE TargetInfo", () => {
  test("well-formed pairs parse", () => {
    const c = parseChallenge(challenge(Buffer.concat([av(2, Buffer.from("D\0", "latin1")), av(7, Buffer.alloc(8, 1)), EOL])));
    expect(c.targetInfo.map((p) => p.id)).toEqual([2, 7]);
    expect(c.targetInfo[1].value).toEqual(Buffer.alloc(8, 1));
  });
  test("a pair whose length runs past TargetInfo is refused", () => {
    expect(() => parseChallenge(challenge(Buffer.concat([av(2, Buffer.from("DOM", "latin1"), 400), EOL])))).toThrow(/AV pair \(id 2, length 400\) running past/);
  });
  test("TargetInfo lying outside the message is refused", () => {
    const ti = Buffer.concat([av(2, Buffer.from("D\0", "latin1")), EOL]);
    expect(() => parseChallenge(challenge(ti, { tiOff: 48, tiLen: 200 }))).toThrow(/outside the .*-byte message/);
    expect(() => parseChallenge(challenge(ti, { tiOff: 8 }))).toThrow(/outside/);
  });
  test("TargetInfo without MsvAvEOL is refused", () => {
    expect(() => parseChallenge(challenge(av(2, Buffer.from("D\0", "latin1"))))).toThrow(/MsvAvEOL/);
  });
});

/** A READ response (header + 16-byte fixed part + data) with a chosen DataOffset. */
function readResponse(dataOffset: number, data: Buffer): Buffer {
  const raw = Buffer.alloc(80 + data.length);
  raw.fill(0xee, 0, 64); // header bytes that must never come out as file data
  raw.writeUInt16LE(17, 64);
  raw[66] = dataOffset;
  raw.writeUInt32LE(data.length, 68);
  data.copy(raw, 80);
  return raw;
}

describe("READ DataOffset", () => {
  test("data at the usual offset is returned", () => {
    const raw = readResponse(80, Buffer.from("file data"));
    expect(parseRead(raw.subarray(64), raw).toString()).toBe("file data");
  });
  test("an offset inside the header is refused, not returned as file data", () => {
    const raw = readResponse(0x40, Buffer.from("file data"));
    expect(() => parseRead(raw.subarray(64), raw)).toThrow(/READ response data \(offset 64, length 9\) is outside/);
    const raw0 = readResponse(0, Buffer.from("file data"));
    expect(() => parseRead(raw0.subarray(64), raw0)).toThrow(/outside/);
  });
  test("data running past the message is refused", () => {
    const raw = readResponse(80, Buffer.from("file data"));
    raw.writeUInt32LE(1000, 68);
    expect(() => parseRead(raw.subarray(64), raw)).toThrow(/outside/);
  });
  test("a QUERY output buffer inside the header is refused", () => {
    const raw = Buffer.alloc(64 + 8 + 8);
    raw.writeUInt16LE(9, 64);
    raw.writeUInt16LE(16, 66);
    raw.writeUInt32LE(8, 68);
    expect(() => parseOutputBuffer(raw.subarray(64), raw)).toThrow(/outside the message's data area/);
  });
});

describe("directory entries", () => {
  test("a name length past the buffer is refused", () => {
    const b = Buffer.alloc(104 + 4);
    b.writeUInt32LE(400, 60);
    expect(() => parseIdBothDirectory(b)).toThrow(/runs outside/);
  });
  test("a NextEntryOffset pointing before the entry's own end is refused", () => {
    const b = Buffer.alloc(2 * 112);
    b.writeUInt32LE(8, 0); // next inside this entry
    b.writeUInt32LE(2, 60);
    expect(() => parseIdBothDirectory(b)).toThrow(/runs outside/);
  });
});
