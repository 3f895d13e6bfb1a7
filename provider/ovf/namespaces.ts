/** Namespace URIs used in OVF descriptors; elements and attributes are matched by these, never by prefix. */
export const OVF_NS = {
  /** OVF 1.x envelope. */
  envelope1: "http://schemas.dmtf.org/ovf/envelope/1",
  /** OVF 2.x envelope. */
  envelope2: "http://schemas.dmtf.org/ovf/envelope/2",
  rasd: "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData",
  vssd: "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData",
  /** OVF 2.x `EthernetPortItem` children. */
  epasd: "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData",
  /** OVF 2.x `StorageItem` children. */
  sasd: "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_StorageAllocationSettingData",
  vmw: "http://www.vmware.com/schema/ovf",
} as const;

export const ENVELOPE_NAMESPACES: readonly string[] = [OVF_NS.envelope1, OVF_NS.envelope2];

/** Namespaces of the settings children of `Item`, `EthernetPortItem` and `StorageItem`. */
export const SETTINGS_NAMESPACES: readonly string[] = [OVF_NS.rasd, OVF_NS.epasd, OVF_NS.sasd];
