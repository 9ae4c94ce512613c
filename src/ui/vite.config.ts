import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web UI: built into dist/ui and served by Luminate itself at `/` (src/api/ui.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/ui', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npx vite --config src/ui/vite.config.ts` while `npm start` runs: UI with hot reload, API proxied.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
