import { explain } from "../../../provider/errorHints";
import { SoapFaultError, parseEnvelope } from "../../../provider/soap";
import {
  InvalidLoginError,
  InvalidPowerStateError,
  InvalidStateError,
  ManagedObjectNotFoundError,
  NotAuthenticatedError,
  VimFault,
  fromLocalizedFault,
  toVimFault,
} from "../../../provider/vsphere";

async function faultOf(xml: string): Promise<unknown> {
  const env = await parseEnvelope(xml);
  const f = env.fault!;
  return toVimFault(new SoapFaultError(f.code, f.message, f.detail, "https://vc/sdk", 500), "PowerOnVM_Task on VirtualMachine:vm-1 at vc");
}

const vcsimFault = (detail: string, msg = "") =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${msg}</faultstring><detail>${detail}</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;

describe("vim faults", () => {
  it("types vcsim's InvalidPowerState (invented xsi prefix) with its states", async () => {
    const err = await faultOf(
      vcsimFault(`<InvalidPowerStateFault xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="InvalidPowerState" xmlns="urn:vim25"><requestedState>poweredOff</requestedState><existingState>poweredOn</existingState></InvalidPowerStateFault>`),
    );
    expect(err).toBeInstanceOf(InvalidPowerStateError);
    expect(err).toBeInstanceOf(InvalidStateError);
    expect(err).toBeInstanceOf(VimFault);
    expect((err as InvalidPowerStateError).existingState).toBe("poweredOn");
    expect((err as Error).message).toMatch(/PowerOnVM_Task on VirtualMachine:vm-1 .*InvalidPowerState.*poweredOn/);
  });

  it("types vCenter's InvalidLogin (xsi prefix, other envelope prefix) with advice", async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><soap:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soap:Fault></soap:Body></soap:Envelope>`;
    const err = await faultOf(xml);
    expect(err).toBeInstanceOf(InvalidLoginError);
    expect((err as Error).message).toMatch(/incorrect user name or password.*check the vSphere user and password/);
    // The settings to fix come from errorHints, by kind and peer.
    expect(err).toMatchObject({ kind: "auth", peer: "vsphere" });
    expect(explain(err as Error).message).toMatch(/incorrect user name or password.*VSPHERE_PASSWORD/);
  });

  it("types ManagedObjectNotFound with the object and NotAuthenticated", async () => {
    const err = await faultOf(vcsimFault(`<ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-9999</obj></ManagedObjectNotFoundFault>`, "managed object not found: VirtualMachine:vm-9999"));
    expect(err).toBeInstanceOf(ManagedObjectNotFoundError);
    expect((err as ManagedObjectNotFoundError).obj).toEqual({ type: "VirtualMachine", value: "vm-9999" });
    const na = await faultOf(vcsimFault(`<NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="ServiceInstance">ServiceInstance</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault>`));
    expect(na).toBeInstanceOf(NotAuthenticatedError);
  });

  it("keeps unknown fault types as a generic VimFault", async () => {
    const err = await faultOf(vcsimFault(`<NoPermissionFault xmlns="urn:vim25" xsi:type="NoPermission"><privilegeId>VirtualMachine.Provisioning.Clone</privilegeId></NoPermissionFault>`));
    expect(err).toBeInstanceOf(VimFault);
    expect((err as VimFault).faultType).toBe("NoPermission");
    expect((err as Error).message).toMatch(/grant the vSphere user/);
  });

  it("turns a task's LocalizedMethodFault into a typed error with the localized message", () => {
    const err = fromLocalizedFault(
      { $type: "LocalizedMethodFault", fault: { $type: "InvalidPowerState", existingState: "poweredOn", requestedState: "poweredOff" }, localizedMessage: "The attempted operation cannot be performed in the current state (Powered on)." },
      "destroying DC0/vm/web01",
    );
    expect(err).toBeInstanceOf(InvalidPowerStateError);
    expect(err.message).toContain("The attempted operation cannot be performed in the current state (Powered on).");
    expect(err.message).toContain("destroying DC0/vm/web01");
  });

  it("does not show vcsim's Go type names as messages", () => {
    const err = fromLocalizedFault({ fault: { $type: "InvalidPowerState" }, localizedMessage: "*types.InvalidPowerState" }, "x");
    expect(err.message).not.toContain("*types.");
  });
});
