/** The part of sax 1.6 (no bundled types) the streaming XML parser uses. */
declare module "sax" {
  export interface QualifiedAttribute {
    name: string;
    value: string;
    prefix: string;
    local: string;
    uri: string;
  }
  export interface QualifiedTag {
    name: string;
    prefix: string;
    local: string;
    uri: string;
    attributes: Record<string, QualifiedAttribute>;
    isSelfClosing: boolean;
  }
  export interface SAXOptions {
    xmlns?: boolean;
    trim?: boolean;
    normalize?: boolean;
    position?: boolean;
  }
  export class SAXParser {
    constructor(strict: boolean, opt?: SAXOptions);
    onerror: (err: Error) => void;
    ondoctype: (doctype: string) => void;
    onopentag: (tag: QualifiedTag) => void;
    onclosetag: (name: string) => void;
    ontext: (text: string) => void;
    oncdata: (cdata: string) => void;
    write(chunk: string): this;
    close(): this;
  }
}
