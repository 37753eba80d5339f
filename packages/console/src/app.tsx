import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, forgetSession, loadSession, signOut, type Session } from './session.ts';
import { SignInPage } from './pages/sign-in.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { EventsPage } from './pages/events.tsx';
import { InventoryPage } from './pages/inventory.tsx';
import { BenchmarksPage } from './pages/benchmarks.tsx';
import { MigrationsPage } from './pages/migrations.tsx';
import { OrdersPage } from './pages/orders.tsx';
import { CataloguePage } from './pages/catalogue.tsx';

/** The console's pages: the fragment of the URL each lives at and its name in the navigation. */
const PAGES = [
  { path: '#/overview', name: 'Overview' },
  { path: '#/migrations', name: 'Migrations' },
  { path: '#/orders', name: 'Orders' },
  { path: '#/catalogue', name: 'Catalogue' },
  { path: '#/inventory', name: 'Inventory' },
  { path: '#/events', name: 'Events' },
  { path: '#/benchmarks', name: 'Benchmarks' },
] as const;

function currentPath(): string {
  return PAGES.some((page) => page.path === location.hash) ? location.hash : PAGES[0].path;
}

/** The console: the sign-in page without a session; else the navigation and the page of the URL's fragment. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const follow = () => setPath(currentPath());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);

  if (!session)
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(undefined);
          setSession(signedIn);
        }}
      />
    );

  /** The platform answered 401: the token expired or was revoked. */
  const expired = () => {
    forgetSession();
    setNotice('Your session ended. Sign in again.');
    setSession(undefined);
  };
  const page = PAGES.find((p) => p.path === path)!;
  return (
    <Layout
      session={session}
      current={page.path}
      onSignOut={() => void signOut().then(() => setSession(undefined))}
    >
      <PageTitle title={page.name} />
      {page.path === '#/overview' && <OverviewPage onExpired={expired} />}
      {page.path === '#/migrations' && (
        <MigrationsPage admin={can(session.me, 'platform', 'admin')} onExpired={expired} />
      )}
      {page.path === '#/orders' && <OrdersPage onExpired={expired} />}
      {page.path === '#/catalogue' && (
        <CataloguePage canEdit={can(session.me, 'products', 'write')} onExpired={expired} />
      )}
      {page.path === '#/inventory' && (
        <InventoryPage admin={can(session.me, 'platform', 'admin')} onExpired={expired} />
      )}
      {page.path === '#/events' && (
        <EventsPage admin={can(session.me, 'platform', 'admin')} onExpired={expired} />
      )}
      {page.path === '#/benchmarks' && <BenchmarksPage onExpired={expired} />}
    </Layout>
  );
}

function Layout(props: {
  session: Session;
  current: string;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const { me } = props.session;
  const admin = can(me, 'platform', 'admin');
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), focusMain())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">polyshop console</span>
        <nav aria-label="Console pages">
          <ul>
            {PAGES.map((page) => (
              <li key={page.path}>
                <a href={page.path} aria-current={page.path === props.current ? 'page' : undefined}>
                  {page.name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>{me.email}</span>
          <span
            class={admin ? 'badge admin' : 'badge'}
            title={admin ? undefined : 'Actions need platform:admin'}
          >
            {admin ? 'Admin' : 'Read-only'}
          </span>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}

function focusMain() {
  document.getElementById('main')?.focus();
}

/**
 * The page's heading and the document's title; the heading takes focus when the user moves to another
 * page (not on the first one, where the first Tab should reach the skip link).
 */
function PageTitle({ title }: { title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} · polyshop console`;
    if (!first.current) heading.current?.focus();
    first.current = false;
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {title}
    </h1>
  );
}
