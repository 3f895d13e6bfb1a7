/** Faults tests can inject into the simulated ELM. */
export interface InjectOptions {
  /** The next work ticket created ends in this state instead of succeeding. */
  failNextTicket?: "Failed" | "DoneWithErrors" | "Canceled";
  /** Invalidate every session now (the next call reports an invalid session). */
  expireSessions?: true;
  /** Answer the next n requests with HTTP 500 and a SOAP fault. */
  http500Next?: number;
  /** Answer the next n requests with HTTP 200 and truncated XML. */
  malformedNext?: number;
  /** Answer the next n requests with a well-formed reply nested 200 elements deep (a hostile or broken peer). */
  deepNext?: number;
  /** Delay every answer by this many ms (0 to stop). */
  delayMs?: number;
  /** Packaging machines that shut down leave their ticket in ActionRequired forever (false to stop). */
  hangInActionRequired?: boolean;
}

export interface TransportFaults {
  http500Next: number;
  malformedNext: number;
  deepNext?: number;
  delayMs: number;
}
