import Type from 'typebox';
import { Int53 } from '@polyshop/http';
import { AUDIT_TYPES } from '../domain/audit-entry.ts';

const Id = (description: string) => Type.String({ format: 'uuid', description });
/** A timestamp on the wire (ISO 8601); handlers may return a Date, serialised as such. */
const Time = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const DateTimeInput = Type.String({ format: 'date-time' });

export const UserIdParams = Type.Object({ userId: Id('user id') });
export const RoleIdParams = Type.Object({ roleId: Id('role id') });
export const RolePermissionParams = Type.Object({ roleId: Id('role id'), permissionId: Id('permission id') });
export const UserRoleParams = Type.Object({ userId: Id('user id'), roleId: Id('role id') });

export const RegisterBody = Type.Object(
  {
    email: Type.String({ maxLength: 254, examples: ['ada@example.com'] }),
    password: Type.String({
      maxLength: 256,
      description: 'At least 10 characters, two kinds of characters, not the email.',
    }),
    name: Type.String({ maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const LogoutBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
export const IntrospectBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);

export const UserCreated = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() });

export const TokenPairSchema = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  tokenType: Type.Literal('Bearer'),
});

export const PrincipalSchema = Type.Object({
  userId: Type.String(),
  email: Type.Optional(Type.String()),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
});

export const MeSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  createdAt: Time,
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String({ description: '`resource:action`; `*` is a wildcard' })),
});

export const UserSummarySchema = Type.Object({
  id: Type.String(),
  email: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  status: Type.String(),
});

const PermissionPart = Type.String({ pattern: '^([a-z][a-z0-9_-]{0,62}|\\*)$', examples: ['products'] });

export const PermissionSchema = Type.Object({
  id: Type.String(),
  resource: Type.String(),
  action: Type.String(),
});
export const PermissionBody = Type.Object(
  { resource: PermissionPart, action: PermissionPart },
  { additionalProperties: false },
);

export const RoleBody = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$', examples: ['catalog-editor'] }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const RoleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  createdAt: Time,
  permissions: Type.Array(PermissionSchema),
});

/** Audit entries a page holds when `limit` is left out (the schema's default, applied on validation). */
export const AUDIT_PAGE_DEFAULT = 100;

export const AuditQuerySchema = Type.Object(
  {
    userId: Type.Optional(Type.String({ maxLength: 100 })),
    type: Type.Optional(Type.Union(AUDIT_TYPES.map((type) => Type.Literal(type)))),
    from: Type.Optional(DateTimeInput),
    to: Type.Optional(DateTimeInput),
    before: Type.Optional(Int53({ minimum: 1, description: 'only entries with a smaller id (paging)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: AUDIT_PAGE_DEFAULT })),
  },
  { additionalProperties: false },
);

export const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  occurredAt: Time,
  type: Type.String(),
  actorId: Type.Optional(Type.String()),
  targetUserId: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
  userAgent: Type.Optional(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  redactedAt: Type.Optional(Time),
});

const SessionSchema = Type.Object({
  id: Type.String(),
  createdAt: Time,
  expiresAt: Time,
  revokedAt: Type.Optional(Time),
  revokedReason: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
  userAgent: Type.Optional(Type.String()),
});

export const ExportSchema = Type.Object({
  user: Type.Object({
    id: Type.String(),
    email: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    status: Type.String(),
    createdAt: Time,
    erasedAt: Type.Optional(Time),
  }),
  roles: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  sessions: Type.Array(SessionSchema),
  auditTrail: Type.Array(AuditEntrySchema),
  exportedAt: Time,
});
