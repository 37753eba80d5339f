-- Store migration (issue 14): every mutable row carries a version that grows with each change, so the
-- migration engine copies a row between PostgreSQL and MongoDB only when it is newer (a claim, an
-- attempt's outcome, an erasure, a preference or projection change each bump it). The trigger bumps it
-- on every UPDATE that does not set it itself; the migration side's copies set it (and say so through
-- the transaction-local setting `notifications.copying`, so a forced copy keeps the source's version).
-- Templates need none: a template version is immutable, its key names it.
ALTER TABLE notifications.records ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE notifications.preferences ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE notifications.recipients ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE notifications.order_recipients ADD COLUMN version integer NOT NULL DEFAULT 1;

CREATE FUNCTION notifications.bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('notifications.copying', true), '') <> 'on' THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER records_version BEFORE UPDATE ON notifications.records
  FOR EACH ROW EXECUTE FUNCTION notifications.bump_version();
CREATE TRIGGER preferences_version BEFORE UPDATE ON notifications.preferences
  FOR EACH ROW EXECUTE FUNCTION notifications.bump_version();
CREATE TRIGGER recipients_version BEFORE UPDATE ON notifications.recipients
  FOR EACH ROW EXECUTE FUNCTION notifications.bump_version();
CREATE TRIGGER order_recipients_version BEFORE UPDATE ON notifications.order_recipients
  FOR EACH ROW EXECUTE FUNCTION notifications.bump_version();
