import { useState } from 'react';
import { ErrorBox } from '../components/ErrorBox.js';
import { Api, saveToken } from '../lib/api.js';

/** Auth is on: ask for an API key (lmk_…) or a JWT, check it with a read, keep it in this browser. */
export function SignIn({ onSignedIn, reason }: { onSignedIn: () => void; reason?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await new Api(() => token.trim()).metrics();
      saveToken(token.trim());
      onSignedIn();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1>Sign in to Luminate</h1>
        <p className="muted">{reason ?? 'This server requires a token. Paste an API key (lmk_…) or a JWT with the read scope.'}</p>
        <label className="field">
          <span>Token</span>
          <input type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} aria-label="Token" data-testid="token" autoFocus />
        </label>
        {error && <ErrorBox error={error} />}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''} data-testid="sign-in">
          Sign in
        </button>
      </form>
    </div>
  );
}
