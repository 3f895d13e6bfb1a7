export * from "./xml";
export * from "./envelope";
export * from "./errors";
export * from "./cookies";
export * from "./tls";
export * from "./transport";
export * from "./download";
export * from "./sleep";
