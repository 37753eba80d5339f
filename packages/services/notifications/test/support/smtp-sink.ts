import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { eventually } from '@polyshop/testing';

/**
 * A real SMTP server in this process (the `smtp-server` package) on 127.0.0.1 and a random port:
 * every message it accepts is parsed with `mailparser` and kept. Recipients in `rejected` get a
 * permanent 550 at RCPT TO.
 */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  readonly rejected = new Set<string>();
  readonly #server: SMTPServer;
  #port = 0;

  private constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.rejected.has(address.address.toLowerCase())) {
          const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
          callback(error);
          return;
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.messages.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  /** Listens on `port` (default: a random free one). */
  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve, reject) => {
      sink.#server.once('error', reject);
      sink.#server.listen(port, '127.0.0.1', () => resolve());
    });
    sink.#port = (sink.#server.server.address() as AddressInfo).port;
    return sink;
  }

  get port(): number {
    return this.#port;
  }

  /** `smtp://127.0.0.1:<port>` for `SMTP_URL`. */
  get url(): string {
    return `smtp://127.0.0.1:${this.#port}`;
  }

  /** Messages to an address. */
  to(address: string): ParsedMail[] {
    return this.messages.filter((mail) => recipients(mail).includes(address.toLowerCase()));
  }

  /** Waits for a message matching `predicate` and returns it. */
  waitFor(predicate: (mail: ParsedMail) => boolean, what = 'a matching email'): Promise<ParsedMail> {
    return eventually(() => this.messages.find(predicate), { message: what });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Lower-cased recipient addresses of a parsed message. */
export function recipients(mail: ParsedMail): string[] {
  const to = mail.to === undefined ? [] : Array.isArray(mail.to) ? mail.to : [mail.to];
  return to.flatMap((group) => group.value.map((a) => (a.address ?? '').toLowerCase()));
}
