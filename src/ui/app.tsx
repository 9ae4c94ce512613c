import { useEffect, useState } from 'react';
import { useHashRoute } from './hooks.js';
import { authEvents, savedToken, saveToken } from './lib/api.js';
import { Cardinality } from './pages/Cardinality.js';
import { DashboardList } from './pages/DashboardList.js';
import { DashboardPage } from './pages/DashboardPage.js';
import { Explorer } from './pages/Explorer.js';
import { SignIn } from './pages/SignIn.js';

interface UiConfig {
  auth_enabled: boolean;
  version: string;
}

/** Shell: sign-in when auth is on, the navigation, and the page the URL hash names. */
export function App() {
  const route = useHashRoute();
  const [config, setConfig] = useState<UiConfig | null>(null);
  const [token, setToken] = useState(savedToken());
  const [expired, setExpired] = useState<string | undefined>(undefined);
  useEffect(() => {
    fetch('/api/v1/ui/config')
      .then((r) => r.json() as Promise<UiConfig>)
      .then(setConfig, () => setConfig({ auth_enabled: false, version: '' }));
  }, []);
  // A 401 anywhere means the saved token stopped working: ask again.
  useEffect(() => {
    const on = (e: Event) => {
      saveToken(null);
      setToken(null);
      setExpired(String((e as CustomEvent<string>).detail));
    };
    authEvents.addEventListener('unauthorized', on);
    return () => authEvents.removeEventListener('unauthorized', on);
  }, []);

  if (config === null) return <div className="loading">Loading…</div>;
  if (config.auth_enabled && token === null) {
    return (
      <SignIn
        reason={expired}
        onSignedIn={() => {
          setExpired(undefined);
          setToken(savedToken());
        }}
      />
    );
  }
  const [section = 'explore', id] = route.path;
  return (
    <div className="app">
      <nav className="nav" aria-label="Main">
        <a className="brand" href="#/explore">
          <span className="logo" aria-hidden="true" /> Luminate
        </a>
        <a href="#/explore" aria-current={section === 'explore' ? 'page' : undefined}>
          Explore
        </a>
        <a href="#/dashboards" aria-current={section === 'dashboards' ? 'page' : undefined}>
          Dashboards
        </a>
        <a href="#/cardinality" aria-current={section === 'cardinality' ? 'page' : undefined}>
          Cardinality
        </a>
        <span className="spacer" />
        <a href="/docs" className="muted">
          API
        </a>
        {config.auth_enabled && (
          <button
            type="button"
            className="link"
            onClick={() => {
              saveToken(null);
              setToken(null);
            }}
          >
            Sign out
          </button>
        )}
        <span className="muted small">{config.version && `v${config.version}`}</span>
      </nav>
      <main>
        {section === 'dashboards' && id !== undefined ? (
          <DashboardPage id={id} params={route.params} />
        ) : section === 'dashboards' ? (
          <DashboardList />
        ) : section === 'cardinality' ? (
          <Cardinality />
        ) : (
          <Explorer params={route.params} />
        )}
      </main>
    </div>
  );
}
