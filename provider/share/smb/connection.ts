/**
 * One TCP connection to an SMB2/3 server: framing, MessageIds and credits, the pending-request
 * map (responses are matched by MessageId, never by order), interim STATUS_PENDING handling,
 * and the per-session signing and encryption applied on the way out and checked on the way in.
 */
import * as net from "net";
import { Command, COMMAND_NAMES, Dialect, Flags, Status, UNSOLICITED_MESSAGE_ID } from "./constants";
import { SmbConnectionError, SmbProtocolError } from "./errors";
import { FrameReader, HEADER_SIZE, joinPieces, PROTOCOL_ID, readHeader, Smb2Header, splitCompound, TRANSFORM_ID, writeHeader } from "./header";
import { decryptPieces, encryptMessage, NonceSource, transformSessionId } from "./encryption";
import { SigningAlgorithm, signMessage, verifyMessage } from "./signing";
import { SlabPool } from "./slabs";
import { smbTracing, traceSmbFailure, traceSmbReply, traceSmbRequest } from "./trace";

/** Keys and policy of the (single) session on this connection. */
export interface SessionSecurity {
  sessionId: bigint;
  signingAlgorithm: SigningAlgorithm;
  signingKey?: Buffer;
  /** Sign every request (server or client requires signing, or we chose to). */
  signAll: boolean;
  /** Unsigned responses are errors. */
  signingRequired: boolean;
  cipher?: number;
  encryptionKey?: Buffer;
  decryptionKey?: Buffer;
  /** The session requires encryption of every request (SessionFlags ENCRYPT_DATA). */
  encryptAll: boolean;
  nonces: NonceSource;
}

export interface SmbRequest {
  command: number;
  /** Body: fixed part plus variable part. */
  body: Buffer;
  /**
   * Appended after body (WRITE data), one buffer or several pieces, never joined: signed, the
   * signature runs over the pieces; unencrypted, they go to the socket as they are. Leave them
   * unchanged until the request settles.
   */
  data?: Buffer | readonly Buffer[];
  treeId?: number;
  /** SessionId to put in the header (default: the installed session's). */
  sessionId?: bigint;
  /** Bytes sent or expected back, for CreditCharge (2.1+). */
  payloadSize?: number;
  /** Force signing on/off (default: per session policy). */
  sign?: boolean;
  /** Encrypt this request (default: per session policy). */
  encrypt?: boolean;
  /** Called with the exact SMB2 message before it is signed/encrypted and sent (preauth hash). */
  onBuilt?: (message: Buffer) => void;
  /** Called when the request has been given its MessageId (for CANCEL). */
  onMessageId?: (id: bigint) => void;
  /**
   * A READ whose reply's memory the caller gives back (SmbResponse.release) once done with its
   * data, to be reused for later reads.
   */
  lend?: boolean;
}

export interface SmbResponse {
  header: Smb2Header;
  /** The body (after the 64-byte header). */
  body: Buffer;
  /**
   * The SMB2 message (header + body), as received/decrypted; for a READ response that arrived
   * in pieces, its first piece, the rest in `rest`.
   */
  raw: Buffer;
  /** The message's bytes after raw (a READ response's data, not joined); see readData. */
  rest?: Buffer[];
  encrypted: boolean;
  /**
   * Set for a lent request (SmbRequest.lend): call it once the reply's bytes are no longer
   * needed; they are overwritten by later reads after it. Not calling it only costs memory.
   */
  release?: () => void;
}

interface Pending {
  resolve: (r: SmbResponse) => void;
  reject: (e: Error) => void;
  command: number;
  creditRequest: number;
  granted: boolean;
  asyncId?: bigint;
  timer?: NodeJS.Timeout;
  /** The overall deadline: interim replies never push it back. */
  deadline?: NodeJS.Timeout;
  /** The SessionId the request carried: its reply must carry the same (but a first SESSION_SETUP's). */
  sessionId: bigint;
  encrypted: boolean;
  signed: boolean;
  lend: boolean;
  /** When the request left, if the wire trace is on. */
  tracedAt?: number;
}

