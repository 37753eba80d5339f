import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { silentLogger } from '@polyshop/kernel';
import { skipReason, testServerUrl } from '@polyshop/testing';
import { NatsEventBus } from '../src/index.ts';
import { anEvent } from './support/an-event.ts';

const natsUrl = testServerUrl('POLYSHOP_TEST_NATS_URL');

/**
 * Issue 16 (traces): a traced event's W3C context (`traceContext` in its envelope) is also in the NATS
 * message's headers (`traceparent`, `tracestate`), for tools reading the stream; an untraced event has none.
 */
describe(
  'NATS messages carry a traced event’s trace context as headers',
  { skip: skipReason('POLYSHOP_TEST_NATS_URL', natsUrl) },
  () => {
    it('sets traceparent and tracestate from the envelope, and nothing for an untraced event', async () => {
      const id = randomBytes(5).toString('hex');
      const where = {
        url: natsUrl!,
        logger: silentLogger(),
        stream: `POLYSHOP_T_${id}`,
        subjectPrefix: `polyshop_t_${id}.events`,
      };
      const bus = await NatsEventBus.connect(where);
      const nc = await connect({ servers: natsUrl! });
      try {
        const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
        await bus.publish({ ...anEvent(), traceContext: { traceparent, tracestate: 'polyshop=test' } });
        await bus.publish(anEvent());
        const jsm = await jetstreamManager(nc);
        const traced = await jsm.streams.getMessage(where.stream, { seq: 1 });
        assert.equal(traced?.header?.get('traceparent'), traceparent);
        assert.equal(traced?.header?.get('tracestate'), 'polyshop=test');
        assert.equal(
          traced?.json<{ traceContext?: { traceparent?: string } }>().traceContext?.traceparent,
          traceparent,
        );
        const untraced = await jsm.streams.getMessage(where.stream, { seq: 2 });
        assert.equal(untraced?.header?.get('traceparent') ?? '', '');
      } finally {
        await nc.close();
        await bus.deleteStream();
        await bus.close();
      }
    });
  },
);
