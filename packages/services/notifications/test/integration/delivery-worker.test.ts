import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, systemClock } from '@polyshop/kernel';
import { createChannels, type ChannelSet } from '../../src/adapters/channels/create-channels.ts';
import { createNotification } from '../../src/app/create-notification.ts';
import { DeliveryWorker } from '../../src/app/delivery-worker.ts';
import { seedDefaultTemplates } from '../../src/app/manage-templates.ts';
import { loadNotificationsConfig } from '../../src/app/notifications-config.ts';
import type { NotificationRecord } from '../../src/domain/notification.ts';
import type { NotificationRepository } from '../../src/ports/notification-repository.ts';
import { eventually } from '@polyshop/testing';
import { repositoryTargets, type OpenedRepository } from '../support/repository-targets.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

/** Reads an object's member on `target` itself (its methods bound to it), `override` taking precedence. */
function overriding<T extends object>(target: T, override: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in override) return override[property as keyof T];
      const value: unknown = Reflect.get(object, property);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** `repository` recording delivery outcomes `delayMs` late (a store answering late). */
function withLateOutcomes(repository: NotificationRepository, delayMs: number): NotificationRepository {
  const { records } = repository;
  return overriding(repository, {
    records: overriding(records, {
      async updateChannel(...args) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return records.updateChannel(...args);
      },
    }),
  });
}

