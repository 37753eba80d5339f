-- Notification service (Phase 1: PostgreSQL with JSONB documents; MongoDB later behind the same port).

-- Template versions per notification type and channel; a save adds the next version, none changes.
CREATE TABLE notifications.templates (
  type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  version integer NOT NULL CHECK (version > 0),
  subject text,
  body text NOT NULL,
  html text,
  variables jsonb NOT NULL,
  description text,
  created_at timestamptz NOT NULL,
  created_by text,
  PRIMARY KEY (type, channel, version)
);

-- The delivery log: one document per notification, shaped as in the seed. The scalar columns are
-- copies of document fields for the delivery-log queries and the delivery worker.
CREATE TABLE notifications.records (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  user_id text,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'partially_sent', 'failed', 'not_sent')),
  recipient jsonb NOT NULL,
  template jsonb NOT NULL,
  channels jsonb NOT NULL,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Earliest due attempt of a pending channel; NULL when nothing is left to deliver.
  next_attempt_at timestamptz
);
CREATE INDEX records_user ON notifications.records (user_id, created_at DESC, id DESC);
CREATE INDEX records_type ON notifications.records (type, created_at DESC, id DESC);
CREATE INDEX records_status ON notifications.records (status, created_at DESC, id DESC);
CREATE INDEX records_created ON notifications.records (created_at DESC, id DESC);
CREATE INDEX records_due ON notifications.records (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

CREATE TABLE notifications.preferences (
  user_id text PRIMARY KEY,
  email boolean NOT NULL,
  sms boolean NOT NULL,
  push boolean NOT NULL,
  phone text,
  updated_at timestamptz NOT NULL
);

-- Recipient projection from events: users (user.registered, order customers) and whose each order is,
-- so that events without an address (payment.refunded) can be addressed. Erasure keeps a tombstone.
CREATE TABLE notifications.recipients (
  user_id text PRIMARY KEY,
  email text,
  name text,
  erased_at timestamptz
);

CREATE TABLE notifications.order_recipients (
  order_id text PRIMARY KEY,
  user_id text NOT NULL,
  order_number text NOT NULL,
  email text,
  name text
);
CREATE INDEX order_recipients_user ON notifications.order_recipients (user_id);
