/** Thrown when a descriptor cannot be read as an OVF descriptor (malformed XML, a missing required part). */
export class OvfFormatError extends Error {
  /** Where in the descriptor, e.g. `DiskSection/Disk[vmdisk1]@ovf:capacity`; "" for the whole document. */
  readonly where: string;
  constructor(where: string, message: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = "OvfFormatError";
    this.where = where;
  }
}
