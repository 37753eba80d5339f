import { useEffect, useState } from 'preact/hooks';
import { isStaff, signIn, signOut, type Session } from '../session.ts';

/** Sign in with a polyshop account (`POST /users/login`); the console is for staff (`platform:read` or `platform:admin`). */
export function SignInPage(props: { notice: string | undefined; onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · polyshop console';
  }, []);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    setBusy(true);
    setError(undefined);
    try {
      const session = await signIn(field('email'), field('password'));
      if (!isStaff(session.me)) {
        await signOut();
        setError(
          'This account is not staff: the console needs the permission platform:read or platform:admin.',
        );
        return;
      }
      props.onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to the polyshop console</h1>
      {props.notice && <p class="notice">{props.notice}</p>}
      <form onSubmit={(event) => void submit(event)} aria-describedby="sign-in-help">
        <p id="sign-in-help">
          Use your polyshop account. Staff with <code>platform:read</code> see the console; those with{' '}
          <code>platform:admin</code> may also act.
        </p>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <div role="alert" class="error">
          {error}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
