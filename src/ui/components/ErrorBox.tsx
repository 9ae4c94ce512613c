import { ApiError } from '../lib/api.js';

/** The server's error message as it wrote it, with its code. */
export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const code = error instanceof ApiError ? error.code : 'ERROR';
  return (
    <div className="error" role="alert" data-testid="error">
      <strong>{code}</strong> {error.message}
      {onRetry && (
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
