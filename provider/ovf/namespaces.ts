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

/** The pre-1.0 draft envelope (OVF 0.9, 2007–2008 samples): not an OVF 1.x/2.x descriptor. */
export const DRAFT_ENVELOPE_NS = "http://schemas.dmtf.org/ovf/envelope";

const KNOWN: ReadonlySet<string> = new Set(Object.values(OVF_NS));

/**
 * The namespace a descriptor means. VirtualBox's OVF 2.0 export declares the CIM namespaces with
 * the schema file's name (`.../CIM_StorageAllocationSettingData.xsd`); ovftool and vSphere read
 * those as the namespace itself, so a known URI with a trailing `.xsd` is taken as that URI.
 */
export function canonicalNamespace(uri: string): string {
  if (!uri.endsWith(".xsd")) return uri;
  const bare = uri.slice(0, -4);
  return KNOWN.has(bare) ? bare : uri;
}
