-- Users, roles and permissions with referential integrity; sessions with rotating refresh tokens;
-- login throttling counters; signing keys; the append-only security audit log.

CREATE TABLE users.users (
  id uuid PRIMARY KEY,
  -- NULL only once erased (personal data removed); unique case-insensitively otherwise.
  email text,
  name text,
  password_hash text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'erased')),
  created_at timestamptz NOT NULL,
  erased_at timestamptz,
  CHECK (status = 'erased' OR (email IS NOT NULL AND name IS NOT NULL AND password_hash IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_ci ON users.users (lower(email));

CREATE TABLE users.roles (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX roles_name_ci ON users.roles (lower(name));

CREATE TABLE users.permissions (
  id uuid PRIMARY KEY,
  resource text NOT NULL,
  action text NOT NULL,
  CONSTRAINT permissions_resource_action UNIQUE (resource, action)
);

CREATE TABLE users.user_roles (
  user_id uuid NOT NULL REFERENCES users.users (id) ON DELETE CASCADE,
  role_id uuid NOT NULL REFERENCES users.roles (id) ON DELETE CASCADE,
  granted_at timestamptz NOT NULL,
  granted_by text,
  PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON users.user_roles (role_id);

CREATE TABLE users.role_permissions (
  role_id uuid NOT NULL REFERENCES users.roles (id) ON DELETE CASCADE,
  permission_id uuid NOT NULL REFERENCES users.permissions (id) ON DELETE RESTRICT,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permissions_permission ON users.role_permissions (permission_id);

-- One session per login: the family of its rotating refresh tokens. Access tokens carry its id,
-- so revoking the session (logout, token reuse, erasure) rejects them on the next request.
CREATE TABLE users.sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users.users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user ON users.sessions (user_id);

-- Refresh tokens are stored only as SHA-256 hashes.
CREATE TABLE users.refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES users.sessions (id) ON DELETE CASCADE,
  issued_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX refresh_tokens_session ON users.refresh_tokens (session_id);

CREATE TABLE users.login_throttle (
  key text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  failures integer NOT NULL
);

CREATE TABLE users.signing_keys (
  kid text PRIMARY KEY,
  algorithm text NOT NULL,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE users.security_audit_log (
  id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  type text NOT NULL,
  actor_id text,
  target_user_id uuid,
  -- Personal data, removed when the user it concerns is erased.
  email text,
  ip text,
  user_agent text,
  -- Non-personal facts (role ids, permission names, reasons).
  details jsonb NOT NULL DEFAULT '{}',
  redacted_at timestamptz
);
CREATE INDEX security_audit_log_target ON users.security_audit_log (target_user_id, occurred_at);
CREATE INDEX security_audit_log_actor ON users.security_audit_log (actor_id, occurred_at);
CREATE INDEX security_audit_log_type ON users.security_audit_log (type, occurred_at);

-- Append-only: rows are never deleted, and the only update allowed is erasure's redaction, which
-- clears the personal columns and changes nothing else.
CREATE FUNCTION users.security_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'security_audit_log is append-only' USING ERRCODE = 'P0001';
  END IF;
  IF NEW.id <> OLD.id OR NEW.occurred_at <> OLD.occurred_at OR NEW.type <> OLD.type
     OR NEW.actor_id IS DISTINCT FROM OLD.actor_id OR NEW.target_user_id IS DISTINCT FROM OLD.target_user_id
     OR NEW.details <> OLD.details
     OR NEW.email IS NOT NULL OR NEW.ip IS NOT NULL OR NEW.user_agent IS NOT NULL OR NEW.redacted_at IS NULL THEN
    RAISE EXCEPTION 'security_audit_log is append-only (only redaction of personal data is allowed)' USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER security_audit_log_append_only BEFORE UPDATE OR DELETE ON users.security_audit_log
  FOR EACH ROW EXECUTE FUNCTION users.security_audit_log_append_only();
