/** Publishes the events the order service recorded in its outbox (the outbox relay). */
export interface OrderEventRelay {
  /** Starts publishing in the background. */
  start(): void;
  /** Publishes soon: events were just recorded. */
  wake(): void;
  /** Stops publishing; resolves once the relay is idle. */
  stop(): Promise<void>;
}