interface CreditWaiter {
  need: number;
  go: () => void;
  fail: (e: Error) => void;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Give up connecting after this long (ms). */
  connectTimeoutMs?: number;
  /** A request with no response (not even an interim one) for this long fails the connection (ms). */
  requestTimeoutMs?: number;
  /** A request without its final response this long after it was sent fails the connection, however many interim replies came (ms, default 600000). */
  requestDeadlineMs?: number;
}

/**
 * Credits we try to hold: 8 x 1 MiB in flight (16 credits each) on each of several streams at
 * once (disks exported in parallel, a read beside a write) without waiting for grants.
 */
const CREDIT_TARGET = 2048;
/** Messages up to this size are copied out of the socket's slabs (every reply but a large READ's). */
const SMALL_MESSAGE = 64 * 1024;
const noRelease = (): void => undefined;

export class SmbConnection {
  readonly host: string;
  readonly port: number;
  dialect = 0;
  /** Whether the server granted LARGE_MTU (multi-credit requests). */
  largeMtu = false;
  session?: SessionSecurity;
  /** Counters for tests and diagnostics. */
  readonly stats = { requests: 0, interimResponses: 0, maxInFlight: 0, encryptedResponses: 0, signedResponsesVerified: 0 };

  private socket?: net.Socket;
  private readonly reader = new FrameReader();
  private readonly slabs = new SlabPool();
  private nextMessageId = 0n;
  private credits = 1;
  private outstandingRequests = 0n;
  private readonly pending = new Map<bigint, Pending>();
  private readonly creditWaiters: CreditWaiter[] = [];
  private failure?: Error;
  private creditProbes = 0;
  private readonly requestTimeoutMs: number;
  private readonly requestDeadlineMs: number;
  private readonly connectTimeoutMs: number;

  constructor(opts: ConnectionOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 120_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.requestDeadlineMs = opts.requestDeadlineMs ?? 600_000;
  }

  /** Socket read memory: slabs allocated, reused and left to the garbage collector (tests, diagnostics). */
  get slabStats(): Readonly<SlabPool["stats"]> {
    return this.slabs.stats;
  }

