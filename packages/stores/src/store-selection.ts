/** The kinds of store a service can keep its data in. */
export type StoreKind = 'postgres' | 'mongodb' | 'dynamodb' | 'opensearch';

export type Profile = 'phase1' | 'polyglot';

/**
 * Which stores something can run on and which one the polyglot profile picks (as in the seed); Phase 1
 * runs everything on PostgreSQL, so `postgres` is always among `supported`. Each service declares its own
 * (`ServiceDefinition.stores`); this package knows stores, not services.
 */
export interface StoreChoice<S extends StoreKind = StoreKind> {
  /** The variable that overrides the profile (`<SERVICE>_STORE`). */
  variable: string;
  supported: readonly S[];
  /** Its store in the polyglot profile. */
  polyglot: S;
}

/**
 * The store chosen: `choice.variable` if set in `env`, else the profile's choice. Throws naming the
 * variable (and `who`, in the message) when the value is not one of `choice.supported`.
 */
export function selectStore<S extends StoreKind>(
  choice: StoreChoice<S>,
  profile: Profile,
  env: NodeJS.ProcessEnv,
  who = 'it',
): S {
  const chosen = env[choice.variable] || (profile === 'polyglot' ? choice.polyglot : 'postgres');
  const supported = choice.supported.find((store) => store === chosen);
  if (supported === undefined) {
    throw new Error(
      `${choice.variable}=${chosen} is not supported; ${who} runs on ${choice.supported.join(' or ')}.`,
    );
  }
  return supported;
}
