/**
 * Which folder of src/ may import which: the table of docs/architecture.md, enforced.
 * `npm run lint` runs it; a forbidden import or an import cycle fails the build.
 *
 * A folder may always import its own files and src/version.ts.
 */
const LAYERS = {
  shared: { path: '^src/shared/', may: [] },
  config: { path: '^src/config/', may: ['shared'] },
  store: { path: '^src/store/', may: ['shared', 'config'] },
  pulsara: { path: '^src/pulsara/', may: ['shared', 'config'] },
  mapping: { path: '^src/mapping/[^/]+$', may: ['shared', 'pulsara'] },
  'mapping/build': { path: '^src/mapping/build/', may: ['shared', 'pulsara', 'mapping'] },
  'mapping/check': { path: '^src/mapping/check/', may: ['shared', 'pulsara', 'mapping', 'mapping/build'] },
  ehr: { path: '^src/ehr/', may: ['shared', 'config', 'mapping'] },
  intake: { path: '^src/intake/', may: ['shared', 'config', 'store', 'pulsara'] },
  delivery: {
    path: '^src/delivery/',
    may: ['shared', 'config', 'store', 'pulsara', 'mapping', 'mapping/build', 'ehr'],
  },
  server: { path: '^src/server/', may: ['shared', 'config', 'store', 'intake', 'delivery'] },
  bridge: {
    path: '^src/bridge\\.ts$',
    may: [
      'shared',
      'config',
      'store',
      'pulsara',
      'mapping',
      'mapping/build',
      'mapping/check',
      'ehr',
      'intake',
      'delivery',
      'server',
    ],
  },
  'tools/sandbox': { path: '^src/tools/sandbox/', may: ['shared'] },
  'tools/simulator': { path: '^src/tools/simulator/', may: ['shared', 'config', 'pulsara'] },
  'tools/demo': {
    path: '^src/tools/demo/',
    may: ['shared', 'config', 'store', 'bridge', 'tools/sandbox', 'tools/simulator'],
  },
  // cli/ is the binary: it may import every folder, and nothing imports it.
};

const layerRules = Object.entries(LAYERS).map(([name, layer]) => ({
  name: `layer-${name.replace('/', '-')}`,
  comment: `${name} may import only ${layer.may.length ? layer.may.join(', ') : 'nothing else in src/'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: layer.path },
  to: {
    path: '^src/',
    pathNot: [layer.path, '^src/version\\.ts$', ...layer.may.map((other) => LAYERS[other].path)],
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-import-of-cli',
      comment: 'cli/ is the entry point; nothing in src/ imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, between folders or inside one',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (@medplum/fhirtypes is types only, with no module to resolve)',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true, pathNot: '^@medplum/fhirtypes$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules|test)/' },
  },
};