  get where(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Reads land in our own slabs, reused once done with (see slabs.ts), not in fresh buffers.
      const socket = net.connect({
        host: this.host, port: this.port, noDelay: true,
        onread: { buffer: () => this.slabs.nextBuffer(), callback: (n: number) => (this.onData(this.slabs.filled(n)), true) },
      });
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SmbConnectionError(`SMB: could not connect to ${this.where} within ${this.connectTimeoutMs} ms: check the host and port and that the server is reachable`, "ETIMEDOUT"));
      }, this.connectTimeoutMs);
      let connected = false;
      socket.once("connect", () => {
        connected = true;
        clearTimeout(timer);
        // An idle connection does not keep the process alive (the session pool logs off at exit);
        // a request in flight does (see dispatch).
        socket.unref();
        resolve();
      });
      socket.on("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A reset after the connection was up is the same loss as a close, and is said the same way.
        const e = connected
          ? new SmbConnectionError(`SMB: connection to ${this.where} was lost (${err.code ?? err.message}: the server or the network dropped it)`, err.code ?? "ECONNRESET")
          : new SmbConnectionError(`SMB: connection to ${this.where} failed: ${err.code ?? err.message}; check that the server is running and reachable`, err.code ?? "ECONNRESET");
        reject(e);
        this.fail(e);
      });
      socket.on("close", () => {
        clearTimeout(timer);
        this.fail(new SmbConnectionError(`SMB: connection to ${this.where} was lost (closed by the server or the network)`));
      });
    });
  }

  /** Closes the socket; pending requests fail. */
  close(): void {
    this.fail(new SmbConnectionError(`SMB: connection to ${this.where} was closed by the client`, "ECONNABORTED"));
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.slabs.close();
    if (smbTracing()) traceSmbFailure(this.where, err.message); // wire trace (APPLAYERING_DEBUG)
    this.socket?.destroy();
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      if (p.deadline) clearTimeout(p.deadline);
      p.reject(err);
    }
    this.pending.clear();
    for (const w of this.creditWaiters.splice(0)) w.fail(err);
  }

  /** CreditCharge for a payload: 1 per 64 KiB on 2.1+ (0 on the wire for 2.0.2). */
  creditCharge(payloadSize: number): number {
    if (this.dialect === Dialect.SMB202 || !this.largeMtu) return 1;
    return Math.max(1, Math.ceil(payloadSize / 65536));
  }

  /** Sends a request and resolves with its final response, whatever its status. */
  request(req: SmbRequest): Promise<SmbResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const charge = this.creditCharge(req.payloadSize ?? 0);
    if (this.creditWaiters.length === 0 && this.credits >= charge) {
      this.credits -= charge;
      return this.dispatch(req, charge);
    }
    // Dispatch synchronously once credits allow, so the pending map never looks idle meanwhile.
    // Keep our own copy while waiting, so a caller's buffer is not held for an unknown time.
    const queued = req.data ? { ...req, data: Buffer.concat(Buffer.isBuffer(req.data) ? [req.data] : req.data) } : req;
    return new Promise((resolve, reject) => {
      this.creditWaiters.push({ need: charge, go: () => this.dispatch(queued, charge).then(resolve, reject), fail: reject });
      this.pumpCredits();
    });
  }

  private pumpCredits(): void {
    while (this.creditWaiters.length > 0 && this.credits >= this.creditWaiters[0].need) {
      const w = this.creditWaiters.shift() as CreditWaiter;
      this.credits -= w.need;
      w.go();
    }
    if (this.creditWaiters.length > 0 && this.pending.size === 0) {
      // Nothing in flight can bring more credits. Ask with a cheap ECHO (it requests our target);
      // give up only if the server keeps granting too little.
      if (this.credits >= 1 && this.creditProbes < 3) {
        this.creditProbes++;
        this.credits -= 1;
        this.dispatch({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) }, 1).catch(() => undefined);
        return;
      }
      this.fail(new SmbProtocolError(`SMB: the server at ${this.where} granted too few credits to continue (have ${this.credits}, need ${this.creditWaiters[0].need})`));
    } else if (this.creditWaiters.length === 0) {
      this.creditProbes = 0;
    }
  }

  private dispatch(req: SmbRequest, charge: number): Promise<SmbResponse> {
    const messageId = this.nextMessageId;
    this.nextMessageId += BigInt(charge);
    const s = this.session;
    const expected = this.credits + Number(this.outstandingRequests);
    const creditRequest = Math.max(1, Math.min(8192, CREDIT_TARGET - expected));
    this.outstandingRequests += BigInt(creditRequest);

    const inSession = s !== undefined && req.command !== Command.NEGOTIATE;
    const encrypt = inSession && s.encryptionKey !== undefined && (req.encrypt ?? s.encryptAll);
    const sign = !encrypt && inSession && s.signingKey !== undefined && (req.sign ?? s.signAll);
    const sessionId = req.sessionId ?? (inSession ? s.sessionId : 0n);

    // A WRITE's data goes to the socket as the caller's pieces, never copied into the message
    // (a 1 MiB copy per request into fresh memory cost the export as much as a hash of the disk):
    // signing runs over the pieces, GCM encrypts them one by one. Only a caller that must see
    // the exact message (onBuilt) gets it joined.
    const pieces: readonly Buffer[] = req.data === undefined ? [] : Buffer.isBuffer(req.data) ? [req.data] : req.data;
    const joined = req.onBuilt !== undefined;
    const dataLen = pieces.reduce((n, d) => n + d.length, 0);
    const msg = Buffer.allocUnsafe(HEADER_SIZE + req.body.length + (joined ? dataLen : 0));
    writeHeader(msg, 0, {
      command: req.command,
      status: 0,
      creditCharge: this.dialect === Dialect.SMB202 || req.command === Command.NEGOTIATE ? 0 : charge,
      credits: creditRequest,
      flags: 0,
      nextCommand: 0,
      messageId,
      asyncId: 0n,
      treeId: req.treeId ?? 0,
      sessionId,
    });
    req.body.copy(msg, HEADER_SIZE);
    if (joined) {
      let at = HEADER_SIZE + req.body.length;
      for (const d of pieces) at += d.copy(msg, at);
    }
    req.onBuilt?.(msg);
    req.onMessageId?.(messageId);
    // Wire trace (APPLAYERING_DEBUG): header fields and file ids of the plain message, before signing.
    const tracedAt = smbTracing() ? (traceSmbRequest(this.where, req.command, messageId, req.treeId ?? 0, sessionId, msg), Date.now()) : undefined;
    let tail: readonly Buffer[] = joined ? [] : pieces;
    if (sign && s?.signingKey) signMessage(s.signingAlgorithm, s.signingKey, msg, tail);

    let payload: Buffer = msg;
    if (encrypt && s?.encryptionKey && s.cipher) {
      payload = encryptMessage(s.cipher, s.encryptionKey, s.sessionId, s.nonces.next(s.cipher), msg, tail);
      tail = [];
    }
    const frame = Buffer.allocUnsafe(4);
    frame.writeUInt32BE(payload.length + tail.reduce((n, d) => n + d.length, 0));

    return new Promise<SmbResponse>((resolve, reject) => {
      const p: Pending = { resolve, reject, command: req.command, creditRequest, granted: false, sessionId, encrypted: encrypt, signed: sign, lend: req.lend === true, tracedAt };
      this.pending.set(messageId, p);
      if (this.pending.size === 1) this.socket?.ref();
      this.stats.requests++;
      if (this.pending.size > this.stats.maxInFlight) this.stats.maxInFlight = this.pending.size;
      this.armTimer(messageId, p);
      const deadlineMs = this.requestDeadlineMs;
      p.deadline = setTimeout(() => {
        this.fail(new SmbConnectionError(`SMB: ${this.where} did not complete ${COMMAND_NAMES[p.command] ?? p.command} (message ${messageId}) within its deadline of ${deadlineMs / 1000} s (interim replies do not extend it); the server may be hung or overloaded (requestDeadlineMs)`, "ETIMEDOUT"));
      }, deadlineMs);
      p.deadline.unref?.();
      // Separate writes: the socket gathers them (one writev); copying the data once more would cost.
      this.socket?.cork();
      this.socket?.write(frame);
      this.socket?.write(payload);
      for (const d of tail) this.socket?.write(d);
      this.socket?.uncork();
    });
  }

  /** Sends CANCEL for a pending request (no response of its own; the request completes). */
  cancel(messageId: bigint): void {
    const p = this.pending.get(messageId);
    if (!p || this.failure) return;
    const s = this.session;
    const async = p.asyncId !== undefined;
    const msg = Buffer.alloc(HEADER_SIZE + 4);
    writeHeader(msg, 0, {
      command: Command.CANCEL, status: 0, creditCharge: 0, credits: 0,
      flags: async ? Flags.ASYNC_COMMAND : 0, nextCommand: 0, messageId,
      asyncId: p.asyncId ?? 0n, treeId: 0, sessionId: s?.sessionId ?? 0n,
    });
    msg.writeUInt16LE(4, HEADER_SIZE);
    let payload: Buffer = msg;
    if (p.encrypted && s?.encryptionKey && s.cipher) {
      payload = encryptMessage(s.cipher, s.encryptionKey, s.sessionId, s.nonces.next(s.cipher), msg);
    } else if (p.signed && s?.signingKey) {
      signMessage(s.signingAlgorithm, s.signingKey, msg);
    }
    const frame = Buffer.allocUnsafe(4);
    frame.writeUInt32BE(payload.length);
    this.socket?.write(Buffer.concat([frame, payload]));
  }

  private armTimer(id: bigint, p: Pending, ms = this.requestTimeoutMs): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.fail(new SmbConnectionError(`SMB: no response from ${this.where} to ${COMMAND_NAMES[p.command] ?? p.command} (message ${id}) within ${ms / 1000} s; the server may be hung or unreachable`, "ETIMEDOUT"));
    }, ms);
    p.timer.unref?.();
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    try {
      for (const frame of this.reader.push(chunk)) this.onFrame(frame);
      this.slabs.consumedUpTo(this.reader.buffered);
    } catch (e) {
      this.fail(e instanceof Error ? e : new SmbProtocolError(String(e)));
    }
  }

  private onFrame(frame: Buffer | Buffer[]): void {
    let pieces = Array.isArray(frame) ? frame : [frame];
    if (pieces[0].length < 4) pieces = [joinPieces(pieces)];
    if (pieces[0].length < 4) throw new SmbProtocolError(`SMB: short frame from ${this.where}`);
    const magic = pieces[0].readUInt32LE(0);
    let encrypted = false;
    if (magic === TRANSFORM_ID) {
      const s = this.session;
      if (pieces[0].length < 52) pieces = [joinPieces(pieces)];
      if (!s || !s.decryptionKey || !s.cipher || transformSessionId(pieces[0]) !== s.sessionId) {
        throw new SmbProtocolError(`SMB: ${this.where} sent an encrypted message for a session we have no keys for`);
      }
      pieces = decryptPieces(s.cipher, s.decryptionKey, pieces);
      encrypted = true;
      this.stats.encryptedResponses++;
    } else if (magic !== PROTOCOL_ID) {
      throw new SmbProtocolError(`SMB: ${this.where} sent a message that is not SMB2 (compressed or SMB1?)`);
    }
    // A lone READ response stays in its pieces: its data goes to the reader without a join.
    const head = pieces[0];
    const size = pieces.reduce((n, x) => n + x.length, 0);
    const loneRead = head.length >= HEADER_SIZE + 16 && head.readUInt32LE(0) === PROTOCOL_ID && head.readUInt32LE(20) === 0 && head.readUInt16LE(12) === Command.READ;
    let release: (() => void) | undefined;
    if (!encrypted && this.slabs.owns(head)) {
      // Still in the socket's slabs (decrypted bytes are fresh memory). A final READ reply to a
      // lent request holds its slabs until released; a small message is copied out, so whatever
      // its reader keeps (a FileId) never pins a slab; anything else keeps its slabs for good.
      if (loneRead && head.readUInt32LE(8) !== Status.PENDING && this.pending.get(head.readBigUInt64LE(24))?.lend) release = this.slabs.lend(pieces);
      else if (size <= SMALL_MESSAGE) pieces = [Buffer.concat(pieces, size)];
      else this.slabs.taint(pieces);
    }
    if (loneRead && pieces.length > 1) {
      if (!this.onMessage(pieces[0], encrypted, pieces.slice(1), release)) release?.();
      return;
    }
    for (const raw of splitCompound(joinPieces(pieces))) {
      if (!this.onMessage(raw, encrypted, undefined, release)) release?.();
    }
  }

  /** Whether the message was delivered to a waiting request (its release, if any, passed on). */
  private onMessage(raw: Buffer, encrypted: boolean, rest?: Buffer[], release?: () => void): boolean {
    const header = readHeader(raw);
    if (header.messageId === UNSOLICITED_MESSAGE_ID) return false; // oplock/lease break: we never ask for oplocks
    const p = this.pending.get(header.messageId);
    if (!p) return false; // late reply to something already failed/cancelled; nothing waits for it

    if (!p.granted) {
      p.granted = true;
      this.outstandingRequests -= BigInt(p.creditRequest);
    }
    this.credits += header.credits;

    const isInterim = header.status === Status.PENDING && (header.flags & Flags.ASYNC_COMMAND) !== 0;
    if (isInterim) {
      // The operation went async: its credits come now, the real answer later (never signed).
      p.asyncId = header.asyncId;
      this.stats.interimResponses++;
      // The server has taken the request on; slow storage may keep it busy well past the usual limit.
      this.armTimer(header.messageId, p, this.requestTimeoutMs * 5);
      this.pumpCredits();
      return false;
    }

    this.checkReply(p, header, raw, encrypted, rest);
    if (p.tracedAt !== undefined) traceSmbReply(this.where, header, raw.subarray(HEADER_SIZE), Date.now() - p.tracedAt); // wire trace

    if (p.timer) clearTimeout(p.timer);
    if (p.deadline) clearTimeout(p.deadline);
    this.pending.delete(header.messageId);
    if (this.pending.size === 0) this.socket?.unref();
    this.pumpCredits();
    p.resolve({ header, body: raw.subarray(HEADER_SIZE), raw, rest, encrypted, release: p.lend ? (release ?? noRelease) : undefined });
    return true;
  }

  /**
   * The one place a final reply is judged before anyone sees it (MS-SMB2 3.2.5.1). It must answer
   * the request's command for the request's session; once the session encrypts, it must have
   * come encrypted; once it signs, it must carry a valid signature, except what MS-SMB2 exempts
   * (interim replies, handled before; NEGOTIATE; a failed SESSION_SETUP). Anything else is a
   * forgery or a broken server: the connection is dropped (the caller's throw fails it).
   */
  private checkReply(p: Pending, header: Smb2Header, raw: Buffer, encrypted: boolean, rest?: Buffer[]): void {
    const name = COMMAND_NAMES[header.command] ?? String(header.command);
    if (header.command !== p.command) {
      throw new SmbProtocolError(`SMB: ${this.where} answered a ${COMMAND_NAMES[p.command] ?? p.command} request with a ${name} reply (message ${header.messageId}); dropping the connection`);
    }
    if (p.command === Command.NEGOTIATE) return;
    const firstSetup = p.command === Command.SESSION_SETUP && p.sessionId === 0n;
    if (!firstSetup && header.sessionId !== p.sessionId) {
      throw new SmbProtocolError(`SMB: ${this.where} sent a ${name} reply for session 0x${header.sessionId.toString(16)}, not the request's session 0x${p.sessionId.toString(16)}: a forged or misrouted reply; dropping the connection`);
    }
    const s = this.session;
    if (!s || s.sessionId !== p.sessionId) return; // no session keys yet (the first SESSION_SETUP rounds)
    if (!encrypted && (p.encrypted || s.encryptAll)) {
      throw new SmbProtocolError(`SMB: ${this.where} sent an unencrypted ${name} reply on a session that encrypts: refused (a man in the middle may have stripped the encryption); dropping the connection`);
    }
    if (encrypted || !s.signingKey) return; // the cipher authenticates an encrypted reply
    // A failed SESSION_SETUP is judged by its status alone: impacket signs a logon failure with a
    // key derived from the wrong password, which must read as the logon failure it is.
    const exempt = header.command === Command.SESSION_SETUP && header.status !== Status.SUCCESS;
    if (exempt) return;
    if (header.flags & Flags.SIGNED) {
      if (!verifyMessage(s.signingAlgorithm, s.signingKey, raw, rest)) {
        throw new SmbProtocolError(`SMB: the signature of a ${name} response from ${this.where} is wrong: the message was altered or the keys disagree (a downgraded NEGOTIATE also shows this way); dropping the connection`);
      }
      this.stats.signedResponsesVerified++;
      return;
    }
    // A session gone on the server cannot be signed for; it can only fail the call, never forge data.
    if (s.signingRequired && header.status !== Status.USER_SESSION_DELETED) {
      throw new SmbProtocolError(`SMB: ${this.where} sent an unsigned ${name} response on a session that requires signing: refused; dropping the connection`);
    }
  }
}
