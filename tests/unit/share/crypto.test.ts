import { md4 } from "../../../provider/share/smb/md4";
import { rc4 } from "../../../provider/share/smb/rc4";
import { aesCmac } from "../../../provider/share/smb/cmac";
import { smb3Kdf, cstr } from "../../../provider/share/smb/kdf";

const hex = (b: Buffer): string => b.toString("hex");
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("crypto primitives (vectors from the reference)", () => {
  test("MD4", () => {
    expect(hex(md4(Buffer.alloc(0)))).toBe("31d6cfe0d16ae931b73c59d7e0c089c0");
    expect(hex(md4(Buffer.from("abc")))).toBe("a448017aaf21d8525fc10ae87aa6729d");
    expect(hex(md4(Buffer.from("Password", "utf16le")))).toBe("a4f49c406510bdcab6824ee7c30fd852");
    // Crosses the 56-byte padding boundary and spans two blocks.
    expect(hex(md4(Buffer.from("12345678901234567890123456789012345678901234567890123456789012345678901234567890")))).toBe(
      "e33b4ddc9c38f2199c3e7b164fcc0536",
    );
  });
  test("RC4", () => {
    expect(hex(rc4(Buffer.from("Key"), Buffer.from("Plaintext")))).toBe("bbf316e8d940af0ad3");
  });
  test("AES-CMAC (RFC 4493)", () => {
    const k = h("2b7e151628aed2a6abf7158809cf4f3c");
    expect(hex(aesCmac(k, Buffer.alloc(0)))).toBe("bb1d6929e95937287fa37d129b756746");
    expect(hex(aesCmac(k, h("6bc1bee22e409f96e93d7e117393172a")))).toBe("070a16b46b4d4144f79bdd9dd04a287c");
    expect(hex(aesCmac(k, h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411")))).toBe(
      "dfa66747de9ae63030ca32611497c827",
    );
    const m64 = h(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
    );
    expect(hex(aesCmac(k, m64))).toBe("51f0bebf7e3b9d92fc49741779363cfe");
    expect(hex(aesCmac(k, m64.subarray(0, 10), m64.subarray(10)))).toBe("51f0bebf7e3b9d92fc49741779363cfe");
  });
  test("SMB 3.0 key derivation (Samba-confirmed vectors)", () => {
    const sk = h("8cc0357c9269315f78870271e4605adc");
    expect(hex(smb3Kdf(sk, cstr("SMB2AESCMAC"), cstr("SmbSign"), 128))).toBe("0e9d61822a4ef270e7b0b24dbd5c127b");
    expect(hex(smb3Kdf(sk, cstr("SMB2APP"), cstr("SmbRpc"), 128))).toBe("bf9563a25c61c7288549fb319c6e8d9c");
    expect(hex(smb3Kdf(sk, cstr("SMB2AESCCM"), cstr("ServerIn "), 128))).toBe("9d0ca73ba05bf25eef9bedd427b68392");
    expect(hex(smb3Kdf(sk, cstr("SMB2AESCCM"), cstr("ServerOut"), 128))).toBe("390a82620ade4baf3ab0e019ac895a4a");
  });
  test("SMB 3.1.1 key derivation (Samba-confirmed vectors)", () => {
    const sk = h("8df4c716a284c718c3f08aae59546733");
    const ph = h(
      "d063f449104287fb463fc47b35b80912a962a6e50c00e62e58dd3d3f63edc14e4f9ff98550c1a1138c78a05ddacdbd73a2241719546016b04a48210c20f86c3d",
    );
    expect(hex(smb3Kdf(sk, cstr("SMBSigningKey"), ph, 128))).toBe("8a975c26e4313bdc5f21a1b371168a96");
    expect(hex(smb3Kdf(sk, cstr("SMBAppKey"), ph, 128))).toBe("74500138fd68cb5c3001310aa6fc22a3");
    expect(hex(smb3Kdf(sk, cstr("SMBC2SCipherKey"), ph, 256))).toBe(
      "819c96e8f19b408317ac4d01a18ba464f4143c98283ee56b75796809b7367c2f",
    );
    expect(hex(smb3Kdf(sk, cstr("SMBS2CCipherKey"), ph, 256))).toBe(
      "f9cae0c57948186235279709ee947b18f44936fadb757352dd69e7d6a219d46d",
    );
  });
});
