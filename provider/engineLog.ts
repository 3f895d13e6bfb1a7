/**
 * Progress as engine log messages. The engine starts the dynamic-provider host as
 * `node …/dynamic-provider [flags] <engine address>`, but the host never dials that address; we do,
 * lazily, to send pulumirpc.Engine/Log messages, which the CLI shows with the update. Anything
 * wrong (no address, not reachable) silently falls back to stderr alone.
 */
import * as path from "node:path";

interface LogClient {
  log(req: unknown, cb: (err: Error | null) => void): void;
  close(): void;
}

interface EngineProto {
  LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void; setEphemeral(e: boolean): void };
  LogSeverity: { INFO: number; WARNING: number };
}

let client: LogClient | null | undefined;
let proto: EngineProto | undefined;

/** The engine address when this process is the dynamic-provider host, else undefined. */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  if (!argv[1] || !/dynamic-provider/.test(argv[1])) return undefined;
  const last = argv[argv.length - 1];
  return /^[\w.[\]:-]+:\d+$/.test(last) ? last : undefined;
}

function connect(): LogClient | null {
  const address = engineAddress();
  if (!address) return null;
  try {
    // The SDK's own gRPC stubs and gRPC library, as installed beside the user's @pulumi/pulumi.
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdk] }));
    const services = require(path.join(sdk, "proto", "engine_grpc_pb"));
    proto = require(path.join(sdk, "proto", "engine_pb")) as EngineProto;
    return new services.EngineClient(address, grpc.credentials.createInsecure()) as LogClient;
  } catch {
    return null;
  }
}

/** Sends one INFO (or WARNING) message to the engine, when there is one; never throws, never waits. */
export function engineLog(message: string, severity: "info" | "warning" = "info"): void {
  if (client === undefined) client = connect();
  if (!client || !proto) return;
  const req = new proto.LogRequest();
  req.setSeverity(severity === "warning" ? proto.LogSeverity.WARNING : proto.LogSeverity.INFO);
  req.setMessage(message);
  req.setEphemeral(false);
  client.log(req, () => undefined);
}
