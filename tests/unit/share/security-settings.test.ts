/** applayering:shareSigning / applayering:shareEncryption: defaults, env fallbacks, config precedence, bad values. */
import { ConfigError, setHostConfig, shareSecurity } from "../../../provider/config";

afterEach(() => setHostConfig(undefined));

test("signing is required and encryption automatic by default", () => {
  expect(shareSecurity({})).toEqual({ signing: "required", encryption: "auto" });
});

test("the APPLAYERING_SHARE_* variables are the fallbacks", () => {
  expect(shareSecurity({ APPLAYERING_SHARE_SIGNING: "optional", APPLAYERING_SHARE_ENCRYPTION: "required" })).toEqual({ signing: "optional", encryption: "required" });
  expect(shareSecurity({ APPLAYERING_SHARE_SIGNING: " Required " }).signing).toBe("required");
});

test("the stack configuration wins over the environment", () => {
  setHostConfig({ get: (k) => ({ "applayering:shareSigning": "optional", "applayering:shareEncryption": "required" })[k] });
  expect(shareSecurity({ APPLAYERING_SHARE_SIGNING: "required", APPLAYERING_SHARE_ENCRYPTION: "auto" })).toEqual({ signing: "optional", encryption: "required" });
});

test("a bad value names the setting, its variable and the allowed values", () => {
  expect(() => shareSecurity({ APPLAYERING_SHARE_SIGNING: "off" })).toThrow(ConfigError);
  expect(() => shareSecurity({ APPLAYERING_SHARE_SIGNING: "off" })).toThrow(/applayering:shareSigning \(or APPLAYERING_SHARE_SIGNING\) must be "required" or "optional", got "off"/);
  expect(() => shareSecurity({ APPLAYERING_SHARE_ENCRYPTION: "yes" })).toThrow(/applayering:shareEncryption .* must be "auto" or "required"/);
});
