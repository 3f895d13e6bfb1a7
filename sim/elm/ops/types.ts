/** How an operation is declared: its wrapper element, the fields its result always carries, its handler. */
import type { XmlContent, XmlElement } from "../../../provider/soap";
import type { ElmWorld } from "../world";

export interface OpContext {
  world: ElmWorld;
  /** The logged-in user's name. */
  user: string;
}

export interface OpDef {
  /** `command`, `query` or `cmd`: the child of the operation element holding the input. */
  wrapper: "command" | "query" | "cmd" | null;
  /** Value-type fields present even when the result carries an Error (e.g. `WorkTicketId` 0). */
  errorFields?: XmlContent;
  /** Returns the result's fields (after Error/Warning). Throws SimElmError to refuse. */
  handle(ctx: OpContext, input: XmlElement | undefined): Promise<XmlContent> | XmlContent;
}
