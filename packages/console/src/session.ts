import { createPolyshopClient, type paths } from '@polyshop/client';

/** The signed-in user as `GET /users/me` describes them. */
export type Me = paths['/users/me']['get']['responses'][200]['content']['application/json'];

export interface Session {
  token: string;
  me: Me;
}

const KEY = 'polyshop.console.session';

/** The session of this tab (sessionStorage: gone with the tab, never shared with other sites). */
export function loadSession(): Session | undefined {
  const saved = sessionStorage.getItem(KEY);
  if (!saved) return undefined;
  try {
    return JSON.parse(saved) as Session;
  } catch {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
}

let current: Session | undefined = loadSession();
/** The token of a sign-in whose profile is being read. */
let signingIn: string | undefined;

/** The platform's API, as this origin serves it, with the session's token. */
export const api = createPolyshopClient({
  baseUrl: location.origin,
  token: () => current?.token ?? signingIn,
});

/** True when the user holds `resource:action` (or a wildcard of it). */
export function can(me: Me, resource: string, action: string): boolean {
  const held = me.permissions;
  return [`${resource}:${action}`, `${resource}:*`, `*:${action}`, '*:*'].some((p) => held.includes(p));
}

/** Staff may open the console: `platform:read` (read-only) or `platform:admin` (may act). */
export function isStaff(me: Me): boolean {
  return can(me, 'platform', 'read') || can(me, 'platform', 'admin');
}

/** Signs in through `POST /users/login`, then reads the profile; throws an Error with the problem's text. */
export async function signIn(email: string, password: string): Promise<Session> {
  const login = await api.POST('/users/login', { body: { email, password } });
  if (login.error) throw new Error(login.error.detail);
  signingIn = login.data.accessToken;
  const profile = await api.GET('/users/me').finally(() => (signingIn = undefined));
  if (profile.error) throw new Error(profile.error.detail);
  current = { token: login.data.accessToken, me: profile.data };
  sessionStorage.setItem(KEY, JSON.stringify(current));
  return current;
}

/** Ends the session here and on the platform (`POST /users/logout`; a failure there is ignored). */
export async function signOut(): Promise<void> {
  if (current) await api.POST('/users/logout', { body: {} }).catch(() => undefined);
  forgetSession();
}

/** Forgets the session of this tab (an expired token: the platform answered 401). */
export function forgetSession(): void {
  current = undefined;
  sessionStorage.removeItem(KEY);
}
