import { afterAll } from 'vitest';
import { removeTempDirs } from './server.js';

// Every integration file's data directories (a few MB to a few hundred each) go when it ends.
afterAll(() => removeTempDirs());
