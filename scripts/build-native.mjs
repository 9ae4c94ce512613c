// Builds the native remote-write lane (native/lane.cc → native/build/Release/luminate_native.node)
// with the node-gyp that ships with npm, against Node's own headers. Run by `npm run build`; skips
// the compile when the addon is newer than its sources. Without a compiler the build fails
// softly: Luminate then decodes remote write in JavaScript (slower; logged at start), and the
// test suite's native-lane tests fail, so CI does not miss it.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const dir = 'native';
const addon = join(dir, 'build', 'Release', 'luminate_native.node');
const sources = [join(dir, 'lane.cc'), join(dir, 'binding.gyp')];
if (existsSync(addon) && sources.every((s) => statSync(s).mtimeMs <= statSync(addon).mtimeMs)) process.exit(0);

const gyp = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find(
  (p) => p !== undefined && p !== '' && existsSync(p),
);
if (gyp === undefined) {
  console.warn('build-native: node-gyp not found (it ships with npm); remote write will decode in JavaScript');
  process.exit(0);
}
// Node's headers where the distribution installs them; else node-gyp fetches them (needs the network).
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');
const args = [gyp, 'rebuild', `--directory=${dir}`, ...(nodedir !== '' ? [`--nodedir=${nodedir}`] : [])];
console.log('build-native: compiling the native remote-write lane (native/lane.cc)…');
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  console.warn('build-native: the native lane did not build (output above); remote write will decode in JavaScript');
  process.exit(0);
}