for (const target of repositoryTargets()) {
  describe(`${DeliveryWorker.name} on ${target.name}`, { skip: target.skip }, () => {
    let opened: OpenedRepository;
    let repository: NotificationRepository;
    before(async () => {
      opened = await target.open();
      repository = opened.repository;
      await seedDefaultTemplates(repository.templates, systemClock);
    });
    after(async () => {
      await opened?.close();
    });

    const channelsFor = (env: Record<string, string>) => createChannels(loadNotificationsConfig(env));
    const closeAll = (channels: ChannelSet) => Promise.all(Object.values(channels).map((c) => c.close()));

    function workerFor(
      channels: ChannelSet,
      options: {
        maxAttempts?: number;
        concurrencyPerChannel?: number;
        repository?: NotificationRepository;
      } = {},
    ) {
      return new DeliveryWorker({
        repository: options.repository ?? repository,
        channels,
        policy: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 30, maxDelayMs: 200 },
        clock: systemClock,
        logger: silentLogger(),
        pollIntervalMs: 50,
        concurrencyPerChannel: options.concurrencyPerChannel ?? 2,
        leaseMs: 400,
      });
    }

    async function welcome(channels: ChannelSet, email: string, phone?: string): Promise<NotificationRecord> {
      const record = await createNotification(
        { repository, channels, clock: systemClock },
        {
          type: 'welcome',
          recipient: { email, ...(phone ? { phone } : {}) },
          variables: { customerName: 'Ada' },
        },
        { strict: true },
      );
      return record!;
    }

    const stored = async (id: string) => (await repository.records.find(id))!;
    const emailOf = (record: NotificationRecord) => record.channels.find((c) => c.type === 'email')!;

    it('delivers a claim a crashed worker left behind once its lease lapses, without counting an attempt', async () => {
      const sink = await SmtpSink.start();
      const channels = channelsFor({ SMTP_URL: sink.url });
      const record = await welcome(channels, 'crashed@example.com');
      const now = new Date();
      const claimed = await repository.records.claimDue(now, new Date(now.getTime() + 300), 100, ['email']);
      assert.ok(
        claimed.some((c) => c.record.id === record.id),
        'the dead worker held the claim',
      );

      const worker = workerFor(channels);
      worker.start();
      try {
        await sink.waitFor(
          (m) => m.subject === 'Welcome to polyshop, Ada' && m.text?.includes('Dear Ada') === true,
          'the email after the lease lapsed',
        );
        const after = await eventually(
          async () => ((await stored(record.id)).status === 'sent' ? stored(record.id) : undefined),
          { message: 'the record marked sent' },
        );
        assert.equal(emailOf(after).attempts, 1);
        assert.equal(sink.to('crashed@example.com').length, 1);
      } finally {
        await worker.stop();
        await closeAll(channels);
        await sink.close();
      }
    });

    it('sends once when recording its outcome outlasts the lease: the attempt under way is not sent again', async () => {
      const sink = await SmtpSink.start();
      const channels = channelsFor({ SMTP_URL: sink.url });
      const record = await welcome(channels, 'late-outcome@example.com');
      // the store takes the outcome 1.2 s late (a cut-over refusing writes, retried), past the 400 ms lease
      const worker = workerFor(channels, { repository: withLateOutcomes(repository, 1_200) });
      worker.start();
      try {
        await sink.waitFor(() => sink.to('late-outcome@example.com').length > 0, 'the email');
        const sent = await eventually(
          async () => ((await stored(record.id)).status === 'sent' ? stored(record.id) : undefined),
          { message: 'the record marked sent' },
        );
        // claims went on every 50 ms meanwhile, and the lease lapsed twice over
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(sink.to('late-outcome@example.com').length, 1, 'one email');
        assert.equal(emailOf(sent).attempts, 1);
      } finally {
        await worker.stop();
        await closeAll(channels);
        await sink.close();
      }
    });

    it('keeps retrying through an SMTP outage and delivers once the server is back', async () => {
      const probe = await SmtpSink.start();
      const { port, url } = probe;
      await probe.close();
      const channels = channelsFor({ SMTP_URL: url });
      const record = await welcome(channels, 'outage@example.com');
      const worker = workerFor(channels, { maxAttempts: 50 });
      worker.start();
      let sink: SmtpSink | undefined;
      try {
        const failing = await eventually(
          async () => {
            const email = emailOf(await stored(record.id));
            return email.attempts >= 2 ? email : undefined;
          },
          { message: 'two failed attempts' },
        );
        assert.equal(failing.status, 'pending');
        assert.match(failing.error ?? '', /SMTP/);
        sink = await SmtpSink.start(port);
        await sink.waitFor(() => sink!.to('outage@example.com').length > 0, 'the email once SMTP is back');
        const sent = await eventually(
          async () => ((await stored(record.id)).status === 'sent' ? stored(record.id) : undefined),
          { message: 'the record marked sent' },
        );
        assert.ok(emailOf(sent).attempts >= 3);
        assert.equal(emailOf(sent).error, null);
        assert.equal(sent.metadata.retryCount, emailOf(sent).attempts - 1);
      } finally {
        await worker.stop();
        await closeAll(channels);
        await sink?.close();
      }
    });

    it('keeps sending email while the sms provider hangs, each channel in its own slots', async () => {
      const sink = await SmtpSink.start();
      const sms = await WebhookReceiver.start();
      const channels = channelsFor({
        SMTP_URL: sink.url,
        NOTIFICATIONS_SMS_WEBHOOK_URL: sms.url,
        NOTIFICATIONS_CHANNEL_TIMEOUT_MS: '60000',
      });
      const release = sms.hold();
      const records = await Promise.all(
        [1, 2, 3].map((n) => welcome(channels, `hang-${n}@example.com`, `+1555010${n}`)),
      );
      const worker = workerFor(channels, { concurrencyPerChannel: 1 });
      worker.start();
      try {
        await eventually(() => records.every((_, i) => sink.to(`hang-${i + 1}@example.com`).length === 1), {
          message: 'every email while sms hangs',
        });
        assert.equal(sms.waiting, 1, 'one sms in flight, held by the provider');
        assert.equal(sms.calls.length, 0);
        release();
        for (const record of records) {
          const done = await eventually(
            async () => ((await stored(record.id)).status === 'sent' ? stored(record.id) : undefined),
            { message: 'both channels sent' },
          );
          assert.deepEqual(
            done.channels.filter((c) => c.type !== 'push').map((c) => [c.type, c.status]),
            [
              ['email', 'sent'],
              ['sms', 'sent'],
            ],
          );
        }
        assert.equal(sms.calls.length, 3);
      } finally {
        release();
        await worker.stop();
        await closeAll(channels);
        await Promise.all([sink.close(), sms.close()]);
      }
    });
  });
}
