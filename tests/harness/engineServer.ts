/**
 * A stand-in for the engine's own gRPC service (pulumirpc.Engine), for the one call a provider
 * makes to it: Log. It records every message, so tests can see what `pulumi up` would show.
 */
import * as grpc from "@grpc/grpc-js";

const services = require("@pulumi/pulumi/proto/engine_grpc_pb");
const empty = require("google-protobuf/google/protobuf/empty_pb");

export interface EngineLogEntry {
  severity: number;
  message: string;
  urn: string;
}

interface LogRequestMessage {
  getSeverity(): number;
  getMessage(): string;
  getUrn(): string;
}

export class EngineLogServer {
  readonly messages: EngineLogEntry[] = [];
  private readonly server = new grpc.Server();
  address = "";

  static async start(): Promise<EngineLogServer> {
    const s = new EngineLogServer();
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED });
    s.server.addService(services.EngineService, {
      log: (call: grpc.ServerUnaryCall<LogRequestMessage, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        s.messages.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
        cb(null, new empty.Empty());
      },
      getRootResource: unimplemented,
      setRootResource: unimplemented,
      startDebugging: unimplemented,
      requirePulumiVersion: unimplemented,
    });
    const port = await new Promise<number>((resolve, reject) =>
      s.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    s.address = `127.0.0.1:${port}`;
    return s;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
